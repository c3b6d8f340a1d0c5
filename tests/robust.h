/* robust.h - regression tests of issue 12: hostile hosts, locks, limits, signals, stopped helpers. */
#ifndef PC_TEST_ROBUST_H
#define PC_TEST_ROBUST_H

#include <stdbool.h>
#include <sys/types.h>

#include "engine.h"

/*
 * A hang safety net, never an assertion of time: after ROBUST_SAFETY_S the
 * alarm runs the rescue set with rb_rescue_arm() (it ends what the test
 * made to block the library: a lock holder, a stopped helper), so that a
 * library that hangs returns at last and the test fails on rb_rescued().
 */
#define ROBUST_SAFETY_S 20
void rb_rescue_arm(pid_t pid, int sig);
/* Disarm; true if the rescue had to run (the call under test hung). */
bool rb_rescued(void);

/*
 * A process that takes flock(LOCK_EX) on its own O_RDONLY fd of
 * ns_last_pid, as anyone may, and keeps it until rb_lock_release().
 */
pid_t rb_lock_hold(void);
void rb_lock_release(pid_t holder);


/* robust_lock.c (item 1) */
HYG_DECL(lock_held_timeout);
HYG_DECL(lock_held_cancel);
HYG_DECL(lock_held_defaults);
HYG_DECL(lock_held_burn);

/* robust_stop.c (items 5, 7) */
HYG_DECL(stopped_helper_burn);
HYG_DECL(stopped_helper_cancel);
HYG_DECL(stopped_helper_pool_stop);
HYG_DECL(slow_fork_timeout);

/* robust_fork.c (items 3, 6) */
HYG_DECL(sigchld_merged_kept);
HYG_DECL(sigchld_thread_requeue);
HYG_DECL(atfork_not_run);

/* robust_limits.c (items 8, 11); the RLIMIT_NPROC test runs under this uid. */
#define ROBUST_NPROC_UID 64321
HYG_DECL(nproc_one_ghost_room);
HYG_DECL(pids_cgroup_limit);
HYG_DECL(estimate_unusable_strategy);

#endif /* PC_TEST_ROBUST_H */
