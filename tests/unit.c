/* unit.c - cmocka unit tests: options, default workers, rate model, strategy names, wrap arithmetic, pid parsing (no PID is allocated). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "pidcycle.h"

/* A valid, far target for pidcycle_estimate(): reading never moves the cursor. */
static pid_t far_target(void)
{
	pid_t max = pc_pid_max();

	assert_true(max > PC_RESERVED_PIDS);
	return max - 1;
}

/* Options through the public API: estimate only reads, so it is safe here. */
static int estimate_with(const struct pidcycle_opts *o)
{
	struct pidcycle_estimate est = { .sz = sizeof(est) };

	return pidcycle_estimate(far_target(), o, &est);
}

/* A caller-sized options buffer: the struct followed by `extra` bytes. */
struct big_opts {
	struct pidcycle_opts o;
	unsigned char tail[32];
};

static void opts_null_is_defaults(void **state)
{
	struct pc_opts out;

	(void)state;
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(pc_opts_load(NULL, &out), 0);
	assert_int_equal(out.strategy, PIDCYCLE_AUTO);
	assert_int_equal(out.threads, 0);	/* the engine picks per request */
	assert_int_equal(out.timeout_ms, 0);
	assert_true(out.max_burn == 0);
	assert_null(out.progress);
	assert_null(out.progress_arg);
	assert_int_equal(out.progress_ms, 100);
	assert_int_equal(estimate_with(NULL), 0);
}

static void opts_full_size_values_kept(void **state)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_VFORK, .threads = 3,
		      .timeout_ms = 77, .max_burn = 1234, .progress_ms = 9);
	struct pc_opts out;

	(void)state;
	assert_int_equal(pc_opts_load(&o, &out), 0);
	assert_int_equal(out.strategy, PIDCYCLE_VFORK);
	assert_int_equal(out.threads, 3);
	assert_int_equal(out.timeout_ms, 77);
	assert_true(out.max_burn == 1234);
	assert_int_equal(out.progress_ms, 9);
	assert_int_equal(estimate_with(&o), 0);
}

/* An older caller knew only sz..threads: the bytes after sz are not its. */
static void opts_smaller_struct_gets_defaults(void **state)
{
	struct pidcycle_opts o;
	struct pc_opts out;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	o.sz = offsetof(struct pidcycle_opts, timeout_ms);
	o.strategy = PIDCYCLE_FORK;
	o.threads = 2;
	assert_int_equal(pc_opts_load(&o, &out), 0);
	assert_int_equal(out.strategy, PIDCYCLE_FORK);
	assert_int_equal(out.threads, 2);
	assert_int_equal(out.timeout_ms, 0);
	assert_true(out.max_burn == 0);
	assert_null(out.progress);
	assert_int_equal(out.progress_ms, 100);
	assert_int_equal(estimate_with(&o), 0);

	/* Only sz itself: everything else is a default. */
	o.sz = sizeof(size_t);
	assert_int_equal(pc_opts_load(&o, &out), 0);
	assert_int_equal(out.strategy, PIDCYCLE_AUTO);
	assert_int_equal(out.threads, 0);
	assert_int_equal(estimate_with(&o), 0);
}

static void opts_larger_zero_tail_ok(void **state)
{
	struct big_opts b;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.o.sz = sizeof(b);
	b.o.threads = 5;
	assert_int_equal(estimate_with(&b.o), 0);
	{
		struct pc_opts out;

		assert_int_equal(pc_opts_load(&b.o, &out), 0);
		assert_int_equal(out.threads, 5);
	}
}

static void opts_larger_nonzero_tail_einval(void **state)
{
	struct big_opts b;

	(void)state;
	for (size_t i = 0; i < sizeof(b.tail); i += 7) {
		memset(&b, 0, sizeof(b));
		b.o.sz = sizeof(b);
		b.tail[i] = 1;
		assert_int_equal(estimate_with(&b.o), -EINVAL);
	}
	/* A non-zero byte beyond sz is not the library's business. */
	memset(&b, 0, sizeof(b));
	b.o.sz = sizeof(b.o) + 4;
	b.tail[10] = 1;
	assert_int_equal(estimate_with(&b.o), 0);
}

