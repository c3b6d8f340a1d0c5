/* steer.h - the server's action for one write (steer.c). */
#ifndef PIDCYCLE_EMUL_STEER_H
#define PIDCYCLE_EMUL_STEER_H

#include "emul.h"

/* The last answer, remembered from one write to the next (steer.c). */
struct emul_recent {
	pid_t target;			/* what it made next */
	double at;			/* when */
};

/* How the last number before the target went (for the log). */
enum emul_how {
	EMUL_STEERED,		/* the library's steering took it */
	EMUL_AFTER_OTHER,	/* another task took it while we waited */
	EMUL_OURS,		/* nobody did: our thread took it */
	EMUL_QUIET,		/* it was there already; nothing moved meanwhile */
	EMUL_CONSECUTIVE,	/* right after the previous answer (the writer's clone) */
};

struct emul_steer {
	const struct emul_opts *o;
	int cursor_fd;			/* the real ns_last_pid, to re-check */
	struct emul_recent *recent;	/* in and out */
	int (*stop)(void *arg);		/* non-zero: give up now (EINTR) */
	void *stop_arg;
	pid_t target;			/* out: the PID made next */
	pid_t pid_max;			/* out: this namespace's */
	enum emul_how how;		/* out */
	unsigned int tries;		/* out: library calls made */
};

/* last_step.c: the cursor, and the timing of the last step. */
pid_t emul_last_now(const struct emul_steer *s);		/* -1: cannot read */
pid_t emul_next_after(const struct emul_steer *s, pid_t last);	/* 0: far */
bool emul_still_next(const struct emul_steer *s);
pid_t emul_stop_before(const struct emul_steer *s);		/* 0: none */
int emul_last_step(struct emul_steer *s, pid_t last, pid_t before);
int emul_there_already(struct emul_steer *s, pid_t last);

/* Make v+1 (0 <= v <= pid_max) the next PID. 0 or -errno. */
int emul_steer_to(struct emul_steer *s, long v);

#endif /* PIDCYCLE_EMUL_STEER_H */
