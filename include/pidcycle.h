/* pidcycle.h - give a new process a chosen PID on Linux (the one public header). */
#ifndef PIDCYCLE_H
#define PIDCYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PIDCYCLE_API
#define PIDCYCLE_API __attribute__((visibility("default")))
#endif

#define PIDCYCLE_VERSION_MAJOR 0
#define PIDCYCLE_VERSION_MINOR 2

/*
 * Strategies. The first two need CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE over
 * the caller's PID namespace; the others work for anyone by consuming PIDs.
 */
enum pidcycle_strategy {
	PIDCYCLE_AUTO = 0,	/* pick the best available, per request */
	PIDCYCLE_SETTID,	/* clone3(set_tid): exact PID, race-free */
	PIDCYCLE_LASTPID,	/* write ns_last_pid under flock */
	PIDCYCLE_GHOST,		/* clones that take a PID and fail: no task
				 * (plus a short-lived child per 64) */
	PIDCYCLE_THREAD,	/* raw thread clones that exit at once */
	PIDCYCLE_VFORK,		/* vfork-like children that exit at once */
	PIDCYCLE_FORK,		/* fork-like children that exit at once */
	PIDCYCLE_STRATEGY_MAX
};

/* Handed to the progress callback about every progress_ms while burning. */
struct pidcycle_progress {
	uint64_t burnt;		/* numbers consumed so far */
	uint64_t remaining;	/* free numbers still to burn (estimate) */
	double rate;		/* numbers per second so far */
	double eta_sec;		/* remaining / rate, 0 when unknown */
	pid_t last_pid;		/* the allocator's last PID (ns_last_pid) */
	pid_t target;		/* wanted PID, 0 for a plain burn */
};

/* Return non-zero to cancel: the call then fails with -ECANCELED. */
typedef int (*pidcycle_progress_fn)(const struct pidcycle_progress *p,
				    void *user);

/*
 * Options. Zero means "default" for every field. Declare with PIDCYCLE_OPTS()
 * so that sz is set: a library built later accepts the smaller struct, a
 * library built earlier rejects a larger one whose unknown fields are not 0.
 */
struct pidcycle_opts {
	size_t sz;			/* sizeof(struct pidcycle_opts) */
	enum pidcycle_strategy strategy;
	unsigned int threads;		/* workers; 0 = 1 for short hops, else CPUs, at most 8 */
	unsigned int timeout_ms;	/* 0 = no limit */
	uint64_t max_burn;		/* PIDs to consume at most; 0 = no limit */
	pidcycle_progress_fn progress;	/* NULL = none */
	void *progress_arg;
	unsigned int progress_ms;	/* callback interval; 0 = 100 ms */
};

#define PIDCYCLE_OPTS(name, ...)					\
	struct pidcycle_opts name = {					\
		.sz = sizeof(struct pidcycle_opts), __VA_ARGS__		\
	}

/* What pidcycle_probe() found out about the caller's PID namespace. */
struct pidcycle_info {
	size_t sz;			/* sizeof(struct pidcycle_info) */
	char kernel[65];		/* uname release */
	pid_t pid_max;			/* this namespace's limit */
	pid_t last_pid;			/* last PID handed out here */
	pid_t wrap_floor;		/* 300 once the cursor passed it, else 1 */
	bool clone3;			/* clone3() is usable (no filter refuses it) */
	bool set_tid;			/* clone3(set_tid) is allowed */
	bool ns_last_pid_readable;	/* else /proc/loadavg is the cursor */
	bool ns_last_pid_writable;	/* write to ns_last_pid is allowed (probed) */
	bool ghost;			/* failing clones consume PIDs here */
	unsigned int strategies;	/* bit (1u << s) per usable strategy */
	enum pidcycle_strategy auto_strategy;	/* what AUTO picks for a long hop */
};

/* Numbers filled in by pidcycle_burn() and pidcycle_estimate(). */
struct pidcycle_stats {
	size_t sz;			/* sizeof(struct pidcycle_stats) */
	enum pidcycle_strategy strategy;	/* the one that ran */
	unsigned int threads;		/* workers that ran */
	uint64_t burnt;			/* numbers consumed */
	double seconds;			/* wall time */
	double pids_per_sec;		/* burnt / seconds */
	unsigned int laps;		/* overshoots recovered by going round */
};

