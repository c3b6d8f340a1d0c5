/* internal.h - declarations shared by the library's files (not installed). */
#ifndef PIDCYCLE_INTERNAL_H
#define PIDCYCLE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pidcycle.h"

#define PC_HIDDEN __attribute__((visibility("hidden")))

/* kernel/pid.c: once the cursor passed RESERVED_PIDS, cycling wraps to it. */
#define PC_RESERVED_PIDS 300

/*
 * Two ways of losing a race, kept apart from a real -EAGAIN (RLIMIT_NPROC)
 * inside the library; both reach the caller as -EAGAIN (pc_public_err).
 */
#define PC_ELOST 4000	/* the checked child got another number */
#define PC_ETAKEN 4001	/* someone else took the target meanwhile */
PC_HIDDEN int pc_public_err(int err);

/* ---- options (opts.c) ---------------------------------------------------- */

/* A validated, full-size copy of the caller's options with defaults filled. */
struct pc_opts {
	enum pidcycle_strategy strategy;
	unsigned int threads;		/* 0 = the engine picks per request */
	unsigned int timeout_ms;	/* 0 = none */
	uint64_t max_burn;		/* 0 = none */
	pidcycle_progress_fn progress;
	void *progress_arg;
	unsigned int progress_ms;	/* >= 1 */
};

/* Copy and check *in (NULL = defaults). 0 or -EINVAL. */
PC_HIDDEN int pc_opts_load(const struct pidcycle_opts *in, struct pc_opts *out);
/* CPUs in the caller's affinity mask (at least 1). */
PC_HIDDEN unsigned int pc_cpus(void);
/* Default worker count for that many CPUs: one each, at most 8 (opts.c says why). */
PC_HIDDEN unsigned int pc_threads_for_cpus(unsigned int cpus);
/* The same for the caller's affinity mask. */
PC_HIDDEN unsigned int pc_default_threads(void);

/*
 * Copy our sized output struct to the caller's, whose first field is its size:
 * only the prefix the caller knows about, and its sz stays as it set it.
 */
PC_HIDDEN void pc_copy_out(void *dst, const void *src, size_t ours);

/* ---- monotonic time (opts.c) --------------------------------------------- */
PC_HIDDEN double pc_now(void);

/* ---- features (probe.c) ------------------------------------------------- */

struct pc_features {
	bool clone3;		/* clone3 usable: not refused by a filter (ENOSYS, EPERM) */
	bool set_tid;		/* set_tid answered EEXIST, not EPERM */
	bool lastpid_read;	/* /proc/sys/kernel/ns_last_pid is readable */
	bool lastpid_write;	/* ... and the write is allowed (probed with -1) */
	bool ghost;		/* some ghost form consumes PIDs here */
	unsigned long ghost_flags;	/* the clone flags of that form */
	bool ghost_legacy;	/* use clone(), not clone3(), for it */
};

/* Probe once per process (cached; thread-safe). Never NULL. */
PC_HIDDEN const struct pc_features *pc_features(void);
/* Probe afresh (tests; after privileges changed). */
PC_HIDDEN void pc_features_probe(struct pc_features *f);
/* The burner AUTO uses where no privileged way applies: ghost, else thread. */
PC_HIDDEN enum pidcycle_strategy pc_auto_burner(const struct pc_features *f);
/* What AUTO uses for an exact PID: settid, lastpid, else the burner. */
PC_HIDDEN enum pidcycle_strategy pc_auto_strategy(const struct pc_features *f);
/* Bitmask of strategies usable with f. */
PC_HIDDEN unsigned int pc_strategy_mask(const struct pc_features *f);
/* What a request asks for: each allows some strategies only. */
enum pc_call { PC_CALL_NEXT, PC_CALL_AT, PC_CALL_MIN, PC_CALL_BURN };
/* May strategy s serve call c for this caller? 0, -EPERM or -ENOSYS. */
PC_HIDDEN int pc_strategy_check(enum pidcycle_strategy s, enum pc_call c,
				const struct pc_features *f);
/* settid and lastpid: they need privilege and burn nothing. */
PC_HIDDEN bool pc_strategy_privileged(enum pidcycle_strategy s);

/* ---- cursor (cursor.c): the allocator's position ------------------------ */

struct pc_cursor {
	int fd;			/* ns_last_pid, or /proc/loadavg; -1 if closed */
	bool loadavg;		/* fd is /proc/loadavg */
	bool writable;		/* fd was opened O_RDWR */
	bool locked;		/* we hold flock(LOCK_EX) on fd */
};