static void opts_bad_size_einval(void **state)
{
	PIDCYCLE_OPTS(o);

	(void)state;
	o.sz = 0;
	assert_int_equal(estimate_with(&o), -EINVAL);
	o.sz = 1;
	assert_int_equal(estimate_with(&o), -EINVAL);
	o.sz = sizeof(size_t) - 1;
	assert_int_equal(estimate_with(&o), -EINVAL);
}

static void opts_bad_strategy_einval(void **state)
{
	PIDCYCLE_OPTS(o);

	(void)state;
	o.strategy = PIDCYCLE_STRATEGY_MAX;
	assert_int_equal(estimate_with(&o), -EINVAL);
	o.strategy = (enum pidcycle_strategy)-1;
	assert_int_equal(estimate_with(&o), -EINVAL);
	o.strategy = (enum pidcycle_strategy)1000;
	assert_int_equal(estimate_with(&o), -EINVAL);
}

static void opts_threads_limit(void **state)
{
	PIDCYCLE_OPTS(o);
	struct pc_opts out;

	(void)state;
	o.threads = 1024;
	assert_int_equal(pc_opts_load(&o, &out), 0);
	assert_int_equal(out.threads, 1024);
	o.threads = 1025;
	assert_int_equal(estimate_with(&o), -EINVAL);
	o.threads = UINT_MAX;
	assert_int_equal(estimate_with(&o), -EINVAL);
}

/*
 * Issue 13: past about nine ghost workers the kernel's pidmap_lock is the
 * limit (opts.c), so the default stops at 8 whatever the CPU count.
 */
static void default_threads_follow_cpus_up_to_8(void **state)
{
	(void)state;
	assert_int_equal(pc_threads_for_cpus(0), 1);
	assert_int_equal(pc_threads_for_cpus(1), 1);
	assert_int_equal(pc_threads_for_cpus(2), 2);
	assert_int_equal(pc_threads_for_cpus(8), 8);
	assert_int_equal(pc_threads_for_cpus(16), 8);
	assert_int_equal(pc_threads_for_cpus(64), 8);
	assert_int_equal(pc_threads_for_cpus(4096), 8);
	assert_true(pc_default_threads() >= 1 && pc_default_threads() <= 8);
	assert_int_equal(pc_default_threads(), pc_threads_for_cpus(pc_cpus()));
}

/*
 * The rate model: ghosts share one lock, so n of them never do 1/0.11 times
 * the work of one (the old linear model said 54x for 64); the burners that
 * make real tasks keep their measured linear model; more workers than CPUs
 * add nothing.
 */
static void rate_model_ghost_saturates(void **state)
{
	double two = pc_rate_scale(PIDCYCLE_GHOST, 2, 2);

	(void)state;
	assert_true(pc_rate_scale(PIDCYCLE_GHOST, 1, 64) == 1);
	assert_true(two > 1.7 && two < 1.9);
	assert_true(pc_rate_scale(PIDCYCLE_GHOST, 64, 64) < 1 / 0.11);
	assert_true(pc_rate_scale(PIDCYCLE_GHOST, 64, 64) > pc_rate_scale(PIDCYCLE_GHOST, 8, 8));
	assert_true(pc_rate_scale(PIDCYCLE_GHOST, 8, 2) == two);
	assert_true(pc_rate_scale(PIDCYCLE_THREAD, 2, 2) == 1 + 1.7);
	assert_true(pc_rate_scale(PIDCYCLE_THREAD, 3, 2) == 1 + 1.7);
	assert_true(pc_rate_model(PIDCYCLE_GHOST, 64) >= pc_rate_model(PIDCYCLE_GHOST, 1));
}

/* fork_at/fork_min/set_next/burn must refuse bad options before any work. */
static void opts_checked_by_every_entry(void **state)
{
	struct big_opts bad[4];
	pid_t target = far_target();

	(void)state;
	if (getpid() != 1) {
		/* A library that did not check would move this namespace's cursor. */
		print_message("[ SKIP-WHY ] needs a private PID namespace "
			      "(make check-unit runs one)\n");
		skip();
	}
	memset(bad, 0, sizeof(bad));
	for (int k = 0; k < 4; k++)
		bad[k].o.sz = sizeof(bad[k].o);
	bad[0].o.sz = 0;
	bad[1].o.strategy = PIDCYCLE_STRATEGY_MAX;
	bad[2].o.threads = 1025;
	bad[3].o.sz = sizeof(bad[3]);
	bad[3].tail[3] = 9;
	for (int k = 0; k < 4; k++) {
		pid_t r = pidcycle_fork_at(target, &bad[k].o);

		if (r == 0)
			_exit(0);
		assert_int_equal(r, -EINVAL);
		r = pidcycle_fork_min(target, &bad[k].o);
		if (r == 0)
			_exit(0);
		assert_int_equal(r, -EINVAL);
		assert_int_equal(pidcycle_set_next(target, &bad[k].o), -EINVAL);
		assert_int_equal(pidcycle_burn(10, &bad[k].o, NULL), -EINVAL);
	}
}

