/* emul.h - pidcycle run's emulated /proc/sys/kernel/ns_last_pid: what the run command uses. */
#ifndef PIDCYCLE_EMUL_H
#define PIDCYCLE_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pidcycle.h"

#define EMUL_TARGET "/proc/sys/kernel/ns_last_pid"

/* What went wrong, for one clear message: the -errno and its cause. */
struct emul_err {
	int err;
	char why[320];
};

/* Record err (a -errno) and the cause; returns err. */
int emul_fail(struct emul_err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* How the server steers for each write. */
struct emul_opts {
	enum pidcycle_strategy strategy;
	unsigned int threads;
	unsigned int timeout_ms;	/* per write; 0 = none */
	const char *log;		/* a PIDCYCLE_LOG value, or NULL */
};

struct emul {
	pid_t server;		/* the server process; 0 once reaped */
	int sock;		/* our end of the server's socket, or -1 */
	bool mounted;		/* the file is over EMUL_TARGET */
};

/*
 * Start the server (in the namespaces we are in now), then move the caller
 * into a private mount namespace - with a user namespace in which it is
 * root when it has no CAP_SYS_ADMIN over its own - and put the emulated
 * file over EMUL_TARGET there. 0, or a -errno with e->why saying why.
 */
int emul_start(struct emul *em, const struct emul_opts *o, struct emul_err *e);

/* If pid is the server: it ended (reaped by the caller). True if it was. */
bool emul_reaped(struct emul *em, pid_t pid);

/* Remove the file (a restored tree left running sees the real one again),
 * stop the server and reap it. */
void emul_stop(struct emul *em);

/* Can emul_start() work here? 0, or the -errno it would fail with and why. */
int emul_check(struct emul_err *e);

/* ---- the parts (one file each) ------------------------------------------ */

/* ns.c: the private mount namespace (and user namespace if needed). */
int emul_enter_ns(struct emul_err *e);

/* mount.c: open /dev/fuse here; the FUSE mount and the bind over target. */
int emul_fuse_open(struct emul_err *e);
/* fsconfig() a new FUSE superblock (fsopen's fs) for /dev/fuse's fuse_fd,
 * owned by us, open to the whole user namespace; 0 or -errno. */
int emul_fuse_config(int fs, int fuse_fd);
/* Create the mount for fuse_fd, hand fuse_fd to the server through
 * send_fd(sock), then bind its file over EMUL_TARGET. Closes fuse_fd. */
int emul_mount(int fuse_fd, int sock, struct emul_err *e);

/* fdpass.c: one fd over a unix socket (SCM_RIGHTS). */
int emul_send_fd(int sock, int fd);
int emul_recv_fd(int sock);

/* server.c: the server process's whole life; never returns. */
void __attribute__((noreturn))
emul_server_main(int sock, pid_t parent, const struct emul_opts *o);

#endif /* PIDCYCLE_EMUL_H */
