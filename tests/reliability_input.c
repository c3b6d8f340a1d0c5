/* reliability_input.c - bad input to the API: a clear -errno and the cursor left where it was. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "reliability.h"

/* Safety nets only: a library that cycles instead of refusing stops here. */
#define BUDGET 100000
#define SAFETY_MS 10000

static const enum pidcycle_strategy every[] = {
	PIDCYCLE_AUTO, PIDCYCLE_SETTID, PIDCYCLE_LASTPID, PIDCYCLE_GHOST,
	PIDCYCLE_THREAD, PIDCYCLE_VFORK, PIDCYCLE_FORK,
};
#define N_EVERY (sizeof(every) / sizeof(every[0]))

/* Call `fn` with every entry point that takes a PID; each must answer want. */
static void all_calls_fail(pid_t target, const struct pidcycle_opts *o,
			   int want, bool with_min)
{
	struct pidcycle_estimate e = { .sz = sizeof(e) };
	const char *s = pidcycle_strategy_name(o->strategy);
	pid_t r = ns_settle_fork(pidcycle_fork_at(target, o));

	if (r != want)
		fail_msg("fork_at(%d, %s) = %d, want %d", (int)target, s ? s : "?",
			 (int)r, want);
	if (o->strategy != PIDCYCLE_SETTID &&
	    (r = pidcycle_set_next(target, o)) != want)
		fail_msg("set_next(%d, %s) = %d, want %d", (int)target, s ? s : "?",
			 (int)r, want);
	if (with_min) {
		r = ns_settle_fork(pidcycle_fork_min(target, o));
		if (r != want)
			fail_msg("fork_min(%d, %s) = %d, want %d", (int)target,
				 s ? s : "?", (int)r, want);
		if ((r = pidcycle_estimate(target, o, &e)) != want)
			fail_msg("estimate(%d, %s) = %d, want %d", (int)target,
				 s ? s : "?", (int)r, want);
	}
}

/* 0, negative, pid_max and beyond: -EINVAL from every call, nothing moved. */
HYG_TEST(input_bad_pids)
{
	pid_t max = ns_pid_max();
	const pid_t bad[] = { 0, -1, -300, max, max + 1, INT_MAX, INT_MIN };
	pid_t last = ns_last();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t k = 0; k < N_EVERY; k++) {
			PIDCYCLE_OPTS(o, .strategy = every[k], .max_burn = BUDGET,
				      .timeout_ms = SAFETY_MS);

			if (k && !ns_has(every[k]))
				continue;
			all_calls_fail(bad[i], &o, -EINVAL, true);
		}
	rt_cursor_is(last, "bad PIDs");
}

/* Cycling never comes back below 300: burners refuse with -ERANGE at once. */
HYG_TEST(input_below_floor)
{
	struct pidcycle_estimate e = { .sz = sizeof(e) };
	const pid_t below[] = { 2, 100, 299 };
	pid_t last;

	if (ns_last() < 300)
		ns_move_last(301);
	last = ns_last();
	for (size_t i = 0; i < sizeof(below) / sizeof(below[0]); i++) {
		if (!ns_pid_free(below[i]))
			continue;
		for (size_t k = 0; k < N_EVERY; k++) {
			PIDCYCLE_OPTS(o, .strategy = every[k], .max_burn = BUDGET,
				      .timeout_ms = SAFETY_MS);
			bool privileged = every[k] == PIDCYCLE_SETTID ||
					  every[k] == PIDCYCLE_LASTPID;

			/* AUTO only refuses when it has no privileged way. */
			if (privileged || !ns_has(every[k]) ||
			    (every[k] == PIDCYCLE_AUTO && ns_privileged()))
				continue;
			all_calls_fail(below[i], &o, -ERANGE, false);
		}
		assert_int_equal(pidcycle_estimate(below[i], NULL, &e), 0);
		if (!ns_privileged()) {
			assert_false(e.reachable);
			assert_int_equal(e.why, -ERANGE);
		}
	}
	rt_cursor_is(last, "targets below the wrap floor");
}

/* ---- numbers in use ----------------------------------------------------- */

static int hold_pipe[2];
static _Atomic pid_t thread_tid;

static void *tid_holder(void *arg)
{
	char c;

	(void)arg;
	thread_tid = gettid();
	return read(hold_pipe[0], &c, 1) < 0 ? arg : NULL;
}

/*
 * A child that makes a group (or a session) and leaves a grandchild in it,
 * then exits: its number then lives on only as a pgid (or only as a sid).
 * Returns that number; *member gets the grandchild (ours: we are subreaper).
 */
