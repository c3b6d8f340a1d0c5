/* cli_run.h - `pidcycle run`: CMD with an emulated, writable /proc/sys/kernel/ns_last_pid. */
#ifndef PIDCYCLE_CLI_RUN_H
#define PIDCYCLE_CLI_RUN_H

#include "pidcycle.h"

/* A write to the emulated file may take this long unless --timeout says. */
#define CLI_RUN_TIMEOUT_MS 60000

/*
 * Run cmd (NULL-terminated) as `pidcycle run` does; returns the exit status:
 * CMD's, as exec passes it on, or the class of what failed before CMD ran.
 * timeout_ms 0: CLI_RUN_TIMEOUT_MS. Signals as cli_sig_init() sets up.
 */
int cli_run(enum pidcycle_strategy strategy, unsigned int threads,
	    unsigned int timeout_ms, char **cmd);

#endif /* PIDCYCLE_CLI_RUN_H */
