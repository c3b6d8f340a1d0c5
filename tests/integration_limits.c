/* integration_limits.c - integration tests of refusals, limits, burning and the wrap. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"

static const enum pidcycle_strategy all_strategies[] = {
	PIDCYCLE_AUTO, PIDCYCLE_SETTID, PIDCYCLE_LASTPID, PIDCYCLE_GHOST,
	PIDCYCLE_THREAD, PIDCYCLE_VFORK, PIDCYCLE_FORK,
};
#define N_ALL (sizeof(all_strategies) / sizeof(all_strategies[0]))

/* fork_at that must fail with `want`; a child, if one appears, is reaped. */
static void fork_at_fails(pid_t target, const struct pidcycle_opts *o, int want)
{
	pid_t r = ns_settle_fork(pidcycle_fork_at(target, o));

	if (r != want)
		fail_msg("pidcycle_fork_at(%d, %s) = %d, want %d", (int)target,
			 pidcycle_strategy_name(o->strategy), (int)r, want);
}

static void set_next_fails(pid_t target, const struct pidcycle_opts *o, int want)
{
	int r = pidcycle_set_next(target, o);

	if (r != want)
		fail_msg("pidcycle_set_next(%d, %s) = %d, want %d", (int)target,
			 pidcycle_strategy_name(o->strategy), r, want);
}

/*
 * Every usable strategy must see that `target` is taken. The budget keeps a
 * library that cycles instead of checking from running for a whole lap.
 */
static void in_use_all(pid_t target)
{
	for (size_t k = 0; k < N_ALL; k++) {
		PIDCYCLE_OPTS(o, .strategy = all_strategies[k], .max_burn = 100000);

		if (k && !ns_has(all_strategies[k]))
			continue;
		fork_at_fails(target, &o, -EEXIST);
		if (all_strategies[k] != PIDCYCLE_SETTID)	/* cannot "set next" */
			set_next_fails(target, &o, -EEXIST);
	}
}

HYG_TEST(in_use_self_and_init)
{
	in_use_all(getpid());
	in_use_all(1);
}

/* A leader that exited while its group lives on: the number is a pgid only. */
HYG_TEST(in_use_pgrp_only)
{
	int up[2], hold[2];
	pid_t leader, member = 0;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(hold), 0);
	leader = fork();
	if (leader == 0) {
		pid_t m;

		setpgid(0, 0);
		m = fork();
		if (m == 0) {
			char c;

			close(hold[1]);
			_exit(read(hold[0], &c, 1) == 0 ? 0 : 6);
		}
		_exit(write(up[1], &m, sizeof(m)) == sizeof(m) && m > 0 ? 0 : 4);
	}
	hyg_own(leader);
	assert_true(leader > 0);
	ns_reap_ok(leader);
	assert_int_equal(read(up[0], &member, sizeof(member)), sizeof(member));
	hyg_own(member);
	close(up[0]);
	close(up[1]);
	close(hold[0]);
	assert_int_equal(getpgid(member), leader);
	in_use_all(leader);
	close(hold[1]);	/* the member reads EOF and exits */
	ns_reap_ok(member);	/* orphaned to us: we are the subreaper */
}

HYG_TEST(in_use_zombie)
{
	pid_t z = ns_make_zombie();

	in_use_all(z);
	ns_reap_ok(z);
}

HYG_TEST(errors_einval)
{
	pid_t max = ns_pid_max();
	const pid_t bad[] = { 0, -1, max, max + 1, INT_MIN };
	const enum pidcycle_strategy s[] = { PIDCYCLE_AUTO, ns_fast_burner() };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
			PIDCYCLE_OPTS(o, .strategy = s[k]);

			fork_at_fails(bad[i], &o, -EINVAL);
			set_next_fails(bad[i], &o, -EINVAL);
		}
}

/* Cycling never comes back below 300: only privilege reaches 100. */
HYG_TEST(errors_erange)
{
	PIDCYCLE_OPTS(burner, .strategy = ns_fast_burner());
	PIDCYCLE_OPTS(any);

	if (ns_last() < 300)
		ns_move_last(301);
	fork_at_fails(100, &burner, -ERANGE);
	fork_at_fails(299, &burner, -ERANGE);
	set_next_fails(100, &burner, -ERANGE);
	if (ns_no_caps()) {
		fork_at_fails(100, &any, -ERANGE);
		set_next_fails(100, &any, -ERANGE);
	}
	if (ns_privileged() && ns_pid_free(100))
		ns_fork_at_exact(100, PIDCYCLE_AUTO);
}