static const char *const expected_names[PIDCYCLE_STRATEGY_MAX] = {
	"auto", "settid", "lastpid", "ghost", "thread", "vfork", "fork",
};

static void strategy_names_round_trip(void **state)
{
	(void)state;
	for (int s = 0; s < PIDCYCLE_STRATEGY_MAX; s++) {
		const char *n = pidcycle_strategy_name(s);

		assert_non_null(n);
		assert_string_equal(n, expected_names[s]);
		assert_int_equal(pidcycle_strategy_parse(n), s);
	}
}

static void strategy_names_unknown(void **state)
{
	(void)state;
	assert_null(pidcycle_strategy_name(PIDCYCLE_STRATEGY_MAX));
	assert_null(pidcycle_strategy_name((enum pidcycle_strategy)-1));
	assert_int_equal(pidcycle_strategy_parse("bogus"), -EINVAL);
	assert_int_equal(pidcycle_strategy_parse(""), -EINVAL);
	assert_int_equal(pidcycle_strategy_parse("ghost "), -EINVAL);
	assert_int_equal(pidcycle_strategy_parse("forks"), -EINVAL);
	assert_int_equal(pidcycle_strategy_parse(NULL), -EINVAL);
}

/* kernel/pid.c: the floor is 300 once the cursor (last + 1) is above 300. */
static void wrap_floor_rule(void **state)
{
	(void)state;
	assert_int_equal(pc_wrap_floor(0), 1);
	assert_int_equal(pc_wrap_floor(1), 1);
	assert_int_equal(pc_wrap_floor(150), 1);
	assert_int_equal(pc_wrap_floor(299), 1);
	assert_int_equal(pc_wrap_floor(300), 300);
	assert_int_equal(pc_wrap_floor(301), 300);
	assert_int_equal(pc_wrap_floor(4194303), 300);
}

static struct pc_geom geom(pid_t pid_max, pid_t last)
{
	struct pc_geom g = { .pid_max = pid_max, .last = last,
			     .floor = pc_wrap_floor(last) };
	return g;
}

static void distance_ahead(void **state)
{
	struct pc_geom g = geom(5000, 1000);
	bool wraps = true;

	(void)state;
	assert_int_equal(pc_raw_distance(&g, 1500, &wraps), 499);
	assert_false(wraps);
	wraps = true;
	assert_int_equal(pc_raw_distance(&g, 1001, &wraps), 0);
	assert_false(wraps);
	assert_int_equal(pc_raw_distance(&g, 1002, &wraps), 1);
	assert_int_equal(pc_raw_distance(&g, 4999, &wraps), 3998);
	assert_false(wraps);
}

static void distance_behind_wraps_to_300(void **state)
{
	struct pc_geom g = geom(5000, 4000);
	bool wraps = false;

	(void)state;
	/* 4001..4999 (999 numbers), then 300..399 (100 numbers). */
	assert_int_equal(pc_raw_distance(&g, 400, &wraps), 1099);
	assert_true(wraps);
	wraps = false;
	assert_int_equal(pc_raw_distance(&g, 300, &wraps), 999);
	assert_true(wraps);
	/* The last PID itself comes up only after a full lap. */
	wraps = false;
	assert_int_equal(pc_raw_distance(&g, 4000, &wraps), 999 + 3700);
	assert_true(wraps);
}

static void distance_at_the_top(void **state)
{
	struct pc_geom g = geom(5000, 4999);
	bool wraps;

	(void)state;
	/* The next allocation wraps: 300 is next. */
	assert_int_equal(pc_raw_distance(&g, 300, &wraps), 0);
	assert_int_equal(pc_raw_distance(&g, 310, &wraps), 10);
}

static void distance_below_floor_erange(void **state)
{
	struct pc_geom g = geom(5000, 4000);
	bool wraps;

	(void)state;
	assert_int_equal(pc_raw_distance(&g, 299, &wraps), -ERANGE);
	assert_int_equal(pc_raw_distance(&g, 100, &wraps), -ERANGE);
	assert_int_equal(pc_raw_distance(&g, 1, &wraps), -ERANGE);
}