/* Open for reading (write: also for writing; fails -EACCES/-EPERM/-EROFS). */
PC_HIDDEN int pc_cursor_open(struct pc_cursor *c, bool write);
PC_HIDDEN void pc_cursor_close(struct pc_cursor *c);
/* The last PID handed out in the caller's namespace, or -errno. */
PC_HIDDEN pid_t pc_cursor_last(struct pc_cursor *c);
/* Make the next PID last+1 (privileged). 0 or -errno. */
PC_HIDDEN int pc_cursor_set_last(struct pc_cursor *c, pid_t last);
/* flock(LOCK_EX) / unlock: how cooperating writers serialise. */
PC_HIDDEN int pc_cursor_lock(struct pc_cursor *c);
/* The same without waiting: -EWOULDBLOCK while another holds it. */
PC_HIDDEN int pc_cursor_trylock(struct pc_cursor *c);
PC_HIDDEN void pc_cursor_unlock(struct pc_cursor *c);
/* In a forked child: close our copy, leaving the parent's lock alone. */
PC_HIDDEN void pc_cursor_drop(struct pc_cursor *c);
/* /proc/sys/kernel/pid_max of the caller's namespace, or -errno. */
PC_HIDDEN pid_t pc_pid_max(void);
/* Parse a decimal pid from s (surrounding spaces/newline allowed). */
PC_HIDDEN int pc_parse_pid(const char *s, pid_t *out);

/* ---- reading /proc (procfs.c) -------------------------------------------- */

/* The small file at path, whole and NUL-terminated: its length (> 0), or
 * -errno (-EIO when empty). errno is left as it was. */
PC_HIDDEN ssize_t pc_proc_read(const char *path, char *buf, size_t size);
/* Called with each numbered entry of a directory; true stops the walk. */
typedef bool (*pc_proc_entry_fn)(void *arg, const char *name);
/* fn for every number in dir (/proc: processes; /proc/N/task: threads).
 * Whether fn stopped it. errno is left as it was. */
PC_HIDDEN bool pc_proc_each(const char *dir, pc_proc_entry_fn fn, void *arg);
/* Process group and session of /proc entry `pid` (its stat). 0 or -1. */
PC_HIDDEN int pc_proc_groups(const char *pid, pid_t *pgrp, pid_t *sid);

/* ---- /proc and our PID namespace (procns.c) ----------------------------- */

/*
 * Which namespace /proc shows: 0 ours; k > 0 an ancestor's, k levels up (our
 * numbers are the (k+1)-th of its NSpid, NSpgid and NSsid lines); -1 one
 * that does not show us at all. Without --mount-proc, `unshare --pid --fork`
 * leaves the parent's /proc: a number alive only there is free here.
 */
PC_HIDDEN int pc_proc_level(void);
/* A task's numbers in our namespace, 0 where it has none there. */
struct pc_proc_ids {
	pid_t pid, pgid, sid;
};
typedef void (*pc_proc_task_fn)(void *arg, const struct pc_proc_ids *ids);
/* Every task (thread) /proc shows that has a number at `level`. */
PC_HIDDEN void pc_proc_each_task(int level, pc_proc_task_fn fn, void *arg);

/* ---- predictor (predictor.c): distance across the wrap ------------------ */

/* A sorted snapshot of the numbers in use (PIDs, TIDs, pgids, sids). */
struct pc_inuse {
	size_t n;
	pid_t v[];
};

/* Scan /proc now. NULL on allocation failure. free() it. */
PC_HIDDEN struct pc_inuse *pc_inuse_scan(void);
/* How many of [lo, hi] are in the snapshot (0 if lo > hi). */
PC_HIDDEN uint64_t pc_inuse_count(const struct pc_inuse *u, pid_t lo, pid_t hi);
/* Is pid in use right now (live check, no snapshot)? */
PC_HIDDEN bool pc_pid_in_use(pid_t pid);
/* What a write of v to ns_last_pid asks for: v + 1, or past pid_max the
 * first free number from RESERVED_PIDS up (what the kernel hands out after
 * wrapping); -EEXIST if there is none. */
PC_HIDDEN pid_t pc_write_target(long v, pid_t pid_max);
/*
 * The quick live checks, no scan: a task with that PID or TID (also one
 * /proc hides), or a process group. A session alone needs a scan.
 */
PC_HIDDEN bool pc_number_seen(pid_t n);
/*
 * The numbers of [lo, hi] in use right now: a fresh scan plus, number by
 * number, the checks that see what /proc hides. NULL on allocation failure.
 */
PC_HIDDEN struct pc_inuse *pc_inuse_window(pid_t lo, pid_t hi);

