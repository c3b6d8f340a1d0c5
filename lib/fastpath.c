/* fastpath.c - the privileged ways: clone3(set_tid) and a write to ns_last_pid. */
#include <errno.h>
#include <signal.h>
#include <urcu-bp.h>

#include "sys.h"

pid_t pc_settid_fork(pid_t pid)
{
	struct pc_clone_args a = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&pid,
		.set_tid_size = 1,
	};
	long r;

	/*
	 * Race-free and exact: the kernel takes `pid` or fails (EEXIST when it
	 * is in use), and the cursor does not move. Fork-like (no CLONE_VM).
	 */
	urcu_bp_before_fork();
	r = pc_sys_clone3(&a, sizeof(a));
	if (r == 0)
		urcu_bp_after_fork_child();
	else
		urcu_bp_after_fork_parent();
	return (pid_t)r;
}

int pc_lastpid_set_next(struct pc_cursor *c, pid_t pid)
{
	/* Callers hold the flock: cooperating writers serialise on it. */
	return pc_cursor_set_last(c, pid - 1);
}