struct pidcycle_estimate {
	size_t sz;			/* sizeof(struct pidcycle_estimate) */
	pid_t target;
	pid_t last_pid;			/* cursor when measured */
	bool reachable;			/* false: in use, or below the floor */
	int why;			/* 0, or the -errno a request would get */
	bool wraps;			/* the hop goes round pid_max */
	uint64_t distance;		/* free numbers to consume first */
	uint64_t in_use;		/* numbers skipped because in use */
	enum pidcycle_strategy strategy;	/* what AUTO would use */
	double rate;			/* expected PIDs/s for it */
	double eta_sec;			/* distance / rate */
};

/* Fill *info (info->sz must be set). Returns 0 or -errno. */
PIDCYCLE_API int pidcycle_probe(struct pidcycle_info *info);

/* Make `pid` the next PID handed out in the caller's namespace. 0 or -errno. */
PIDCYCLE_API int pidcycle_set_next(pid_t pid, const struct pidcycle_opts *opts);

/*
 * The embedding contract (JVM launchers, CRIU, batch jobs). The calls below
 * leave nothing in the calling process: the helpers that consume PIDs are
 * short-lived processes with their own fd table (they hold none of the
 * caller's fds) and limits, stopped and reaped before the call returns, dead
 * with the caller if it is killed, and they never signal the caller. No
 * thread, signal handler, fd or changed rlimit remains and the signal mask is
 * restored; the lasting effects are the child and a moved PID cursor. The
 * child comes from _Fork() (or clone3() with PIDCYCLE_SETTID): no
 * pthread_atfork() handler runs, in the caller or in any child. Call them
 * while the process is single-threaded (before a JVM starts): the child is
 * then an ordinary forked copy. In a multi-threaded caller the rules of
 * _Fork() apply: the child has only the calling thread and may use only
 * async-signal-safe functions until it execs; and a rejected candidate's
 * SIGCHLD, which the library takes back, may reach another thread that does
 * not block SIGCHLD. -EAGAIN is a lost race only; a limit on tasks
 * (RLIMIT_NPROC, pids.max) is -ENOSPC.
 */

/*
 * Like fork(): returns the child's PID, which is exactly `pid`, in the parent
 * and 0 in the child; -errno on failure (no child then exists).
 */
PIDCYCLE_API pid_t pidcycle_fork_at(pid_t pid, const struct pidcycle_opts *opts);

/*
 * Like fork(): the child's PID is >= min, and the allocator is left at or
 * above it so the child's later threads also get numbers >= min.
 */
PIDCYCLE_API pid_t pidcycle_fork_min(pid_t min, const struct pidcycle_opts *opts);

/* Consume exactly `count` free PIDs. stats may be NULL. 0 or -errno. */
PIDCYCLE_API int pidcycle_burn(uint64_t count, const struct pidcycle_opts *opts,
			       struct pidcycle_stats *stats);

/* How far `pid` is and how long reaching it should take. 0 or -errno. */
PIDCYCLE_API int pidcycle_estimate(pid_t pid, const struct pidcycle_opts *opts,
				   struct pidcycle_estimate *est);

/* ---- since 0.2: who holds a number, and a plan for a list of them ---- */

/* How a number is held (pidcycle_holder). */
enum pidcycle_hold {
	PIDCYCLE_HOLD_NONE = 0,	/* free */
	PIDCYCLE_HOLD_PID,	/* the PID of a process (perhaps a zombie) */
	PIDCYCLE_HOLD_TID,	/* the TID of a thread; pid is its process */
	PIDCYCLE_HOLD_PGRP,	/* a process group whose leader is gone;
				 * pid is a member */
	PIDCYCLE_HOLD_SESSION,	/* a session whose leader is gone; pid is a
				 * member */
	PIDCYCLE_HOLD_HIDDEN,	/* in use by a task /proc does not show us */
};

