/* engine_load.c - engine tests under concurrent load: losing is allowed, lying is not. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

#define LOAD_PER_SEC 1000
/* Keep clear of the numbers the load is about to take. */
#define LOAD_GAP 200

/*
 * A target about `k`-th of the way round from the cursor (Knuth's
 * multiplicative hash spreads them), never within LOAD_GAP of it: so some
 * are ahead, some behind (a wrap), and none is in the load's hands when
 * the request starts.
 */
static pid_t spread_target(unsigned int k)
{
	pid_t max = ns_pid_max(), last = ns_last();
	uint32_t span = (uint32_t)(max - 300), off;

	off = LOAD_GAP + (uint32_t)((k + 1) * 2654435761u) % (span - 2 * LOAD_GAP);
	return eng_free_from(300 + (pid_t)(((uint32_t)(last - 300) + off) % span));
}

/* `requests` exact PIDs with strategy s while the load runs. */
static void under_load(enum pidcycle_strategy s, unsigned int requests)
{
	PIDCYCLE_OPTS(o, .strategy = s, .timeout_ms = 20000);
	int hits = 0, again = 0, timedout = 0;
	double t0, secs;
	uint64_t forks;
	pid_t load;

	ns_need(s);
	eng_need_low_pid_max();
	load = eng_load_start(LOAD_PER_SEC);
	t0 = eng_now_ms();
	for (unsigned int k = 0; k < requests; k++) {
		int err = 0;

		if (eng_fork_at_try(spread_target(k), &o, &err))
			hits++;
		else if (err == -EAGAIN)
			again++;
		else
			timedout++;
	}
	forks = eng_load_stop(load);
	secs = (eng_now_ms() - t0) / 1e3;
	print_message("under load (%s): %d of %d exact, %d -EAGAIN, %d -ETIMEDOUT, "
		      "0 false; load %.0f forks/s over %.1f s\n",
		      pidcycle_strategy_name(s), hits, requests, again,
		      timedout, forks / secs, secs);
	/* The load really ran, and the library was not simply giving up. */
	assert_true(forks > 0);
	assert_true(hits > 0);
}

/* A lost race costs a lap: ~0.1 s for ghosts, ~0.5-1 s for threads here. */
HYG_TEST(concurrent_load_ghost) { under_load(PIDCYCLE_GHOST, 12); }
HYG_TEST(concurrent_load_thread) { under_load(PIDCYCLE_THREAD, 4); }
