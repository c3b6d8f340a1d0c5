/* robust_stop.c - issue 12 items 5 and 7: a stopped helper never hangs a call; timeouts hold with slow burners. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"	/* pc_pool_*, pc_rate_model */
#include "robust.h"

#define BIG_BURN 10000000ull

/* The progress callback that SIGSTOPs one helper at its first call. */
struct stopper {
	int calls;
	int cancel_at;		/* 0: never cancel */
	pid_t stopped;
};

/* In a callback: no cmocka assert, it would jump out of the library. */
static int stop_a_helper(const struct pidcycle_progress *p, void *arg)
{
	struct stopper *s = arg;
	pid_t kids[4];

	(void)p;
	if (s->calls++ == 0 && ns_children(kids, 4) > 0) {
		s->stopped = kids[0];
		hyg_own(kids[0]);	/* its CLD_STOPPED SIGCHLD is ours */
		kill(kids[0], SIGSTOP);
		rb_rescue_arm(kids[0], SIGCONT);
	}
	return s->cancel_at && s->calls >= s->cancel_at;
}

static int burn_with_stopper(struct stopper *s, struct pidcycle_stats *st,
			     bool *hung)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .threads = 2,
		      .timeout_ms = 1000, .progress = stop_a_helper,
		      .progress_arg = s, .progress_ms = 10);
	int rc;

	rb_rescue_arm(0, 0);
	rc = pidcycle_burn(BIG_BURN, &o, st);
	*hung = rb_rescued();
	print_message("helper %d stopped during a burn: %d after %llu burnt, "
		      "%d callback calls%s\n", (int)s->stopped, rc,
		      (unsigned long long)st->burnt, s->calls,
		      *hung ? " (HUNG: the safety net sent SIGCONT)" : "");
	return rc;
}

/*
 * A helper SIGSTOPped mid-burn (any process of the same uid may) is a failed
 * helper: the call returns (-ECHILD, or -ETIMEDOUT), the pool is killed and
 * reaped, nothing is left. The old code waited for the stopped helper's
 * batch for ever: past the timeout and past cancel.
 */
HYG_TEST(stopped_helper_burn)
{
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct stopper s = { 0 };
	bool hung;
	int rc = burn_with_stopper(&s, &st, &hung);

	assert_true(s.stopped > 0);
	assert_false(hung);
	if (rc != -ECHILD && rc != -ETIMEDOUT)
		fail_msg("burn with a stopped helper: %d, not -ECHILD/-ETIMEDOUT", rc);
	assert_true(st.burnt < BIG_BURN);
}

/* The same, cancelled by the callback's third call: cancel is what it says. */
HYG_TEST(stopped_helper_cancel)
{
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct stopper s = { .cancel_at = 3 };
	bool hung;
	int rc = burn_with_stopper(&s, &st, &hung);

	assert_true(s.stopped > 0);
	assert_false(hung);
	assert_int_equal(rc, -ECANCELED);
	assert_int_equal(s.calls, 3);
}

/* Stopping a pool one of whose helpers is stopped: it is killed and reaped. */
HYG_TEST(stopped_helper_pool_stop)
{
	struct pc_pool *p = NULL;
	pid_t kids[4];
	bool hung;

	assert_int_equal(pc_pool_start(&p, PIDCYCLE_THREAD, 2), 0);
	assert_int_equal(ns_children(kids, 4), 2);
	hyg_own(kids[1]);
	assert_int_equal(kill(kids[1], SIGSTOP), 0);
	rb_rescue_arm(kids[1], SIGCONT);
	pc_pool_stop(p);
	hung = rb_rescued();
	print_message("pool stop with helper %d stopped%s\n", (int)kids[1],
		      hung ? ": HUNG (the safety net sent SIGCONT)" : ": done");
	assert_false(hung);
}

/*
 * A fork burner in a caller with a big touched heap forks about a hundred
 * times a second here (page tables are copied before the PID is taken).
 * The old engine sized its first batch from the model rate, a batch of
 * SLICE at thousands a second, and waited for all of it: seconds past a
 * 200 ms timeout. Now the first batch is small, later ones follow the
 * measured rate, and the deadline halts a running batch. Checked on the
 * count, not the clock: fewer than one model-rate batch is consumed.
 */
#define HEAP_MB 256
#define ENGINE_SLICE_SEC 0.05	/* engine.c SLICE_SEC */

HYG_TEST(slow_fork_timeout)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_FORK, .threads = 1, .timeout_ms = 200);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	size_t len = (size_t)HEAP_MB << 20;
	double model_batch = pc_rate_model(PIDCYCLE_FORK, 1) * ENGINE_SLICE_SEC;
	char *heap = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc;

	assert_true(heap != MAP_FAILED);
	madvise(heap, len, MADV_NOHUGEPAGE);	/* huge pages would fork fast */
	memset(heap, 1, len);
	rc = pidcycle_burn(BIG_BURN, &o, &st);
	munmap(heap, len);
	print_message("fork burn, %d MiB heap, timeout 200 ms: %d, %llu burnt in "
		      "%.3f s (%.0f/s); a model-rate batch is %.0f\n", HEAP_MB, rc,
		      (unsigned long long)st.burnt, st.seconds, st.pids_per_sec,
		      model_batch);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(st.burnt > 0);
	if (st.burnt >= model_batch)
		fail_msg("%llu burnt: a whole model-rate batch (%.0f) ran past "
			 "the timeout", (unsigned long long)st.burnt, model_batch);
}
