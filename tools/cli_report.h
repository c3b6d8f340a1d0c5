/* cli_report.h - what the pidcycle CLI prints: results (text or JSON) and error lines. */
#ifndef PIDCYCLE_CLI_REPORT_H
#define PIDCYCLE_CLI_REPORT_H

#include <stdbool.h>

#include "pidcycle.h"

void cli_print_probe(const struct pidcycle_info *info, bool json);
void cli_print_estimate(const struct pidcycle_estimate *est, bool json);
void cli_print_burn(const struct pidcycle_stats *st, bool json);

/* "pidcycle: <what>: <strerror>[ (hint)]" on stderr; err is a -errno.
 * pid_call: the call took a PID, so EINVAL means out of range. */
void cli_error(const char *what, int err, bool pid_call);

/* The name of strategy s, never NULL. */
const char *cli_strategy_name(enum pidcycle_strategy s);

#endif /* PIDCYCLE_CLI_REPORT_H */