/* The shared snapshot (urcu-bp): refreshed when older than max_age_sec. */
PC_HIDDEN void pc_inuse_refresh(double max_age_sec);
/* Count in [lo, hi] against the shared snapshot (RCU read side). */
PC_HIDDEN uint64_t pc_inuse_shared_count(pid_t lo, pid_t hi);

struct pc_geom {
	pid_t pid_max;
	pid_t last;		/* last PID handed out */
	pid_t floor;		/* where cycling wraps to: 300 or 1 */
};

/* Fill the geometry now. 0 or -errno. */
PC_HIDDEN int pc_geom_read(struct pc_cursor *c, struct pc_geom *g);
/* floor for a given last PID (RESERVED_PIDS rule). */
PC_HIDDEN pid_t pc_wrap_floor(pid_t last);

/*
 * Numbers (counting those in use) the allocator passes before it hands out
 * `target`, and whether it wraps. -ERANGE when target is below the floor,
 * -EINVAL when target is out of range.
 */
PC_HIDDEN int64_t pc_raw_distance(const struct pc_geom *g, pid_t target,
				  bool *wraps);
/* Free numbers to burn before target comes up; uses the shared snapshot. */
PC_HIDDEN int64_t pc_free_distance(const struct pc_geom *g, pid_t target,
				   bool *wraps, uint64_t *in_use);
/* Expected PIDs/s of strategy s with `threads` workers (rate model). */
PC_HIDDEN double pc_rate_model(enum pidcycle_strategy s, unsigned int threads);
/* What `threads` workers on `cpus` CPUs do, as a multiple of one worker. */
PC_HIDDEN double pc_rate_scale(enum pidcycle_strategy s, unsigned int threads,
			       unsigned int cpus);
/* Record a measured rate so later estimates use it. */
PC_HIDDEN void pc_rate_learn(enum pidcycle_strategy s, unsigned int threads,
			     double rate);

/* ---- helper pool (pool.c; burn methods burners.c, anchors anchors.c) --- */

struct pc_pool;

/*
 * Start up to `threads` helper processes burning with strategy s (GHOST,
 * THREAD, VFORK or FORK): as many as a limit on tasks lets start, at least
 * one, else -ENOSPC. They share our memory but not our fd table (they close
 * their copy of it), limits or signal handlers, block every signal, never
 * signal us, and die with us (PR_SET_PDEATHSIG, checked against a death
 * before it was set).
 */
PC_HIDDEN int pc_pool_start(struct pc_pool **out, enum pidcycle_strategy s,
			    unsigned int threads);
/* Helpers the pool runs; 0 for NULL. */
PC_HIDDEN unsigned int pc_pool_size(const struct pc_pool *p);
/* Is `pid` one of the pool's helpers (which hold their numbers while it lives)? */
PC_HIDDEN bool pc_pool_holds(const struct pc_pool *p, pid_t pid);
/*
 * Called about every 10 ms while a batch runs, with what the batch consumed
 * so far: 0 to go on, or the -errno (timeout, cancel) that halts it.
 */
typedef int (*pc_check_fn)(void *arg, uint64_t done);
/*
 * Consume n free numbers; *done says how many were (all of them, unless an
 * error stopped the batch). 0 or -errno: the first persistent error of the
 * batch, -ENOSPC for a limit on tasks, -ECHILD for a helper that was
 * stopped or killed from outside (the pool is then broken: stop it), or
 * what check returned. A long ghost batch spends about one number in
 * PC_ANCHOR_SPAN on a short-lived child ("anchor", anchors.c); a helper
 * holds at most PC_ANCHORS_KEPT of them (one more while it makes the next),
 * and all are reaped before this returns.
 */
#define PC_ANCHOR_SPAN 64
#define PC_ANCHORS_KEPT 8
/* True unless bench/driver --no-anchors measures what anchors buy. */
PC_HIDDEN extern bool pc_anchors;
PC_HIDDEN int pc_pool_burn(struct pc_pool *p, uint64_t n, uint64_t *done,
			   pc_check_fn check, void *arg);
/*
 * Stop and reap every helper; one that is stopped, or does not quit within
 * a second, is killed. Safe on NULL.
 */
PC_HIDDEN void pc_pool_stop(struct pc_pool *p);
/* The kernel's EAGAIN from a clone is a limit on tasks: -ENOSPC (pidcycle(3)). */
PC_HIDDEN int pc_clone_err(int err);

/* ---- SIGCHLD (sigchld.c) ---------------------------------------------- */

/* Is SIGCHLD pending for this thread or the process? */
PC_HIDDEN bool pc_sigchld_pending(void);
/*
 * With SIGCHLD blocked, after reaping the n children in `ours`: take back
 * the SIGCHLD they caused, unless one was pending before (was_pending). If
 * the one taken came from another child, or another child is waitable (the
 * signals merged), queue it again: no SIGCHLD of the caller's own children
 * is ever hidden.
 */
