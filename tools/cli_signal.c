/* cli_signal.c - stop signals for long calls and signal forwarding for `pidcycle exec` and `run`. */
#include "cli_signal.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Why signals are blocked and read from a signalfd instead of a handler:
 * the library creates its threads and the exec child from our thread, so
 * they all inherit the blocked mask. A signal aimed at the new child before
 * it execs CMD then stays pending until CMD runs with default dispositions,
 * instead of being eaten by a copy of our handler; and no extra thread (which
 * would take a PID number) is needed. The progress callback polls the fd.
 */
static sigset_t orig_mask;	/* what CMD gets back */
static sigset_t stop_set;	/* cancel a long call */
static sigset_t fwd_set;	/* exec: passed on to CMD */
static int stop_fd = -1;
static atomic_int stop_sig;

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static const int fwd_only[] = { SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int cli_sig_init(int forward)
{
	sigset_t block;

	sigemptyset(&stop_set);
	for (size_t i = 0; i < COUNT(stop_sigs); i++)
		sigaddset(&stop_set, stop_sigs[i]);
	fwd_set = stop_set;
	for (size_t i = 0; i < COUNT(fwd_only); i++)
		sigaddset(&fwd_set, fwd_only[i]);
	block = forward ? fwd_set : stop_set;
	if (sigprocmask(SIG_BLOCK, &block, &orig_mask) < 0)
		return -errno;
	stop_fd = signalfd(-1, &stop_set, SFD_NONBLOCK | SFD_CLOEXEC);
	return stop_fd < 0 ? -errno : 0;
}

int cli_sig_stop(void)
{
	struct signalfd_siginfo si;

	if (atomic_load(&stop_sig))
		return atomic_load(&stop_sig);
	if (stop_fd >= 0 && read(stop_fd, &si, sizeof(si)) == sizeof(si))
		atomic_store(&stop_sig, (int)si.ssi_signo);
	return atomic_load(&stop_sig);
}

void cli_sig_child(void)
{
	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
}

/* The terminal signals its whole foreground group (si_code SI_KERNEL): a
 * child still in our group has its copy already and must not get two. */
static void forward(pid_t child, const siginfo_t *si)
{
	if (si->si_code == SI_KERNEL && getpgid(child) == getpgrp())
		return;
	kill(child, si->si_signo);
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int cli_sig_wait(pid_t child)
{
	return cli_sig_wait_all(child, NULL, NULL);
}

int cli_sig_wait_all(pid_t child, cli_reaped_fn on_other, void *arg)
{
	sigset_t wait_set = fwd_set;
	siginfo_t si;
	int status;

	/* Blocked, SIGCHLD stays pending even if the child is already gone. */
	sigaddset(&wait_set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &wait_set, NULL) < 0)
		return -errno;
	/* A stop signal read by the progress callback just as the child
	 * came up was meant for the whole job: CMD gets it. */
	if (atomic_load(&stop_sig))
		kill(child, atomic_load(&stop_sig));
	for (;;) {
		pid_t r = waitpid(on_other ? -1 : child, &status, WNOHANG);

		if (r == child)
			return exit_code(status);
		if (r > 0) {
			on_other(r, status, arg);
			continue;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (sigwaitinfo(&wait_set, &si) > 0 && si.si_signo != SIGCHLD)
			forward(child, &si);
	}
}
