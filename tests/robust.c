/* robust.c - main and shared helpers of the issue-12 regression tests (PID 1 of a private namespace). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>

#include "robust.h"

/* ---- the hang safety net ------------------------------------------------ */

static volatile pid_t rescue_pid;
static volatile int rescue_sig;
static volatile sig_atomic_t rescued;

static void on_alarm(int sig)
{
	(void)sig;
	if (rescue_pid > 0)
		kill(rescue_pid, rescue_sig);
	rescued = 1;
	alarm(1);	/* again, should it be needed once more */
}

void rb_rescue_arm(pid_t pid, int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	rescue_pid = pid;
	rescue_sig = sig;
	rescued = 0;
	alarm(ROBUST_SAFETY_S);
}

bool rb_rescued(void)
{
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	rescue_pid = 0;
	return rescued;
}

/* ---- a lock anyone can take --------------------------------------------- */

struct lock_holder {
	pid_t pid;
	int release;	/* closing it lets the holder go */
};

static struct lock_holder holder;

static void __attribute__((noreturn)) hold_lock(int up, int release)
{
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	char c = 1;

	if (fd < 0 || flock(fd, LOCK_EX))
		_exit(3);
	if (write(up, &c, 1) != 1)
		_exit(4);
	while (read(release, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

pid_t rb_lock_hold(void)
{
	int up[2], rel[2];
	char c;

	assert_int_equal(pipe2(up, O_CLOEXEC), 0);
	assert_int_equal(pipe2(rel, O_CLOEXEC), 0);
	holder.pid = fork();
	if (holder.pid == 0) {
		close(up[0]);
		close(rel[1]);
		hold_lock(up[1], rel[0]);
	}
	assert_true(holder.pid > 0);
	hyg_own(holder.pid);
	close(up[1]);
	close(rel[0]);
	assert_int_equal(read(up[0], &c, 1), 1);	/* it holds the lock now */
	close(up[0]);
	holder.release = rel[1];
	return holder.pid;
}

void rb_lock_release(pid_t pid)
{
	int st;

	assert_int_equal(pid, holder.pid);
	close(holder.release);
	st = ns_reap(pid);
	/* 0: it let go when told; SIGKILL: the safety net had to end it. */
	assert_true((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
		    (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
	holder.pid = 0;
}


/* ---- main ------------------------------------------------------------------ */

#define T(f) NS_TEST(f)

static int run_all(const char *unused)
{
	const struct CMUnitTest tests[] = {
		T(lock_held_timeout), T(lock_held_cancel), T(lock_held_defaults),
		T(lock_held_burn),
		T(stopped_helper_burn), T(stopped_helper_cancel),
		T(stopped_helper_pool_stop), T(slow_fork_timeout),
		T(sigchld_merged_kept), T(sigchld_thread_requeue), T(atfork_not_run),
		T(nproc_one_ghost_room), T(pids_cgroup_limit),
		T(estimate_unusable_strategy),
	};

	(void)unused;
	return ns_run_group("robust", tests, sizeof(tests) / sizeof(tests[0]),
			    ns_group_setup, NULL);
}

int main(void)
{
	/*
	 * In a pids cgroup (tests/robust_pids.sh) only this process and its
	 * children may count: PID 1 of the namespace is that script, outside.
	 */
	if (getpid() != 1 && getenv("ROBUST_PIDS_MAX"))
		return run_all(NULL);
	return ns_main("robust", "unshare --pid --fork --mount-proc "
		       "sh tests/engine_ns.sh 8000 root build/tests/robust",
		       run_all, NULL);
}
