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
#define PIDCYCLE_VERSION_MINOR 1

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
	unsigned int threads;		/* workers; 0 = 1 for short hops, else CPUs */
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

/* "auto", "settid", ... or NULL for an unknown value. */
PIDCYCLE_API const char *pidcycle_strategy_name(enum pidcycle_strategy s);

/* The strategy for a name, or -EINVAL. */
PIDCYCLE_API int pidcycle_strategy_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* PIDCYCLE_H */
