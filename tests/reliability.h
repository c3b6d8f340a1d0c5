/* reliability.h - bad input, faults and concurrency tests (one cmocka program in a private PID namespace). */
#ifndef PC_TEST_RELIABILITY_H
#define PC_TEST_RELIABILITY_H

#include <stdbool.h>
#include <sys/types.h>

#include "hygiene.h"
#include "nsutil.h"


/* A request's outcome as the tests classify it. */
enum rt_outcome {
	RT_EXACT,	/* the parent got the wanted PID and the child saw it */
	RT_CLEAN_FAIL,	/* -errno, no child */
	RT_FALSE,	/* success reported for a wrong PID: never allowed */
};

/*
 * pidcycle_fork_at(target, o), the child checking its own PID; the child is
 * reaped. *err gets the return value when it is negative.
 */
enum rt_outcome rt_fork_at(pid_t target, const struct pidcycle_opts *o,
			   int *err);
/* Fail unless the cursor is `last` (nothing moved it). */
void rt_cursor_is(pid_t last, const char *what);
/* Skip (with the reason) unless effective uid 0 with CAP_SYS_ADMIN. */
void rt_need_root(void);
/* Skip (with the reason) when we are privileged. */
void rt_need_unprivileged(void);
/* Lower pid_max to `v` for cheap laps (root only; restored at group end). */
bool rt_lower_pid_max(pid_t v);
void rt_restore_pid_max(void);
/* A free number about d ahead of the cursor, round the wrap if need be. */
pid_t rt_ahead(pid_t d);
/* Count of entries in /proc/self/task. */
int rt_threads(void);

/* reliability_input.c */
HYG_DECL(input_bad_pids);
HYG_DECL(input_below_floor);
HYG_DECL(input_in_use);
HYG_DECL(input_null);
HYG_DECL(input_opts_size);
HYG_DECL(input_opts_values);
HYG_DECL(input_strategy_denied);

/* reliability_faults.c */
HYG_DECL(fault_hidepid);
HYG_DECL(fault_sys_ro);
HYG_DECL(fault_no_lastpid);
HYG_DECL(fault_no_sysctl);
HYG_DECL(fault_nproc);
HYG_DECL(fault_nproc_room);
HYG_DECL(fault_nofile);
HYG_DECL(fault_pid_max_lowered);

/* reliability_conc.c */
HYG_DECL(conc_many_threads);
HYG_DECL(conc_threads_fork_at);
HYG_DECL(conc_two_procs_different);
HYG_DECL(conc_two_procs_same);

/* reliability_load.c */
HYG_DECL(load_forker);

#endif /* PC_TEST_RELIABILITY_H */
