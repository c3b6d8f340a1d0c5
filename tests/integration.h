/* integration.h - the integration tests (one cmocka program in a private PID namespace). */
#ifndef PC_TEST_INTEGRATION_H
#define PC_TEST_INTEGRATION_H

#include "hygiene.h"
#include "nsutil.h"

/* Every test body runs between a hygiene snapshot and its check. */
#define IT_TEST(name)							\
	static void name##_body(void);					\
	void name(void **state)						\
	{								\
		struct hyg_snap snap_;					\
		(void)state;						\
		hyg_take(&snap_);					\
		name##_body();						\
		hyg_check(&snap_);					\
	}								\
	static void name##_body(void)

#define IT_DECL(name) void name(void **state)

/* integration.c */
IT_DECL(probe_sane);
IT_DECL(exact_settid);
IT_DECL(exact_lastpid);
IT_DECL(exact_ghost);
IT_DECL(exact_thread);
IT_DECL(exact_vfork);
IT_DECL(exact_fork);
IT_DECL(exact_auto);
IT_DECL(set_next_auto);
IT_DECL(set_next_lastpid);
IT_DECL(set_next_ghost);
IT_DECL(set_next_thread);
IT_DECL(set_next_vfork);
IT_DECL(set_next_fork);
IT_DECL(fork_min_ahead_auto);
IT_DECL(fork_min_ahead_ghost);
IT_DECL(fork_min_ahead_thread);
IT_DECL(fork_min_ahead_fork);
IT_DECL(fork_min_behind);

/* integration_limits.c */
IT_DECL(in_use_self_and_init);
IT_DECL(in_use_pgrp_only);
IT_DECL(in_use_zombie);
IT_DECL(errors_einval);
IT_DECL(errors_erange);
IT_DECL(timeout_ms);
IT_DECL(timeout_max_burn);
IT_DECL(cancel_progress);
IT_DECL(cancel_progress_burn);
IT_DECL(burn_auto);
IT_DECL(burn_ghost);
IT_DECL(burn_thread);
IT_DECL(burn_vfork);
IT_DECL(burn_fork);
IT_DECL(burn_two_threads);
IT_DECL(estimate_ahead);
IT_DECL(wrap_settid);
IT_DECL(wrap_lastpid);
IT_DECL(wrap_ghost);
IT_DECL(wrap_thread);
IT_DECL(wrap_vfork);
IT_DECL(wrap_fork);
IT_DECL(wrap_auto);

/* Restore pid_max if a wrap test lowered it (group teardown). */
void wrap_restore(void);

#endif /* PC_TEST_INTEGRATION_H */
