/* engine.c - tests of the unprivileged engine, run as PID 1 of a private PID namespace. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

static int group_setup(void **state)
{
	(void)state;
	if (pidcycle_probe(&ns_info)) {
		print_error("pidcycle_probe failed: every test would be meaningless\n");
		return -1;
	}
	print_message("probe: kernel %s pid_max %d last_pid %d uid %d "
		      "strategies 0x%x auto %s\n", ns_info.kernel,
		      (int)ns_info.pid_max, (int)ns_info.last_pid, (int)getuid(),
		      ns_info.strategies,
		      pidcycle_strategy_name(ns_info.auto_strategy));
	return 0;
}

/* After a failed test: reap what it left so the next starts clean. */
static int test_teardown(void **state)
{
	(void)state;
	ns_reap_leftovers();
	return 0;
}

#define T(f) cmocka_unit_test_teardown(f, test_teardown)

static int run_all(void)
{
	const struct CMUnitTest tests[] = {
		T(fresh_below_300),	/* first: the cursor is still below 300 */
		T(in_use_thread_tid), T(in_use_orphan_pgrp), T(in_use_orphan_session),
		T(in_use_zombie),
		T(in_use_ahead_after_wrap), T(erange_below_floor),
		T(wrap_exact_ghost), T(wrap_exact_thread), T(wrap_exact_auto),
		T(estimate_ahead_agrees), T(estimate_wrap_agrees),
		T(burn_timeout), T(burn_cancel_progress), T(burn_max_burn),
		T(ghost_creates_no_task),
		T(workers_one_two_ghost), T(workers_one_two_thread),
		T(concurrent_load_ghost), T(concurrent_load_thread),
	};
	const char *filter = getenv("PIDCYCLE_TEST_FILTER");
	static char name[64];

	snprintf(name, sizeof(name), "engine-uid%d%s", (int)getuid(),
		 ns_privileged() ? "-privileged" : "");
	if (filter && *filter)
		cmocka_set_test_filter(filter);
	hyg_init();
	return cmocka_run_group_tests_name(name, tests, group_setup, NULL);
}

/*
 * PID 1 of the namespace stays a plain reaper and the tests run in its
 * child, so that "PID 1" and "our own PID" are two different numbers.
 */
int main(void)
{
	pid_t t;
	int st = 0;

	if (getpid() != 1) {
		fprintf(stderr, "engine: must run as PID 1 of a private PID namespace: "
			"unshare --pid --fork --mount-proc sh tests/engine_ns.sh "
			"8000 root build/tests/engine\n");
		return 2;
	}
	t = fork();
	if (t < 0)
		return 2;
	if (t == 0)
		return run_all() ? 1 : 0;
	for (;;) {
		pid_t r = waitpid(-1, &st, __WALL);

		if (r == t)
			break;
		if (r < 0 && errno != EINTR)
			return 2;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
