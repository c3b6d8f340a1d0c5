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

/*
 * The same, and every other child that ends meanwhile is reaped and handed
 * to on_other (run: CRIU --restore-sibling makes us the parent of restored
 * tasks and of rejected candidates; run's server is our child too).
 */
typedef void (*cli_reaped_fn)(pid_t pid, int status, void *arg);
int cli_sig_wait_all(pid_t child, cli_reaped_fn on_other, void *arg);

#endif /* PIDCYCLE_CLI_SIGNAL_H */