/* A target far enough away that no strategy gets there within the test. */
static pid_t far_target(pid_t distance)
{
	pid_t last = ns_last();

	if (last + distance >= ns_pid_max()) {
		print_message("[ SKIP-WHY ] pid_max %d leaves no room for a hop of %d\n",
			      (int)ns_pid_max(), (int)distance);
		skip();
	}
	return last + distance;
}

HYG_TEST(timeout_ms)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .timeout_ms = 1);
	pid_t target = far_target(3000000);
	struct pidcycle_stats st = { .sz = sizeof(st) };

	fork_at_fails(target, &o, -ETIMEDOUT);
	set_next_fails(target, &o, -ETIMEDOUT);
	assert_int_equal(pidcycle_burn(3000000, &o, &st), -ETIMEDOUT);
}

/* max_burn is a budget: past it the call gives up having spent no more. */
HYG_TEST(timeout_max_burn)
{
	for (size_t k = 1; k < N_ALL; k++) {
		enum pidcycle_strategy s = all_strategies[k];
		PIDCYCLE_OPTS(o, .strategy = s, .max_burn = 10);
		pid_t last, moved;

		if (!ns_has(s) || s == PIDCYCLE_SETTID || s == PIDCYCLE_LASTPID)
			continue;
		last = ns_last();
		fork_at_fails(far_target(1000), &o, -ETIMEDOUT);
		moved = ns_last() - last;
		if (moved < 0 || moved > 10)
			fail_msg("%s: max_burn 10 but the cursor moved by %d",
				 pidcycle_strategy_name(s), (int)moved);
		last = ns_last();
		assert_int_equal(pidcycle_burn(1000, &o, NULL), -ETIMEDOUT);
		assert_true(ns_last() - last <= 10);
	}
}

struct prog_rec {
	int calls;
	struct pidcycle_progress last;
};

static int cancel_cb(const struct pidcycle_progress *p, void *user)
{
	struct prog_rec *r = user;

	__atomic_add_fetch(&r->calls, 1, __ATOMIC_SEQ_CST);
	r->last = *p;
	return 1;
}

HYG_TEST(cancel_progress)
{
	struct prog_rec rec = { 0 };
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .progress = cancel_cb,
		      .progress_arg = &rec, .progress_ms = 1);
	pid_t last = ns_last(), target = far_target(200000);

	fork_at_fails(target, &o, -ECANCELED);
	assert_true(rec.calls >= 1);
	assert_int_equal(rec.last.target, target);
	assert_true(rec.last.last_pid >= last && rec.last.last_pid < target);
	assert_true(rec.last.burnt < 200000);
	assert_true(rec.last.rate >= 0 && rec.last.eta_sec >= 0);
	assert_true(ns_last() < target);
}

HYG_TEST(cancel_progress_burn)
{
	struct prog_rec rec = { 0 };
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .progress = cancel_cb,
		      .progress_arg = &rec, .progress_ms = 1);
	pid_t last;

	far_target(200000);
	last = ns_last();
	assert_int_equal(pidcycle_burn(200000, &o, NULL), -ECANCELED);
	assert_true(rec.calls >= 1);
	assert_int_equal(rec.last.target, 0);
	assert_true(ns_last() - last < 200000);
}

static void burn_with(enum pidcycle_strategy s, unsigned int threads)
{
	PIDCYCLE_OPTS(o, .strategy = s, .threads = threads);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	pid_t last;

	if (s != PIDCYCLE_AUTO)
		ns_need(s);
	far_target(2000);
	last = ns_last();
	assert_int_equal(pidcycle_burn(1000, &o, &st), 0);
	assert_int_equal(ns_last() - last, 1000);
	assert_true(st.burnt == 1000);
	if (s != PIDCYCLE_AUTO)
		assert_int_equal(st.strategy, s);
	assert_true(st.strategy != PIDCYCLE_AUTO && ns_has(st.strategy));
	assert_true(st.threads >= 1 && st.threads <= (threads ? threads : 1024));
	assert_true(st.seconds > 0 && st.pids_per_sec > 0);
	assert_int_equal(st.laps, 0);
	last = ns_last();
	assert_int_equal(pidcycle_burn(7, &o, NULL), 0);
	assert_int_equal(ns_last() - last, 7);
}

