/* fastpath.c - the privileged ways: clone3(set_tid) and a write to ns_last_pid. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <urcu-bp.h>

#include "sys.h"

/*
 * glibc caches each thread's TID in its struct pthread, and fork() has the
 * kernel refresh it in the child (CLONE_CHILD_SETTID). A raw clone3 must do
 * the same, or pthread_self()-based calls in the child act on the parent.
 * glibc publishes where the field is for libthread_db: a descriptor of
 * {bits, count, offset}. Trust it only if it is what we expect and the field
 * holds our TID now.
 */
static int *glibc_tid_field(void)
{
	const uint32_t *d = dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
	int *tid;

	if (!d || d[0] != 32 || d[1] != 1)
		return NULL;
	tid = (int *)((char *)pthread_self() + d[2]);
	return *tid == pc_sys_gettid() ? tid : NULL;
}

pid_t pc_settid_fork(pid_t pid)
{
	struct pc_clone_args a = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&pid,
		.set_tid_size = 1,
	};
	int saved = errno, *tid = glibc_tid_field();
	long r;

	errno = saved;
	if (tid) {
		a.flags = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
		a.child_tid = (uintptr_t)tid;
	}
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
	return (pid_t)pc_clone_err((int)r);
}

int pc_lastpid_set_next(struct pc_cursor *c, pid_t pid)
{
	/* Callers hold the flock: cooperating writers serialise on it. */
	return pc_cursor_set_last(c, pid - 1);
}
