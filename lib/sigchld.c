/* sigchld.c - take back a SIGCHLD the library caused, and never hide another child's. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "sys.h"

bool pc_sigchld_pending(void)
{
	sigset_t set;

	return !sigpending(&set) && sigismember(&set, SIGCHLD);
}

static bool is_ours(pid_t pid, const pid_t *ours, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ours[i] == pid)
			return true;
	return false;
}

/*
 * Is another child waiting to be reaped, stopped or continued? What a
 * SIGCHLD handler would look for. Our own children are reaped by now, and
 * the helpers are not SIGCHLD children (exit_signal 0), so not seen here.
 */
static bool other_child_waiting(siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	return waitid(P_ALL, 0, si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG |
		      WNOWAIT) == 0 && si->si_pid > 0;
}

/*
 * Standard signals merge: one pending SIGCHLD keeps the first sender's info.
 * So the one we take back may stand for another child too, that exited
 * after ours: queue it again for that one (a spare SIGCHLD is harmless, a
 * missing one leaves a host's child a zombie for ever).
 */
void pc_sigchld_take_back(const pid_t *ours, size_t n, bool was_pending)
{
	const struct timespec zero = { 0, 0 };
	int saved = errno;
	siginfo_t si;
	sigset_t chld;

	if (was_pending || !n)
		return;	/* the caller gets the one it was owed anyway */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigtimedwait(&chld, &si, &zero) == SIGCHLD &&
	    (!is_ours(si.si_pid, ours, n) || other_child_waiting(&si)))
		pc_sys_sigqueue_self(SIGCHLD, &si);
	errno = saved;
}
