/* engine_inuse.c - engine tests of targets in use, behind the cursor, below the floor, and estimates. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

static const enum pidcycle_strategy refusers[] = {
	PIDCYCLE_AUTO, PIDCYCLE_GHOST, PIDCYCLE_THREAD, PIDCYCLE_VFORK,
	PIDCYCLE_FORK,
};
#define N_REFUSERS (sizeof(refusers) / sizeof(refusers[0]))

static void get_estimate(pid_t target, enum pidcycle_strategy s,
			 struct pidcycle_estimate *e)
{
	PIDCYCLE_OPTS(o, .strategy = s);
	int rc;

	memset(e, 0, sizeof(*e));
	e->sz = sizeof(*e);
	rc = pidcycle_estimate(target, &o, e);
	if (rc)
		fail_msg("pidcycle_estimate(%d, %s) = %d", (int)target,
			 pidcycle_strategy_name(s), rc);
}

/*
 * Every strategy refuses `target` with `want` from fork_at and set_next,
 * the estimate agrees, and the cursor did not move: nothing was burnt.
 */
static void refused_by_all(pid_t target, int want)
{
	for (size_t k = 0; k < N_REFUSERS; k++) {
		enum pidcycle_strategy s = refusers[k];
		PIDCYCLE_OPTS(o, .strategy = s, .max_burn = 100000);
		struct pidcycle_estimate e;
		pid_t last = ns_last(), r;
		int rc;

		/* With privilege AUTO reaches numbers below the floor. */
		if (want == -ERANGE && s == PIDCYCLE_AUTO && !ns_no_caps())
			continue;
		r = ns_settle_fork(pidcycle_fork_at(target, &o));
		rc = pidcycle_set_next(target, &o);
		if (r != want || rc != want)
			fail_msg("%s, target %d: fork_at = %d, set_next = %d, want %d",
				 pidcycle_strategy_name(s), (int)target, (int)r,
				 rc, want);
		get_estimate(target, s, &e);
		if (e.reachable || e.why != want)
			fail_msg("estimate(%d, %s): reachable %d why %d, want %d",
				 (int)target, pidcycle_strategy_name(s),
				 e.reachable, e.why, want);
		if (ns_last() != last)
			fail_msg("%s refused %d but moved the cursor %d -> %d",
				 pidcycle_strategy_name(s), (int)target,
				 (int)last, (int)ns_last());
	}
}

/* pidcycle_fork_at(target) with these options gives exactly target. */
static void exact_opts(pid_t target, const struct pidcycle_opts *o)
{
	int err = 0;

	if (!eng_fork_at_try(target, o, &err))
		fail_msg("pidcycle_fork_at(%d, %s, threads %u) = %d in an idle "
			 "namespace (last %d)", (int)target,
			 pidcycle_strategy_name(o->strategy), o->threads, err,
			 (int)ns_last());
}

/* ---- a fresh namespace: below 300 is still ahead ----------------------- */

HYG_TEST(fresh_below_300)
{
	PIDCYCLE_OPTS(ghost, .strategy = PIDCYCLE_GHOST);
	PIDCYCLE_OPTS(thread, .strategy = PIDCYCLE_THREAD);
	struct pidcycle_estimate e;
	pid_t last = ns_last();

	if (last >= 250) {
		print_message("[ SKIP-WHY ] the cursor is at %d: this test needs "
			      "a fresh namespace (run it first)\n", (int)last);
		skip();
	}
	ns_need(PIDCYCLE_GHOST);
	assert_true(ns_pid_free(280) && ns_pid_free(290));
	get_estimate(280, PIDCYCLE_GHOST, &e);
	assert_true(e.reachable);
	assert_false(e.wraps);
	assert_int_equal(e.distance + e.in_use, 280 - last - 1);
	exact_opts(280, &ghost);
	assert_int_equal(ns_last(), 280);
	exact_opts(290, &thread);
	assert_int_equal(ns_last(), 290);
}

/* ---- numbers in use ----------------------------------------------------- */

/* The cursor does not pass 300 on its own in a short test: push it. */
static void cursor_at_least(pid_t min)
{
	pid_t last = ns_last();

	if (last < min)
		eng_move_last(min);
}


HYG_TEST(in_use_thread_tid)
{
	pid_t tid, holder = eng_thread_holder(&tid);

	refused_by_all(tid, -EEXIST);
	refused_by_all(holder, -EEXIST);
	eng_release(holder);
}

HYG_TEST(in_use_orphan_pgrp)
{
	pid_t member, pgid = eng_orphan_group(&member);

	assert_false(ns_pid_free(pgid));
	refused_by_all(pgid, -EEXIST);
	eng_release(member);
}

/* Neither a process nor a group: only the member's session id holds it. */
HYG_TEST(in_use_orphan_session)
{
	pid_t member, sid;

	cursor_at_least(1000);	/* below 300 it would be -ERANGE first */
	sid = eng_orphan_session(&member);
	assert_false(ns_pid_free(sid));
	refused_by_all(sid, -EEXIST);
	eng_release(member);
}

HYG_TEST(in_use_zombie)
{
	pid_t z = eng_zombie();

	refused_by_all(z, -EEXIST);
	eng_release(z);
}

/*
 * Numbers in use ahead of the cursor (after a wrap): refused without a burn;
 * a target just past them is exact and the estimate counted them.
 */
