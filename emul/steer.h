/* steer.h - the server's action for one write (steer.c). */
#ifndef PIDCYCLE_EMUL_STEER_H
#define PIDCYCLE_EMUL_STEER_H

#include "emul.h"

struct emul_steer {
	const struct emul_opts *o;
	int cursor_fd;			/* the real ns_last_pid, to re-check */
	int (*stop)(void *arg);		/* non-zero: give up now (EINTR) */
	void *stop_arg;
	pid_t target;			/* out: the PID made next */
	pid_t pid_max;			/* out: this namespace's */
	int last_by;			/* out: who took the last number: */
#define EMUL_LAST_LIBRARY 0		/* the library's steering */
#define EMUL_LAST_OTHER 1		/* another task, while we waited */
#define EMUL_LAST_OURS 2		/* our thread, after LULL_SEC */
	unsigned int tries;		/* out: library calls made */
};

/* Make v+1 (0 <= v <= pid_max) the next PID. 0 or -errno. */
int emul_steer_to(struct emul_steer *s, long v);

#endif /* PIDCYCLE_EMUL_STEER_H */
