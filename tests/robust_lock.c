/* robust_lock.c - issue 12 item 1: a lock on ns_last_pid that anyone can take never blocks a call for long. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "robust.h"

/* The way a request takes here: the privileged write as root, else a burner. */
static enum pidcycle_strategy way(void)
{
	return ns_has(PIDCYCLE_LASTPID) ? PIDCYCLE_LASTPID : ns_fast_burner();
}

/* fork_at(target, o) must give exactly target, the child seeing it too. */
static void fork_at_exact_opts(pid_t target, const struct pidcycle_opts *o)
{
	pid_t r = ns_fork_at(target, o);

	if (r != target)
		fail_msg("fork_at(%d, %s) with the lock held: %d", (int)target,
			 pidcycle_strategy_name(o->strategy), (int)r);
}

/*
 * Another process holds LOCK_EX on its own read-only fd of ns_last_pid. A
 * call with a timeout waits for the lock half of it at most, then goes on
 * without it and succeeds. The old privileged path blocked in flock() for
 * as long as the lock was held (here: until the safety net ended the
 * holder); the old burning path failed with -ETIMEDOUT.
 */
HYG_TEST(lock_held_timeout)
{
	PIDCYCLE_OPTS(o, .strategy = way(), .timeout_ms = 1000);
	pid_t h = rb_lock_hold(), target = eng_free_from(ns_last() + 50);
	bool hung;
	int rc;

	rb_rescue_arm(h, SIGKILL);
	rc = pidcycle_set_next(target, &o);
	if (!rc)
		assert_int_equal(ns_last(), target - 1);
	fork_at_exact_opts(eng_free_from(ns_last() + 20), &o);
	hung = rb_rescued();
	rb_lock_release(h);
	print_message("lock held, %s, timeout 1 s: set_next %d%s\n",
		      pidcycle_strategy_name(o.strategy), rc,
		      hung ? " (HUNG: the safety net ended the lock holder)" : "");
	assert_false(hung);
	assert_int_equal(rc, 0);
}

static int cancel_at_once(const struct pidcycle_progress *p, void *calls)
{
	(void)p;
	++*(int *)calls;
	return 1;
}

/* The progress callback is answered while the call waits: cancel works. */
HYG_TEST(lock_held_cancel)
{
	int calls = 0;
	PIDCYCLE_OPTS(o, .strategy = way(), .progress = cancel_at_once,
		      .progress_arg = &calls, .progress_ms = 10);
	pid_t h = rb_lock_hold(), last = ns_last();
	bool hung;
	int rc;

	rb_rescue_arm(h, SIGKILL);
	rc = pidcycle_set_next(eng_free_from(last + 50), &o);
	hung = rb_rescued();
	rb_lock_release(h);
	print_message("lock held, %s, cancel: set_next %d after %d callback "
		      "call(s)%s\n", pidcycle_strategy_name(o.strategy), rc, calls,
		      hung ? " (HUNG)" : "");
	assert_false(hung);
	assert_int_equal(rc, -ECANCELED);
	assert_int_equal(calls, 1);
	assert_int_equal(ns_last(), last);	/* cancelled before any work */
}

/* Default options, no timeout: 2 s of waiting at most, then on without it. */
HYG_TEST(lock_held_defaults)
{
	pid_t h = rb_lock_hold(), target = eng_free_from(ns_last() + 50);
	bool hung;
	int rc;

	rb_rescue_arm(h, SIGKILL);
	rc = pidcycle_set_next(target, NULL);
	hung = rb_rescued();
	rb_lock_release(h);
	print_message("lock held, default options: set_next %d%s\n", rc,
		      hung ? " (HUNG: waited until the safety net ended the holder)" : "");
	assert_false(hung);
	assert_int_equal(rc, 0);
	assert_int_equal(ns_last(), target - 1);
}

/* A plain burn (the burning path, for root too) with a timeout. */
HYG_TEST(lock_held_burn)
{
	PIDCYCLE_OPTS(o, .timeout_ms = 1000);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	pid_t h = rb_lock_hold();
	bool hung;
	int rc;

	rb_rescue_arm(h, SIGKILL);
	rc = pidcycle_burn(500, &o, &st);
	hung = rb_rescued();
	rb_lock_release(h);
	print_message("lock held, burn 500, timeout 1 s: %d, %llu burnt\n", rc,
		      (unsigned long long)st.burnt);
	assert_false(hung);
	assert_int_equal(rc, 0);
	assert_int_equal(st.burnt, 500);
}
