/* candidate.c - the final, checked allocation: keep a child only with the right PID. */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <urcu-bp.h>

#include "sys.h"

pid_t pc_make_fork(void *arg)
{
	int saved = errno;
	pid_t pid;

	(void)arg;
	urcu_bp_before_fork();
	pid = fork();
	if (pid == 0) {
		urcu_bp_after_fork_child();
		return 0;
	}
	if (pid < 0)
		pid = -errno;
	urcu_bp_after_fork_parent();
	errno = saved;
	return pid;
}

static bool accepted(pid_t pid, pid_t want, enum pc_goal goal)
{
	return goal == PC_GOAL_NEXT ? pid == want : pid >= want;
}

static bool sigchld_pending(void)
{
	sigset_t set;

	return !sigpending(&set) && sigismember(&set, SIGCHLD);
}

/*
 * The rejected child's SIGCHLD is pending (we block it meanwhile). Take it
 * back unless one was pending before we started (then the caller gets the one
 * it was owed anyway). If what we took came from another child - standard
 * signals merge, the first sender's info is kept - queue it again, unchanged.
 */
static void take_back_sigchld(pid_t rejected, bool was_pending)
{
	const struct timespec zero = { 0, 0 };
	siginfo_t si;
	sigset_t chld;
	int saved = errno;

	if (was_pending)
		return;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigtimedwait(&chld, &si, &zero) == SIGCHLD && si.si_pid != rejected)
		pc_sys_sigqueue_self(SIGCHLD, &si);
	errno = saved;
}

pid_t pc_candidate(pc_make_fn make, void *arg, pid_t want, enum pc_goal goal)
{
	sigset_t chld, old;
	bool was_pending;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	was_pending = sigchld_pending();
	pid = make(arg);
	if (pid == 0) {
		/* The child: a wrong number must never run the caller's code. */
		if (!accepted(pc_sys_getpid(), want, goal))
			pc_raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	} else if (pid > 0 && !accepted(pid, want, goal)) {
		pc_sys_wait_pid(pid);
		take_back_sigchld(pid, was_pending);
		pid = -PC_ELOST;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid;
}
