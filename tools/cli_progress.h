/* cli_progress.h - the CLI's progress callback: stop on a signal, draw a bar on a terminal. */
#ifndef PIDCYCLE_CLI_PROGRESS_H
#define PIDCYCLE_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "pidcycle.h"

struct cli_progress {
	bool draw;		/* --progress and stderr is a terminal */
	bool drawn;		/* a bar is on screen now */
};

/* Set up: draw only if wanted and stderr is a terminal. */
void cli_progress_init(struct cli_progress *pr, bool wanted);

/* The pidcycle_progress_fn: non-zero (cancel) once a stop signal came. */
int cli_progress_cb(const struct pidcycle_progress *p, void *arg);

/*
 * The bar's text for a terminal `cols` wide: it never reaches the last
 * column (it drops the bar, then the ETA, the rate and the count as the
 * terminal narrows) and never says 100% (the line is erased at the end).
 */
void cli_progress_line(char *buf, size_t n, int cols,
		       const struct pidcycle_progress *p);

/* Erase the bar, if one is on screen. Async-signal-safe (used in the child). */
void cli_progress_clear(struct cli_progress *pr);

#endif /* PIDCYCLE_CLI_PROGRESS_H */