/* Who holds a number (filled in by pidcycle_holder()). */
struct pidcycle_holder {
	size_t sz;			/* sizeof(struct pidcycle_holder) */
	pid_t number;			/* the number asked about */
	enum pidcycle_hold how;
	pid_t pid;			/* the process that holds it (or a member
					 * of the group or session); 0 if unknown */
	bool zombie;			/* that process has exited, unreaped */
	uid_t uid;			/* its real uid; (uid_t)-1 if unknown */
	char comm[16];			/* its command name; "" if unknown */
};

/*
 * Who holds `number` in the caller's PID namespace, as the kernel counts it
 * (PID, TID, process group, session, zombie). 1 and *h filled if it is held,
 * 0 if it is free (h->how = PIDCYCLE_HOLD_NONE), or -errno.
 */
PIDCYCLE_API int pidcycle_holder(pid_t number, struct pidcycle_holder *h);

/*
 * *h in words, as the CLI and the preload print it: "5001 'sleep', uid 1000",
 * "thread 5002 of 5001 'java', uid 1000", "the process group of ...", "the
 * session of ...", "zombie 5001 ...", "a task hidden from /proc" or "free".
 * Like snprintf(): the length it needed (buf may be NULL when size is 0),
 * or -EINVAL.
 */
PIDCYCLE_API int pidcycle_holder_text(const struct pidcycle_holder *h, char *buf,
				      size_t size);

/* One wanted number of a plan: pid is set by the caller, the rest is filled. */
struct pidcycle_target {
	size_t sz;			/* sizeof(struct pidcycle_target) */
	pid_t pid;			/* in: the wanted number */
	int err;			/* 0: it can be had; else the -errno a
					 * request would get: -EEXIST in use,
					 * -ERANGE below the wrap floor, -EINVAL
					 * out of range, -ETIMEDOUT beyond the
					 * max_burn or timeout of opts */
	size_t same_as;			/* -EEXIST because target same_as-1 of
					 * this plan takes it first; else 0 */
	enum pidcycle_strategy strategy;	/* what a request would use */
	uint64_t burn;			/* free numbers burnt before it comes up,
					 * from the previous target that can be had */
	uint64_t in_use;		/* numbers skipped on the way */
	bool wraps;			/* that hop goes round pid_max */
	double eta_sec;			/* burn / rate */
};

/* pidcycle_plan.flags: plan as if the caller had exited first (a planning
 * tool, a scheduler's prolog): its own PID and TIDs count as free. */
#define PIDCYCLE_PLAN_CALLER_GONE 1u

/* The totals of a plan (filled in by pidcycle_plan(); flags is read). */
struct pidcycle_plan {
	size_t sz;			/* sizeof(struct pidcycle_plan) */
	unsigned int flags;		/* in: PIDCYCLE_PLAN_* */
	pid_t last_pid;			/* cursor when measured */
	pid_t pid_max;
	size_t failed;			/* targets that cannot be had */
	size_t first_failed;		/* index of the first of them, or n */
	int err;			/* its err; 0 when none failed */
	uint64_t burn_total;		/* sum of the targets' burn */
	unsigned int laps;		/* hops that wrap */
	enum pidcycle_strategy strategy;	/* what the requests would use */
	unsigned int threads;		/* workers the rate assumes */
	double rate;			/* expected PIDs/s; 0 if nothing burns */
	double eta_sec;			/* burn_total / rate */
};

/*
 * What asking for targets[0..n-1] with pidcycle_fork_at() one after the
 * other, in that order, would take: each target's state, the free numbers to
 * burn from the previous one, and the totals. Each target the plan can have
 * is counted as in use for the later ones; so is the caller, unless
 * plan->flags has PIDCYCLE_PLAN_CALLER_GONE. Every element's sz must be the
 * same. Allocates no PID. 0 (also when targets fail) or -errno.
 */
PIDCYCLE_API int pidcycle_plan(struct pidcycle_target *targets, size_t n,
			       const struct pidcycle_opts *opts,
			       struct pidcycle_plan *plan);

/* "auto", "settid", ... or NULL for an unknown value. */
PIDCYCLE_API const char *pidcycle_strategy_name(enum pidcycle_strategy s);

/* The strategy for a name, or -EINVAL. */
PIDCYCLE_API int pidcycle_strategy_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* PIDCYCLE_H */
