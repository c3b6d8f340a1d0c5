/* cli_report.h - what the pidcycle CLI prints: results (text or JSON) and error lines. */
#ifndef PIDCYCLE_CLI_REPORT_H
#define PIDCYCLE_CLI_REPORT_H

#include <stdbool.h>

#include "pidcycle.h"

/* run_why: NULL if `pidcycle run` can work here, else why not. */
void cli_print_probe(const struct pidcycle_info *info, const char *run_why,
		     bool json);
void cli_print_estimate(const struct pidcycle_estimate *est, bool json);
void cli_print_burn(const struct pidcycle_stats *st, bool json);

/*
 * Exit statuses (pidcycle(1) EXIT STATUS), the same for every command: a
 * script can act on the class of a failure. exec and run pass CMD's own
 * status on once CMD runs; 126/127 mean CMD could not be run or found.
 */
#define CLI_EXIT_USAGE		2	/* bad command line */
#define CLI_EXIT_IN_USE		121	/* EEXIST: the number is held: go elsewhere */
#define CLI_EXIT_RACE		122	/* EAGAIN: lost a race: try again */
#define CLI_EXIT_UNREACHABLE	123	/* ERANGE, or a PID out of range */
#define CLI_EXIT_BUDGET		124	/* ETIMEDOUT, ECANCELED: timeout, budget, cancel */
#define CLI_EXIT_FAILURE	125	/* anything else that failed */

/* The exit status for -errno err. pid_call: the call took a PID, so EINVAL
 * means it was out of range. */
int cli_status(int err, bool pid_call);

/* "pidcycle: <what>: <strerror>[ (hint)]" on stderr; err is a -errno.
 * Returns cli_status(err, pid_call). */
int cli_error(const char *what, int err, bool pid_call);

/* The name of strategy s, never NULL. */
const char *cli_strategy_name(enum pidcycle_strategy s);

#endif /* PIDCYCLE_CLI_REPORT_H */
