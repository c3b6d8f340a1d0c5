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
	/*
	 * _Fork(), not fork(): no pthread_atfork() handler runs, in a candidate
	 * that is rejected or in one that is kept (pidcycle_fork_at(3)).
	 */
	urcu_bp_before_fork();
	pid = _Fork();
	if (pid == 0) {
		urcu_bp_after_fork_child();
		return 0;
	}
	if (pid < 0)
		pid = pc_clone_err(-errno);
	urcu_bp_after_fork_parent();
	errno = saved;
	return pid;
}

static bool accepted(pid_t pid, pid_t want, enum pc_goal goal)
{
	return goal == PC_GOAL_NEXT ? pid == want : pid >= want;
}

pid_t pc_candidate(pc_make_fn make, void *arg, pid_t want, enum pc_goal goal)
{
	sigset_t chld, old;
	bool was_pending;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	/* The rejected child's SIGCHLD stays pending here, to be taken back. */
	was_pending = pc_sigchld_pending();
	pid = make(arg);
	if (pid == 0) {
		/* The child: a wrong number must never run the caller's code. */
		if (!accepted(pc_sys_getpid(), want, goal))
			pc_raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	} else if (pid > 0 && !accepted(pid, want, goal)) {
		pc_sys_wait_pid(pid);
		pc_sigchld_take_back(&pid, 1, was_pending);
		pid = -PC_ELOST;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid;
}
