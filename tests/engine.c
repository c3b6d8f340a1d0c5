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

#define T(f) NS_TEST(f)

static int run_all(const char *unused)
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

	(void)unused;
	return ns_run_group("engine", tests, sizeof(tests) / sizeof(tests[0]),
			    ns_group_setup, NULL);
}

int main(void)
{
	return ns_main("engine", "unshare --pid --fork --mount-proc "
		       "sh tests/engine_ns.sh 8000 root build/tests/engine",
		       run_all, NULL);
}