static pid_t orphaned_id(bool session, pid_t *member)
{
	int up[2];
	pid_t c;

	assert_int_equal(pipe(up), 0);
	c = fork();
	if (c == 0) {
		pid_t m;

		if (session ? setsid() < 0 : setpgid(0, 0) < 0)
			_exit(4);
		m = fork();
		if (m == 0) {
			char ch;

			if (session)
				setpgid(0, 0);	/* own group: c stays a sid only */
			close(hold_pipe[1]);
			_exit(read(hold_pipe[0], &ch, 1) == 0 ? 0 : 6);
		}
		if (session && m > 0)
			setpgid(m, m);	/* as the member does: done before we report */
		_exit(write(up[1], &m, sizeof(m)) == sizeof(m) && m > 0 ? 0 : 4);
	}
	hyg_own(c);
	assert_true(c > 0);
	ns_reap_ok(c);
	assert_int_equal(read(up[0], member, sizeof(*member)), sizeof(*member));
	hyg_own(*member);
	close(up[0]);
	close(up[1]);
	if (session) {
		assert_int_equal(getsid(*member), c);
		assert_int_equal(getpgid(*member), *member);
	} else {
		assert_int_equal(getpgid(*member), c);
	}
	return c;
}

static void in_use_everywhere(pid_t target, const char *what)
{
	pid_t last = ns_last();

	print_message("  in use as %s: %d\n", what, (int)target);
	for (size_t k = 0; k < N_EVERY; k++) {
		PIDCYCLE_OPTS(o, .strategy = every[k], .max_burn = BUDGET,
			      .timeout_ms = SAFETY_MS);

		if (k && !ns_has(every[k]))
			continue;
		all_calls_fail(target, &o, -EEXIST, false);
	}
	rt_cursor_is(last, what);
}

/* Own PID, PID 1, a thread's TID, a pgid, a sid, a zombie: -EEXIST. */
HYG_TEST(input_in_use)
{
	pid_t pg_member, sid_member, pgid, sid, zombie, tid;
	pthread_t th;

	assert_int_equal(pipe(hold_pipe), 0);
	assert_int_equal(pthread_create(&th, NULL, tid_holder, NULL), 0);
	pgid = orphaned_id(false, &pg_member);
	sid = orphaned_id(true, &sid_member);
	zombie = ns_make_zombie();
	while (!(tid = thread_tid))
		sched_yield();
	in_use_everywhere(getpid(), "the caller's PID");
	in_use_everywhere(1, "PID 1");
	in_use_everywhere(tid, "a thread's TID");
	in_use_everywhere(pgid, "a process group only");
	in_use_everywhere(sid, "a session only");
	in_use_everywhere(zombie, "a zombie");
	close(hold_pipe[1]);
	hyg_join(th, &tid);
	close(hold_pipe[0]);
	ns_reap_ok(pg_member);
	ns_reap_ok(sid_member);
	ns_reap_ok(zombie);
	thread_tid = 0;
}

/* ---- NULL and sizes ----------------------------------------------------- */

HYG_TEST(input_null)
{
	struct pidcycle_estimate e = { .sz = 0 };
	struct pidcycle_stats st = { .sz = 0 };
	struct pidcycle_info i = { .sz = 0 };
	pid_t last = ns_last(), r;
	int err = 0;

	assert_int_equal(pidcycle_probe(NULL), -EINVAL);
	assert_int_equal(pidcycle_probe(&i), -EINVAL);
	assert_int_equal(pidcycle_estimate(last + 10, NULL, NULL), -EINVAL);
	assert_int_equal(pidcycle_estimate(last + 10, NULL, &e), -EINVAL);
	assert_int_equal(pidcycle_burn(5, NULL, &st), -EINVAL);
	assert_null(pidcycle_strategy_name((enum pidcycle_strategy)-1));
	assert_null(pidcycle_strategy_name(PIDCYCLE_STRATEGY_MAX));
	assert_int_equal(pidcycle_strategy_parse(NULL), -EINVAL);
	rt_cursor_is(last, "calls with NULL or zero-size structs");
	/* burn(0) consumes nothing; NULL options and stats are defaults. */
	assert_int_equal(pidcycle_burn(0, NULL, NULL), 0);
	rt_cursor_is(last, "burn(0)");
	assert_int_equal(pidcycle_burn(5, NULL, NULL), 0);
	assert_int_equal(ns_last(), last + 5);
	r = last + 5 + 3;
	assert_int_equal(rt_fork_at(r, NULL, &err), RT_EXACT);
	assert_int_equal(pidcycle_set_next(ns_last() + 3, NULL), 0);
}

/* Storage for an options struct of any size, poisoned past `sz`. */
union big_opts {
	struct pidcycle_opts o;
	unsigned char b[sizeof(struct pidcycle_opts) + 64];
};