PC_HIDDEN void pc_sigchld_take_back(const pid_t *ours, size_t n,
				    bool was_pending);

/* ---- engine (engine.c): steer the cursor to a target -------------------- */

/* Makes a fork-like child: returns like fork() (pid, 0 in the child, -errno). */
typedef pid_t (*pc_make_fn)(void *arg);

enum pc_goal {
	PC_GOAL_NEXT,		/* the next allocation is exactly target */
	PC_GOAL_MIN,		/* the next allocation is >= target */
};

struct pc_run {
	const struct pc_opts *o;
	enum pidcycle_strategy strategy;	/* burner in use */
	struct pc_pool *pool;		/* started lazily */
	unsigned int workers;		/* helpers the pool last started */
	unsigned int worker_cap;	/* 0, or at most this many (a limit on tasks) */
	struct pc_inuse *window;	/* in use close to the target, or NULL */
	struct pc_cursor cur;
	pid_t target;
	double t0;			/* start time */
	double batch_rate;		/* PIDs/s the last batch measured, 0 before */
	uint64_t remaining;		/* free numbers left when the batch began */
	uint64_t burnt;
	unsigned int laps;
	double last_progress;
};

/*
 * Prepare a run: open the cursor and take the flock that cooperating callers
 * (threads or processes) share. Anyone can hold that lock, so it is waited
 * for 2 s at most (at most half the timeout), answering the progress
 * callback meanwhile; then the run goes on without it. 0 or -errno.
 */
PC_HIDDEN int pc_run_init(struct pc_run *r, const struct pc_opts *o,
			  enum pidcycle_strategy burner, pid_t target);
/* The same for the privileged write: the cursor is opened for writing. */
PC_HIDDEN int pc_run_init_lastpid(struct pc_run *r, const struct pc_opts *o,
				  pid_t target);
PC_HIDDEN void pc_run_fini(struct pc_run *r);
/* In the child of the final fork: free our copy, leave the parent's lock. */
PC_HIDDEN void pc_run_drop(struct pc_run *r);
/*
 * The final, checked allocation of a run: stop the helpers (the child should
 * not start among them), then pc_candidate() for r->target. In the child the
 * run's fd and memory are dropped, its lock left to the parent.
 */
PC_HIDDEN pid_t pc_run_candidate(struct pc_run *r, pc_make_fn make, void *arg,
				 enum pc_goal goal);
/* Burn until goal holds; can be called again after a lost race. */
PC_HIDDEN int pc_steer(struct pc_run *r, enum pc_goal goal);
/* Burn exactly n (pidcycle_burn), honouring timeout/budget/progress. */
PC_HIDDEN int pc_burn_n(struct pc_run *r, uint64_t n);
/* Timeout, budget and progress/cancel check: 0 or -ETIMEDOUT/-ECANCELED. */
PC_HIDDEN int pc_run_check(struct pc_run *r, uint64_t remaining);

/* ---- candidate (candidate.c): the final, checked allocation ------------- */

/*
 * Make a fork-like child through make(arg) (which returns like fork(): pid,
 * 0 in the child, or -errno) and keep it only if accept(pid) holds. A rejected
 * child exits at once; its SIGCHLD is taken back so no handler of the caller
 * sees it. Returns the child pid (0 in the child), -PC_ELOST if rejected, or
 * the -errno of make.
 */
PC_HIDDEN pid_t pc_candidate(pc_make_fn make, void *arg, pid_t want,
			     enum pc_goal goal);
/* The default maker: glibc fork(). */
PC_HIDDEN pid_t pc_make_fork(void *arg);

/* ---- fast paths (fastpath.c): privileged ------------------------------- */

/* clone3(set_tid = pid), fork-like with SIGCHLD. pid, 0 in child, -errno. */
PC_HIDDEN pid_t pc_settid_fork(pid_t pid);
/* Write ns_last_pid = pid-1 under the flock convention. 0 or -errno. */
PC_HIDDEN int pc_lastpid_set_next(struct pc_cursor *c, pid_t pid);

/* ---- holders (holder.c): who holds a number ----------------------------- */

/* Fill *h (our size) for number n: 1 if held, 0 if free. Never fails. */
PC_HIDDEN int pc_holder_find(pid_t n, struct pidcycle_holder *h);
/* Is n the process group or session of a process other than self? */
PC_HIDDEN bool pc_group_of_others(pid_t n, pid_t self);

#endif /* PIDCYCLE_INTERNAL_H */
