/* preload.h - what the preload's files share (not installed, not exported). */
#ifndef PIDCYCLE_PRELOAD_H
#define PIDCYCLE_PRELOAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "sys.h"

#define SHIM_EXPORT __attribute__((visibility("default")))
#define SHIM_TLS __thread __attribute__((tls_model("initial-exec")))

/* Not fork-like: the child would share our memory/signals, or not be ours. */
#define NOT_FORKLIKE (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_PARENT | \
		      CLONE_NEWPID)

/* Set while the shim works: the library's own calls pass straight through. */
extern SHIM_TLS int in_shim PC_HIDDEN;
/* ns_last_pid path: the PID this thread's next clone() must get, or 0. */
extern SHIM_TLS pid_t expect_next PC_HIDDEN;

/* Read the environment once (PIDCYCLE_TIMEOUT, _STRATEGY, _LOG). */
PC_HIDDEN void shim_cfg_get(void);
/* dlsym(RTLD_NEXT, name), cached in *slot; NULL if there is none. */
PC_HIDDEN void *shim_next_sym(void **slot, const char *name);
/* A raw syscall's -errno as libc returns it: -1 and errno. */
PC_HIDDEN long shim_sys_result(long r);

/* One emulated call: which PID, and how to make the child (NULL: steer only). */
struct place {
	const char *how;	/* for the log */
	pid_t want;
	pc_make_fn make;
	void *arg;
	int *cursor_fd;		/* told our cursor fd, for a child to close */
	int *pidfd;		/* CLONE_PIDFD: a rejected child's fd to close */
	bool wait_busy;		/* want was free when asked: wait if taken */
};

/*
 * Get p->want without privilege: steer, then (if p->make) a checked child.
 * The PID in the parent, 0 in the child (0 too for steer only), or -errno.
 */
PC_HIDDEN long shim_place(const struct place *p);

#endif /* PIDCYCLE_PRELOAD_H */
