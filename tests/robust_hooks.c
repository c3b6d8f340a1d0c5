/* robust_hooks.c - issue 11 fault 1: no helper may hold the number a request needs (pc_pool_start wrapped). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "internal.h"

int __real_pc_pool_start(struct pc_pool **out, enum pidcycle_strategy s,
			 unsigned int threads);
int __wrap_pc_pool_start(struct pc_pool **out, enum pidcycle_strategy s,
			 unsigned int threads);

static bool steal_once;
static pid_t stolen;

/*
 * A concurrent forker, made deterministic: once asked, it takes the next
 * number just before the pool starts, between the engine's measure and the
 * helpers' clones, so a one-worker pool's helper gets the number after it.
 */
int __wrap_pc_pool_start(struct pc_pool **out, enum pidcycle_strategy s,
			 unsigned int threads)
{
	if (steal_once) {
		steal_once = false;
		stolen = fork();
		if (stolen == 0)
			_exit(0);
		hyg_own(stolen);
		ns_reap(stolen);
	}
	return __real_pc_pool_start(out, s, threads);
}

/*
 * Two free numbers after the cursor: the target is the second. Past 300,
 * so that going round can reach it again (the wrap lands on 300).
 */
static pid_t target_two_ahead(void)
{
	pid_t last = ns_last();

	if (last < 1000)
		ns_move_last(eng_free_from(1000) - 1);
	last = ns_last();
	while (!ns_pid_free(last + 1) || !ns_pid_free(last + 2)) {
		ns_move_last(eng_free_from(last + 3) - 1);
		last = ns_last();
	}
	return last + 2;
}

/*
 * The one-worker pool's helper gets the target (the forker took the number
 * before it). The old engine reported the target as taken (-EAGAIN from
 * fork_at) while its own helper held it, and the preload, which waits for a
 * taken number to come free, waited for its own helper until the timeout.
 * Now the pool is stopped, which frees the number, and the run goes round.
 */
HYG_TEST(helper_got_target_fork_at)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .threads = 1,
		      .timeout_ms = 30000);
	pid_t target = target_two_ahead(), r;

	eng_need_low_pid_max();
	steal_once = true;
	r = pidcycle_fork_at(target, &o);
	if (r == 0)
		ns_child_exit_if(target);
	hyg_own(r);
	if (r > 0)
		ns_reap_ok(r);
	print_message("forker took %d, the helper would get %d: fork_at %d\n",
		      (int)stolen, (int)target, (int)r);
	assert_int_equal(stolen, target - 1);
	assert_int_equal(r, target);
}

/* Is pid a child of ours (so, here, a helper of the run's pool)? */
static bool our_child(pid_t pid)
{
	siginfo_t si;

	return waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0;
}

/* The engine alone, as the preload drives it: the steer must not end with
 * the target held by the run's own pool. */
HYG_TEST(helper_got_target_steer)
{
	struct pc_opts o;
	struct pc_run run;
	PIDCYCLE_OPTS(pub, .strategy = ns_fast_burner(), .threads = 1,
		      .timeout_ms = 30000);
	pid_t target = target_two_ahead();
	int rc;

	eng_need_low_pid_max();
	assert_int_equal(pc_opts_load(&pub, &o), 0);
	assert_int_equal(pc_run_init(&run, &o, pub.strategy, target), 0);
	steal_once = true;
	rc = pc_steer(&run, PC_GOAL_NEXT);
	print_message("forker took %d: steer to %d: %d, pool holds it: %d, last %d, "
		      "laps %u\n", (int)stolen, (int)target, rc,
		      our_child(target), (int)ns_last(), run.laps);
	assert_int_equal(stolen, target - 1);
	assert_false(our_child(target));
	assert_true(run.laps >= 1);	/* the helper had it: the run went round */
	pc_run_fini(&run);
	assert_int_equal(rc, 0);
	assert_int_equal(ns_last(), target - 1);
}

#define T(f) NS_TEST(f)

static int run_all(const char *unused)
{
	const struct CMUnitTest tests[] = {
		T(helper_got_target_fork_at), T(helper_got_target_steer),
	};

	(void)unused;
	return ns_run_group("robust-hooks", tests, sizeof(tests) / sizeof(tests[0]),
			    ns_group_setup, NULL);
}

int main(void)
{
	return ns_main("robust_hooks", "unshare --pid --fork --mount-proc "
		       "sh tests/engine_ns.sh 8000 root build/tests/robust_hooks",
		       run_all, NULL);
}
