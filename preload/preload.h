/* preload.h - what the preload's files share (not installed, not exported). */
#ifndef PIDCYCLE_PRELOAD_H
#define PIDCYCLE_PRELOAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "sys.h"

#define SHIM_EXPORT __attribute__((visibility("default")))
#define SHIM_TLS __thread __attribute__((tls_model("initial-exec")))

/*
 * Not fork-like: the child would share our memory or signals, or live in
 * another PID namespace. CLONE_PARENT is fine (CRIU --restore-sibling): the
 * child is our parent's, so a rejected one is our parent's to reap.
 */
#define NOT_FORKLIKE (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_NEWPID)

/*
 * A number in use may be held for a moment only (a concurrent fork+_exit
 * loop's child): wait this long for it before saying EEXIST.
 */
#define SHIM_BUSY_GRACE_SEC 1.0

/* Set while the shim works: the library's own calls pass straight through. */
extern SHIM_TLS int in_shim PC_HIDDEN;
/* ns_last_pid path: the PID this thread's next clone() must get, or 0. */
extern SHIM_TLS pid_t expect_next PC_HIDDEN;

/* The settings (PIDCYCLE_TIMEOUT, _STRATEGY, _LOG, _RUN), read once. */
struct shim_cfg {
	unsigned int timeout_ms;		/* 0 = none */
	enum pidcycle_strategy strategy;	/* AUTO or a burner */
	const char *log;			/* a PIDCYCLE_LOG value, or NULL */
};
PC_HIDDEN const struct shim_cfg *shim_cfg_get(void);
/* Under `pidcycle run`: ns_last_pid is the emulated file (PIDCYCLE_RUN=1). */
PC_HIDDEN extern bool shim_run;
/* One line to PIDCYCLE_LOG's destination; errno kept. */
PC_HIDDEN void shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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
	bool steered;		/* run: the caller's own write just steered */
};

/*
 * Get p->want without privilege: steer, then (if p->make) a checked child.
 * The PID in the parent, 0 in the child (0 too for steer only), or -errno;
 * -EEXIST when want stayed in use longer than SHIM_BUSY_GRACE_SEC.
 */
PC_HIDDEN long shim_place(const struct place *p);

/* run.c: under `pidcycle run`, the emulated file steers (the server does). */
PC_HIDDEN int shim_steer_by_file(pid_t want);
/* Is this CRIU's set_tid probe (set_tid -1, no levels)? Under run it gets ENOSYS. */
PC_HIDDEN bool shim_is_settid_probe(const struct pc_clone_args *a, size_t size);

#endif /* PIDCYCLE_PRELOAD_H */
