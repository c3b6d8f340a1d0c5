/* steer.h - the server's action for one write (steer.c). */
#ifndef PIDCYCLE_EMUL_STEER_H
#define PIDCYCLE_EMUL_STEER_H

#include "emul.h"

struct emul_steer {
	const struct emul_opts *o;
	int (*stop)(void *arg);		/* non-zero: give up now (EINTR) */
	void *stop_arg;
	pid_t target;			/* out: the PID made next */
	unsigned int tries;		/* out: library calls made */
};

/* Make v+1 (0 <= v <= pid_max) the next PID. 0 or -errno. */
int emul_steer_to(struct emul_steer *s, long v);

#endif /* PIDCYCLE_EMUL_STEER_H */
