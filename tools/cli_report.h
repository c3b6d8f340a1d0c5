/* cli_report.h - what the pidcycle CLI prints: results (text or JSON) and errors. */
#ifndef PIDCYCLE_CLI_REPORT_H
#define PIDCYCLE_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pidcycle.h"

void cli_print_probe(const struct pidcycle_info *info, bool json);
void cli_print_estimate(const struct pidcycle_estimate *est, bool json);
void cli_print_burn(const struct pidcycle_stats *st, bool json);
/* next and exec: {"pid":N} with --json, else (exec --no-wait) the number. */
void cli_print_pid(pid_t pid, bool json);

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

/* From now on errors are JSON objects on stderr (--json). */
void cli_report_json(bool on);

/*
 * One error of a library call on stderr: "pidcycle: <what>: <strerror>[ (hint)]", or with
 * --json one object {"what","errno","name","message","hint","holder",
 * "exit_status"}; err is a -errno. Returns cli_status(err, pid_call).
 */
int cli_error(const char *what, int err, bool pid_call);
/* A failed system call of the CLI itself (stdout, signals, wait): no hint. */
int cli_error_sys(const char *what, int err);
/* The same as cli_error() for a call that asked for `pid`: EEXIST names its holder. */
int cli_error_pid(const char *what, int err, pid_t pid);
/* The general form: why (if not NULL) replaces the hint; a holder says
 * "in use by ..." when why is NULL and goes into the JSON object. */
int cli_report_error(const char *what, int err, bool pid_call, const char *why,
		     const struct pidcycle_holder *holder);
/* A usage error (exit 2): the text line, or the JSON object. */
void cli_usage_error(const char *msg);

/* The holder as a JSON object, or null when h is NULL. */
void cli_holder_json(FILE *f, const struct pidcycle_holder *h);

/* The name of strategy s, never NULL. */
const char *cli_strategy_name(enum pidcycle_strategy s);

#endif /* PIDCYCLE_CLI_REPORT_H */
