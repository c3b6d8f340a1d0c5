/* server.h - what the server's parts share (server.c, file.c, writer.c). */
#ifndef PIDCYCLE_EMUL_SERVER_H
#define PIDCYCLE_EMUL_SERVER_H

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "emul.h"
#include "steer.h"

/* A write waiting for its turn. */
struct pending {
	fuse_req_t req;
	long value;		/* what was written */
	long len;		/* bytes the kernel would consume: the result */
	pid_t writer;		/* in our PID namespace */
	double t_in;		/* when it arrived */
	struct pending *next;
};

struct srv {
	const struct emul_opts *o;
	struct fuse_session *se;
	int lastpid_fd;		/* the real ns_last_pid, for reads */
	ino_t pidns;		/* our PID namespace's inode; 0: cannot tell */
	bool strict;		/* sysctl_writes_strict: writes past 0 ignored */
	double t_mount;		/* the file's times */
	atomic_bool stop;	/* shutting down: cancel, answer nothing new */
	struct emul_recent recent;	/* the writer thread's last answer */

	pthread_mutex_t lock;	/* guards the queue */
	pthread_cond_t more;
	struct pending *head, **tail;
};

/* file.c: the FUSE operations (userdata: struct srv). */
extern const struct fuse_lowlevel_ops emul_file_ops;

/* writer.c: writes are served one at a time by one thread. */
void emul_queue_write(struct srv *s, struct pending *p);
/* Answer EINTR to queued writes whose writer was interrupted. */
void emul_drop_interrupted(struct srv *s);
/* The writer thread (arg: struct srv). */
void *emul_writer_main(void *arg);
/* Shutting down: wake the writer; queued writes get EINTR. */
void emul_queue_stop(struct srv *s);

/* server.c: one log line (PIDCYCLE_LOG), "pidcycle run: " first. */
void emul_log(const struct srv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* PIDCYCLE_EMUL_SERVER_H */