HYG_TEST(in_use_ahead_after_wrap)
{
	PIDCYCLE_OPTS(ghost, .strategy = PIDCYCLE_GHOST);
	struct pidcycle_estimate e;
	struct eng_used u;
	pid_t tid, holder, member, pgid, z, lo, target;

	eng_need_low_pid_max();
	ns_need(PIDCYCLE_GHOST);
	eng_move_last(1000);	/* room on both sides of the holders */
	holder = eng_thread_holder(&tid);
	pgid = eng_orphan_group(&member);
	z = eng_zombie();
	lo = holder < pgid ? holder : pgid;
	eng_move_last(lo - 60);	/* round the wrap: they are ahead now */
	refused_by_all(tid, -EEXIST);
	refused_by_all(pgid, -EEXIST);
	refused_by_all(z, -EEXIST);
	target = eng_free_from(z + 5);
	eng_used_scan(&u);
	get_estimate(target, PIDCYCLE_GHOST, &e);
	assert_true(e.reachable);
	assert_false(e.wraps);
	assert_true(e.in_use >= 5);	/* holder, tid, pgid, member, zombie */
	assert_int_equal(e.in_use, eng_used_count(&u, ns_last() + 1, target - 1));
	assert_int_equal(e.distance + e.in_use, target - ns_last() - 1);
	exact_opts(target, &ghost);
	eng_release(holder);
	eng_release(member);
	eng_release(z);
}

/* ---- the floor: unreachable by cycling once the cursor passed 300 -------- */

HYG_TEST(erange_below_floor)
{
	const pid_t targets[] = { 150, 299, 100 };

	cursor_at_least(301);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (ns_pid_free(targets[i]))
			refused_by_all(targets[i], -ERANGE);
}

/* ---- behind the cursor: exact after a wrap ------------------------------- */

static void wrap_exact(enum pidcycle_strategy s)
{
	PIDCYCLE_OPTS(o, .strategy = s);
	bool moves = s != PIDCYCLE_AUTO || ns_no_caps();
	pid_t max, t[5];

	if (s != PIDCYCLE_AUTO)
		ns_need(s);
	eng_need_low_pid_max();
	max = ns_pid_max();
	eng_move_last(max - 40);
	t[0] = eng_free_from(max / 2);		/* behind, mid-range */
	t[1] = 300;				/* the floor itself */
	t[2] = max - 1;				/* the very edge, ahead */
	t[3] = eng_free_from(301);		/* from the edge: the wrap is next */
	t[4] = 0;				/* the number just handed out */
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pid_t target = i == 4 ? ns_last() : t[i];

		if (!ns_pid_free(target))
			continue;
		exact_opts(target, &o);
		if (moves && ns_last() != target)
			fail_msg("%s: exact %d but the cursor is at %d",
				 pidcycle_strategy_name(s), (int)target,
				 (int)ns_last());
	}
}

HYG_TEST(wrap_exact_ghost) { wrap_exact(PIDCYCLE_GHOST); }
HYG_TEST(wrap_exact_thread) { wrap_exact(PIDCYCLE_THREAD); }
HYG_TEST(wrap_exact_auto) { wrap_exact(PIDCYCLE_AUTO); }

/* ---- estimate against what happens --------------------------------------- */

/* A free target at or after `from` whose predecessor is free too. */
static pid_t free_pair_from(pid_t from)
{
	pid_t t = eng_free_from(from);

	while (!ns_pid_free(t - 1) || t - 1 < 300)
		t = eng_free_from(t + 1);
	return t;
}

/*
 * The estimate, checked three ways: distance + in_use is the raw hop,
 * in_use is what /proc shows in between, and burning exactly `distance`
 * free numbers leaves the cursor on target - 1.
 */
static void estimate_then_burn(pid_t target, bool wraps)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner());
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct pidcycle_estimate e;
	struct eng_used u;
	pid_t last = ns_last(), max = ns_pid_max();
	uint64_t raw, used;

	eng_used_scan(&u);
	get_estimate(target, ns_fast_burner(), &e);
	assert_int_equal(e.last_pid, last);
	assert_true(e.reachable);
	assert_int_equal(e.wraps, wraps);
	raw = wraps ? (uint64_t)(max - last - 1) + (target - 300)
		    : (uint64_t)(target - last - 1);
	used = wraps ? eng_used_count(&u, last + 1, max - 1) +
		       eng_used_count(&u, 300, target - 1)
		     : eng_used_count(&u, last + 1, target - 1);
	print_message("estimate %d from %d: distance %llu in_use %llu "
		      "(raw %llu, /proc %llu)\n", (int)target, (int)last,
		      (unsigned long long)e.distance, (unsigned long long)e.in_use,
		      (unsigned long long)raw, (unsigned long long)used);
	assert_true(used > 0);	/* the holders lie in between */
	assert_int_equal(e.in_use, used);
	assert_int_equal(e.distance + e.in_use, raw);
	assert_int_equal(pidcycle_burn(e.distance, &o, &st), 0);
	assert_int_equal(st.burnt, e.distance);
	assert_int_equal(ns_last(), target - 1);
	exact_opts(target, &o);
}

static void estimate_agrees(bool wraps)
{
	pid_t tid, holder, member, pgid, z, lo, hi;

	eng_need_low_pid_max();
	eng_move_last(1500);	/* room on both sides of the holders */
	holder = eng_thread_holder(&tid);
	pgid = eng_orphan_group(&member);
	z = eng_zombie();
	lo = holder < pgid ? holder : pgid;
	hi = z > member ? z : member;
	if (wraps) {
		eng_move_last(ns_pid_max() - 30);
		estimate_then_burn(free_pair_from(hi + 50), true);
	} else {
		eng_move_last(lo - 100);
		estimate_then_burn(free_pair_from(hi + 200), false);
	}
	eng_release(holder);
	eng_release(member);
	eng_release(z);
}

HYG_TEST(estimate_ahead_agrees) { estimate_agrees(false); }
HYG_TEST(estimate_wrap_agrees) { estimate_agrees(true); }
