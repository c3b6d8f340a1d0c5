/* engine.h - tests of the unprivileged engine (burners, steering, predictor, candidate). */
#ifndef PC_TEST_ENGINE_H
#define PC_TEST_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hygiene.h"
#include "nsutil.h"


/* ---- engine_util.c: helpers that do not go through the library ------- */

/* A sorted set of the numbers in use in this namespace (pid/tid/pgid/sid). */
struct eng_used {
	size_t n;
	pid_t v[8192];
};

/* Scan /proc into *u (asserts on overflow). */
void eng_used_scan(struct eng_used *u);
bool eng_used_has(const struct eng_used *u, pid_t pid);
/* Add pid to the set (keeps it sorted). */
void eng_used_add(struct eng_used *u, pid_t pid);
/* How many of [lo, hi] are in the set. */
uint64_t eng_used_count(const struct eng_used *u, pid_t lo, pid_t hi);

/*
 * The kernel's cyclic allocation (kernel/pid.c) on a model: the number it
 * hands out after `last`, skipping `u`, wrapping to 300 (or 1 before the
 * cursor first passed 300) at pid_max.
 */
pid_t eng_alloc_after(const struct eng_used *u, pid_t last, pid_t pid_max);

/*
 * Where the cursor ends after `n` more allocations from `last` on the model,
 * the first `live` of which stay in use (helper processes the burn starts).
 * `u` is updated with those.
 */
pid_t eng_model_burn(struct eng_used *u, pid_t last, pid_t pid_max,
		     uint64_t n, unsigned int live);

/* Tasks (threads included) in this namespace: /proc/N/task of every N. */
int eng_count_tasks(void);

/* A helper process with a second thread; *tid is that thread's TID. */
pid_t eng_thread_holder(pid_t *tid);
/* A process group whose leader has exited: returns the pgid, *member its member. */
pid_t eng_orphan_group(pid_t *member);
/*
 * A session whose leader has exited and whose only member moved to a group
 * of its own: the number is a session id only. Returns the sid.
 */
pid_t eng_orphan_session(pid_t *member);
/* A zombie child (exited, not reaped). */
pid_t eng_zombie(void);
/* Let a holder made above go (closes its pipe) and reap it. */
void eng_release(pid_t pid);

/* A free number at or after `from` (wrapping in [300, pid_max)). */
pid_t eng_free_from(pid_t from);
/* Make the cursor's last PID exactly `last` through the library (may wrap). */
void eng_move_last(pid_t last);
/* Skip the test unless pid_max is small enough for laps to be cheap. */
void eng_need_low_pid_max(void);

/*
 * A background process that forks + _exits + waits in a loop, about
 * `per_sec` times a second. eng_load_stop() kills it by PID, reaps it and any
 * orphan of it, and returns how many forks it made.
 */
pid_t eng_load_start(unsigned int per_sec);
uint64_t eng_load_stop(pid_t load);

/*
 * pidcycle_fork_at(target, o) where losing is allowed: returns 1 for an exact
 * hit (the parent got target and the child saw getpid() == target), 0 for a
 * loss with -EAGAIN/-ETIMEDOUT; fails the test for anything else, a false
 * success above all. *err gets the return value.
 */
int eng_fork_at_try(pid_t target, const struct pidcycle_opts *o, int *err);

/* Milliseconds on the monotonic clock. */
double eng_now_ms(void);

/* ---- the tests -------------------------------------------------------- */

/* engine_inuse.c */
HYG_DECL(fresh_below_300);
HYG_DECL(in_use_thread_tid);
HYG_DECL(in_use_orphan_pgrp);
HYG_DECL(in_use_orphan_session);
HYG_DECL(in_use_zombie);
HYG_DECL(in_use_ahead_after_wrap);
HYG_DECL(erange_below_floor);
HYG_DECL(wrap_exact_ghost);
HYG_DECL(wrap_exact_thread);
HYG_DECL(wrap_exact_auto);
HYG_DECL(estimate_ahead_agrees);
HYG_DECL(estimate_wrap_agrees);

/* engine_limits.c */
HYG_DECL(burn_timeout);
HYG_DECL(burn_cancel_progress);
HYG_DECL(burn_max_burn);
HYG_DECL(ghost_creates_no_task);
HYG_DECL(workers_one_two_ghost);
HYG_DECL(workers_one_two_thread);

/* engine_load.c */
HYG_DECL(concurrent_load_ghost);
HYG_DECL(concurrent_load_thread);

#endif /* PC_TEST_ENGINE_H */
