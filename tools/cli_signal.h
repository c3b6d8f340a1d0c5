/* cli_signal.h - how the pidcycle CLI stops on SIGINT/SIGTERM and forwards signals to CMD. */
#ifndef PIDCYCLE_CLI_SIGNAL_H
#define PIDCYCLE_CLI_SIGNAL_H

#include <sys/types.h>

/*
 * Block the stop signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) and, when
 * `forward` is set (exec), the signals passed on to CMD, before the library
 * starts any thread or child. Call once, early. 0 or -errno.
 */
int cli_sig_init(int forward);

/*
 * The stop signal received so far, or 0. Cheap enough for the progress
 * callback: it reads a non-blocking signalfd. Thread-safe.
 */
int cli_sig_stop(void);

/* In the child before exec: give CMD the signal mask we started with. */
void cli_sig_child(void);

/*
 * Wait for `child` while forwarding signals to it; returns the exit code to
 * use: its status, or 128+N when signal N killed it. -errno on failure.
 */
int cli_sig_wait(pid_t child);

#endif /* PIDCYCLE_CLI_SIGNAL_H */