static void distance_out_of_range_einval(void **state)
{
	struct pc_geom g = geom(5000, 4000);
	bool wraps;

	(void)state;
	assert_int_equal(pc_raw_distance(&g, 0, &wraps), -EINVAL);
	assert_int_equal(pc_raw_distance(&g, -1, &wraps), -EINVAL);
	assert_int_equal(pc_raw_distance(&g, 5000, &wraps), -EINVAL);
	assert_int_equal(pc_raw_distance(&g, 5001, &wraps), -EINVAL);
	assert_int_equal(pc_raw_distance(&g, INT_MAX, &wraps), -EINVAL);
}

/*
 * A fresh namespace (last < 300): numbers ahead are reachable down to 1, but
 * the way round starts when the cursor is at pid_max (> 300), so it lands on
 * 300: a small number behind the cursor can never come up again.
 */
static void distance_fresh_namespace(void **state)
{
	struct pc_geom g = geom(5000, 100);
	bool wraps = true;

	(void)state;
	assert_int_equal(g.floor, 1);
	assert_int_equal(pc_raw_distance(&g, 101, &wraps), 0);
	assert_false(wraps);
	assert_int_equal(pc_raw_distance(&g, 250, &wraps), 149);
	assert_false(wraps);
	assert_int_equal(pc_raw_distance(&g, 50, &wraps), -ERANGE);
	assert_int_equal(pc_raw_distance(&g, 100, &wraps), -ERANGE);
	/* Just past 1: the first numbers are still ahead. */
	g = geom(5000, 1);
	assert_int_equal(pc_raw_distance(&g, 2, &wraps), 0);
	assert_false(wraps);
}

static void parse_pid_good(void **state)
{
	pid_t v = -7;

	(void)state;
	assert_int_equal(pc_parse_pid("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(pc_parse_pid("1\n", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(pc_parse_pid("  4194303 \n", &v), 0);
	assert_int_equal(v, 4194303);
	assert_int_equal(pc_parse_pid("2147483647", &v), 0);
	assert_int_equal(v, INT_MAX);
}

static void parse_pid_bad(void **state)
{
	static const char *const bad[] = {
		"", " ", "\n", "abc", "12abc", "1 2", "0x10", "-5", "- 5", "4.2",
	};
	static const char *const overflow[] = {
		"2147483648", "99999999999999999999999",
	};
	pid_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 123;
		if (pc_parse_pid(bad[i], &v) >= 0 || v != 123)
			fail_msg("pc_parse_pid(\"%s\") accepted (%d)", bad[i], (int)v);
	}
	for (size_t i = 0; i < sizeof(overflow) / sizeof(overflow[0]); i++) {
		v = 123;
		assert_true(pc_parse_pid(overflow[i], &v) < 0);
		assert_int_equal(v, 123);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opts_null_is_defaults),
		cmocka_unit_test(opts_full_size_values_kept),
		cmocka_unit_test(opts_smaller_struct_gets_defaults),
		cmocka_unit_test(opts_larger_zero_tail_ok),
		cmocka_unit_test(opts_larger_nonzero_tail_einval),
		cmocka_unit_test(opts_bad_size_einval),
		cmocka_unit_test(opts_bad_strategy_einval),
		cmocka_unit_test(opts_threads_limit),
		cmocka_unit_test(opts_checked_by_every_entry),
		cmocka_unit_test(default_threads_follow_cpus_up_to_8),
		cmocka_unit_test(rate_model_ghost_saturates),
		cmocka_unit_test(strategy_names_round_trip),
		cmocka_unit_test(strategy_names_unknown),
		cmocka_unit_test(wrap_floor_rule),
		cmocka_unit_test(distance_ahead),
		cmocka_unit_test(distance_behind_wraps_to_300),
		cmocka_unit_test(distance_at_the_top),
		cmocka_unit_test(distance_below_floor_erange),
		cmocka_unit_test(distance_out_of_range_einval),
		cmocka_unit_test(distance_fresh_namespace),
		cmocka_unit_test(parse_pid_good),
		cmocka_unit_test(parse_pid_bad),
	};

	return cmocka_run_group_tests_name("unit", tests, NULL, NULL);
}
