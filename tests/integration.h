/* integration.h - the integration tests (one cmocka program in a private PID namespace). */
#ifndef PC_TEST_INTEGRATION_H
#define PC_TEST_INTEGRATION_H

#include "hygiene.h"
#include "nsutil.h"


/* integration.c */
HYG_DECL(probe_sane);
HYG_DECL(exact_settid);
HYG_DECL(exact_lastpid);
HYG_DECL(exact_ghost);
HYG_DECL(exact_thread);
HYG_DECL(exact_vfork);
HYG_DECL(exact_fork);
HYG_DECL(exact_auto);
HYG_DECL(set_next_auto);
HYG_DECL(set_next_lastpid);
HYG_DECL(set_next_ghost);
HYG_DECL(set_next_thread);
HYG_DECL(set_next_vfork);
HYG_DECL(set_next_fork);
HYG_DECL(fork_min_ahead_auto);
HYG_DECL(fork_min_ahead_ghost);
HYG_DECL(fork_min_ahead_thread);
HYG_DECL(fork_min_ahead_fork);
HYG_DECL(fork_min_behind);

/* integration_limits.c */
HYG_DECL(in_use_self_and_init);
HYG_DECL(in_use_pgrp_only);
HYG_DECL(in_use_zombie);
HYG_DECL(errors_einval);
HYG_DECL(errors_erange);
HYG_DECL(timeout_ms);
HYG_DECL(timeout_max_burn);
HYG_DECL(cancel_progress);
HYG_DECL(cancel_progress_burn);
HYG_DECL(burn_auto);
HYG_DECL(burn_ghost);
HYG_DECL(burn_thread);
HYG_DECL(burn_vfork);
HYG_DECL(burn_fork);
HYG_DECL(burn_two_threads);
HYG_DECL(estimate_ahead);
HYG_DECL(wrap_settid);
HYG_DECL(wrap_lastpid);
HYG_DECL(wrap_ghost);
HYG_DECL(wrap_thread);
HYG_DECL(wrap_vfork);
HYG_DECL(wrap_fork);
HYG_DECL(wrap_auto);

/* Restore pid_max if a wrap test lowered it (group teardown). */
void wrap_restore(void);

#endif /* PC_TEST_INTEGRATION_H */
