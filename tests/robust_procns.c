/* robust_procns.c - issue 12 item 10: a PID namespace whose /proc is its parent's (unshare --pid --fork, no --mount-proc). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "internal.h"	/* pc_proc_level */

/* Run by tests/robust_procns.sh, which takes this number in the parent only. */
static pid_t parent_only(void)
{
	const char *v = getenv("ROBUST_PARENT_ONLY");

	if (!v) {
		print_message("[ SKIP-WHY ] needs tests/robust_procns.sh (a nested "
			      "namespace without its own /proc)\n");
		skip();
	}
	return atoi(v);
}

static void fork_at_expect(pid_t target, enum pidcycle_strategy s, int want)
{
	PIDCYCLE_OPTS(o, .strategy = s, .timeout_ms = 30000);
	pid_t r = ns_fork_at(target, &o);

	print_message("  fork_at(%d, %s) = %d (want %d)\n", (int)target,
		      pidcycle_strategy_name(s), (int)r, want);
	assert_int_equal(r, want);
}

/* The library sees that /proc is not its namespace's, but an ancestor's. */
HYG_TEST(procns_detected)
{
	parent_only();
	print_message("/proc is %d level(s) up\n", pc_proc_level());
	assert_int_equal(pc_proc_level(), 1);
}

/*
 * 400 is alive in the parent only: free here. The old check found /proc/400
 * (the parent's) and said -EEXIST, even for root, where set_tid succeeds.
 */
HYG_TEST(procns_parent_only_free)
{
	pid_t target = parent_only();
	struct pidcycle_estimate e = { .sz = sizeof(e) };
	struct pidcycle_holder h = { .sz = sizeof(h) };

	assert_true(ns_last() < target);
	assert_int_equal(pidcycle_estimate(target, NULL, &e), 0);
	print_message("estimate(%d): reachable %d, why %d\n", (int)target,
		      e.reachable, e.why);
	assert_true(e.reachable);
	/* Nor does the holder lookup name the parent's process. */
	assert_int_equal(pidcycle_holder(target, &h), 0);
	assert_int_equal(h.how, PIDCYCLE_HOLD_NONE);
	fork_at_expect(target, PIDCYCLE_AUTO, target);
	/* Root: set_tid above; the ns_last_pid write is cheap to try too. */
	if (ns_has(PIDCYCLE_LASTPID))
		fork_at_expect(target, PIDCYCLE_LASTPID, target);
}

/* Numbers in use here are in use: a process, a thread's TID, a session only. */
HYG_TEST(procns_in_use_here)
{
	pid_t tid, member, holder = eng_thread_holder(&tid);
	pid_t sid = eng_orphan_session(&member);
	struct pidcycle_holder h = { .sz = sizeof(h) };

	parent_only();
	fork_at_expect(holder, ns_fast_burner(), -EEXIST);
	fork_at_expect(tid, ns_fast_burner(), -EEXIST);
	fork_at_expect(sid, ns_fast_burner(), -EEXIST);
	fork_at_expect(getpid(), PIDCYCLE_AUTO, -EEXIST);
	/* Held here, but /proc cannot say by whom. */
	assert_int_equal(pidcycle_holder(holder, &h), 1);
	assert_int_equal(h.how, PIDCYCLE_HOLD_HIDDEN);
	if (ns_has(PIDCYCLE_SETTID)) {	/* the kernel's own answer */
		fork_at_expect(tid, PIDCYCLE_SETTID, -EEXIST);
		fork_at_expect(sid, PIDCYCLE_SETTID, -EEXIST);
	}
	eng_release(holder);
	eng_release(member);
}

/*
 * No ns_test_teardown: it kills the children that /proc lists, and this
 * /proc lists them by the parent namespace's numbers. The tests reap their own.
 */
#define T(f) cmocka_unit_test(f)

static int run_all(const char *unused)
{
	const struct CMUnitTest tests[] = {
		T(procns_detected), T(procns_parent_only_free), T(procns_in_use_here),
	};

	(void)unused;
	return ns_run_group("robust-procns", tests, sizeof(tests) / sizeof(tests[0]),
			    ns_group_setup, NULL);
}

int main(void)
{
	return ns_main("robust_procns", "unshare --pid --fork --mount-proc sh "
		       "tests/robust_procns.sh root build/tests/robust_procns",
		       run_all, NULL);
}