HYG_TEST(burn_auto) { burn_with(PIDCYCLE_AUTO, 0); }
HYG_TEST(burn_ghost) { burn_with(PIDCYCLE_GHOST, 0); }
HYG_TEST(burn_thread) { burn_with(PIDCYCLE_THREAD, 0); }
HYG_TEST(burn_vfork) { burn_with(PIDCYCLE_VFORK, 0); }
HYG_TEST(burn_fork) { burn_with(PIDCYCLE_FORK, 1); }
HYG_TEST(burn_two_threads) { burn_with(ns_fast_burner(), 2); }

HYG_TEST(estimate_ahead)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner());
	struct pidcycle_estimate e = { .sz = sizeof(e) };
	pid_t last = ns_last();

	assert_int_equal(pidcycle_estimate(far_target(1000), &o, &e), 0);
	assert_int_equal(e.target, last + 1000);
	assert_int_equal(e.last_pid, last);
	assert_true(e.reachable);
	assert_int_equal(e.why, 0);
	assert_false(e.wraps);
	assert_true(e.distance == 999);
	assert_true(e.in_use == 0);
	assert_true(e.rate > 0 && e.eta_sec >= 0);
	memset(&e, 0, sizeof(e));
	e.sz = sizeof(e);
	assert_int_equal(pidcycle_estimate(getpid(), &o, &e), 0);
	assert_false(e.reachable);
	assert_int_equal(e.why, -EEXIST);
	assert_int_equal(ns_last(), last);	/* estimating moves nothing */
}

/* ---- wrap ---------------------------------------------------------------- */

static pid_t saved_pid_max;

/* Wrapping a 4M namespace takes too long: root lowers pid_max first. */
static void need_low_pid_max(void)
{
	pid_t max = ns_pid_max(), last = ns_last(), want;

	if (max <= 100000)
		return;
	if (!ns_pid_max_private()) {
		print_message("[ SKIP-WHY ] pid_max %d is global before Linux 6.14: "
			      "lowering it would change the whole machine\n", (int)max);
		skip();
	}
	if (!ns_privileged()) {
		print_message("[ SKIP-WHY ] pid_max %d: lowering it needs root in the "
			      "namespace (check-integration runs the wrap tests "
			      "unprivileged after lowering it as root)\n", (int)max);
		skip();
	}
	want = last + 2000 > 5000 ? last + 2000 : 5000;
	assert_int_equal(ns_set_pid_max(want), 0);
	assert_int_equal(ns_pid_max(), want);
	if (!saved_pid_max)
		saved_pid_max = max;
}

void wrap_restore(void)
{
	if (saved_pid_max)
		ns_set_pid_max(saved_pid_max);
}

/* From just below pid_max, a target behind the cursor: round, then exact. */
static void wrap_with(enum pidcycle_strategy s)
{
	struct pidcycle_info i = { .sz = sizeof(i) };
	pid_t max, target = 400;

	if (s != PIDCYCLE_AUTO)
		ns_need(s);
	need_low_pid_max();
	max = ns_pid_max();
	ns_move_last(max - 50);
	assert_int_equal(pidcycle_probe(&i), 0);
	assert_int_equal(i.pid_max, max);
	assert_int_equal(i.last_pid, max - 50);
	assert_int_equal(i.wrap_floor, 300);
	while (!ns_pid_free(target))
		target++;
	ns_fork_at_exact(target, s);
	/* Burners went round; lastpid wrote target - 1; set_tid moves nothing. */
	if (s != PIDCYCLE_SETTID && s != PIDCYCLE_AUTO)
		assert_int_equal(ns_last(), target);
}

HYG_TEST(wrap_settid) { wrap_with(PIDCYCLE_SETTID); }
HYG_TEST(wrap_lastpid) { wrap_with(PIDCYCLE_LASTPID); }
HYG_TEST(wrap_ghost) { wrap_with(PIDCYCLE_GHOST); }
HYG_TEST(wrap_thread) { wrap_with(PIDCYCLE_THREAD); }
HYG_TEST(wrap_vfork) { wrap_with(PIDCYCLE_VFORK); }
HYG_TEST(wrap_fork) { wrap_with(PIDCYCLE_FORK); }
HYG_TEST(wrap_auto) { wrap_with(PIDCYCLE_AUTO); }