static struct pidcycle_opts *opts_of_size(union big_opts *u, size_t sz,
					  unsigned char poison)
{
	memset(u, poison, sizeof(*u));
	memset(u, 0, sz < sizeof(u->o) ? sz : sizeof(u->o));
	if (sz > sizeof(u->o))
		memset(u->b + sizeof(u->o), 0, sz - sizeof(u->o));
	u->o.sz = sz;
	return &u->o;
}

HYG_TEST(input_opts_size)
{
	size_t old_sz = offsetof(struct pidcycle_opts, threads);
	enum pidcycle_strategy fast = ns_fast_burner();
	const size_t tiny[] = { 0, 1, sizeof(size_t) - 1 };
	struct pidcycle_opts *o;
	union big_opts u;
	pid_t last;
	int err = 0;

	/* An older caller: only sz and strategy; the rest must not be read. */
	o = opts_of_size(&u, old_sz, 0xff);
	o->strategy = fast;
	assert_int_equal(rt_fork_at(ns_last() + 20, o, &err), RT_EXACT);
	o = opts_of_size(&u, sizeof(size_t), 0xff);
	assert_int_equal(pidcycle_set_next(ns_last() + 5, o), 0);
	/* A newer caller whose extra fields are all zero: accepted. */
	o = opts_of_size(&u, sizeof(u.o) + 16, 0xff);
	o->strategy = fast;
	assert_int_equal(rt_fork_at(ns_last() + 20, o, &err), RT_EXACT);
	/* ... with one unknown field set: refused, nothing done. */
	last = ns_last();
	u.b[sizeof(u.o) + 9] = 1;
	all_calls_fail(last + 50, o, -EINVAL, true);
	assert_int_equal(pidcycle_burn(5, o, NULL), -EINVAL);
	for (size_t k = 0; k < sizeof(tiny) / sizeof(tiny[0]); k++) {
		o = opts_of_size(&u, tiny[k], 0);
		all_calls_fail(last + 50, o, -EINVAL, true);
		assert_int_equal(pidcycle_burn(5, o, NULL), -EINVAL);
	}
	rt_cursor_is(last, "option structs of a wrong size");
}

HYG_TEST(input_opts_values)
{
	const int bad_strategy[] = { -1, PIDCYCLE_STRATEGY_MAX, 1000, INT_MIN };
	const unsigned int bad_threads[] = { 1025, 4096, 1u << 31, UINT_MAX };
	const char *bad_names[] = { "", "nope", "AUTO", "ghost ", " ghost", "fork\n" };
	pid_t last = ns_last();

	for (size_t k = 0; k < sizeof(bad_strategy) / sizeof(bad_strategy[0]); k++) {
		PIDCYCLE_OPTS(o, .strategy = (enum pidcycle_strategy)bad_strategy[k]);

		all_calls_fail(last + 50, &o, -EINVAL, true);
		assert_int_equal(pidcycle_burn(5, &o, NULL), -EINVAL);
	}
	for (size_t k = 0; k < sizeof(bad_threads) / sizeof(bad_threads[0]); k++) {
		PIDCYCLE_OPTS(o, .threads = bad_threads[k]);

		all_calls_fail(last + 50, &o, -EINVAL, true);
		assert_int_equal(pidcycle_burn(5, &o, NULL), -EINVAL);
	}
	for (size_t k = 0; k < sizeof(bad_names) / sizeof(bad_names[0]); k++)
		assert_int_equal(pidcycle_strategy_parse(bad_names[k]), -EINVAL);
	assert_int_equal(pidcycle_strategy_parse("ghost"), PIDCYCLE_GHOST);
	rt_cursor_is(last, "bad option values");
}

/* A strategy this caller may not use, or one that cannot do this call. */
HYG_TEST(input_strategy_denied)
{
	PIDCYCLE_OPTS(settid, .strategy = PIDCYCLE_SETTID);
	PIDCYCLE_OPTS(lastpid, .strategy = PIDCYCLE_LASTPID);
	pid_t last = ns_last(), r;

	/* set_tid cannot move the cursor; lastpid cannot burn. */
	assert_int_equal(pidcycle_set_next(last + 50, &settid), -ENOSYS);
	assert_int_equal(pidcycle_burn(5, &settid, NULL), -ENOSYS);
	assert_int_equal(pidcycle_burn(5, &lastpid, NULL), -ENOSYS);
	if (!ns_privileged()) {
		r = pidcycle_fork_at(last + 50, &settid);
		if (r == 0)
			_exit(5);
		assert_int_equal(r, -EPERM);
		r = pidcycle_fork_at(last + 50, &lastpid);
		if (r == 0)
			_exit(5);
		assert_int_equal(r, -EPERM);
		assert_int_equal(pidcycle_set_next(last + 50, &lastpid), -EPERM);
	}
	rt_cursor_is(last, "refused strategies");
}
