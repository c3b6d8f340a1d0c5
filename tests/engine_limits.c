/* engine_limits.c - engine tests of timeout, cancel, budget, ghost tasks and worker counts. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "internal.h"	/* PC_ANCHOR_SPAN, PC_ANCHORS_KEPT */

#define BIG_BURN 10000000ull

/*
 * Where a burn of st->burnt numbers from `last` must have left the cursor:
 * the allocator's model, with the burn's helpers (they take the first
 * numbers and stay alive) in use. So `burnt` counts exactly what was consumed.
 */
static void cursor_matches(struct eng_used *u, pid_t last,
			   const struct pidcycle_stats *st)
{
	pid_t want = eng_model_burn(u, last, ns_pid_max(), st->burnt, st->threads);

	if (ns_last() != want)
		fail_msg("burnt %llu from %d with %u helpers: the cursor should be "
			 "at %d, it is at %d", (unsigned long long)st->burnt,
			 (int)last, st->threads, (int)want, (int)ns_last());
}

HYG_TEST(burn_timeout)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .timeout_ms = 200);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct eng_used u;
	pid_t last;

	eng_used_scan(&u);
	last = ns_last();
	assert_int_equal(pidcycle_burn(BIG_BURN, &o, &st), -ETIMEDOUT);
	print_message("timeout 200 ms: burnt %llu in %.3f s (%s, %u helpers)\n",
		      (unsigned long long)st.burnt, st.seconds,
		      pidcycle_strategy_name(st.strategy), st.threads);
	assert_true(st.burnt > 0 && st.burnt < BIG_BURN);
	assert_int_equal(st.strategy, ns_fast_burner());
	/* Not a wall-clock bound: giving up before the timeout is the bug. */
	assert_true(st.seconds >= 0.2 - 1e-3);
	cursor_matches(&u, last, &st);
}

struct prog_log {
	int calls;
	struct pidcycle_progress p[8];
};

static int cancel_third(const struct pidcycle_progress *p, void *user)
{
	struct prog_log *l = user;

	if (l->calls < 8)
		l->p[l->calls] = *p;
	return ++l->calls >= 3;
}

static void progress_sane(const struct prog_log *l, pid_t max)
{
	for (int i = 0; i < l->calls && i < 8; i++) {
		const struct pidcycle_progress *p = &l->p[i];

		print_message("progress %d: burnt %llu remaining %llu rate %.0f/s "
			      "eta %.2f s last_pid %d\n", i + 1,
			      (unsigned long long)p->burnt,
			      (unsigned long long)p->remaining, p->rate, p->eta_sec,
			      (int)p->last_pid);
		assert_int_equal(p->target, 0);
		assert_int_equal(p->burnt + p->remaining, BIG_BURN);
		assert_true(p->last_pid >= 0 && p->last_pid < max);
		assert_true(p->rate >= 0 && p->eta_sec >= 0);
		if (i > 0)	/* a batch ran between two calls */
			assert_true(p->burnt > l->p[i - 1].burnt && p->rate > 0);
		if (p->rate > 0)
			assert_true(fabs(p->eta_sec - p->remaining / p->rate) <=
				    1e-6 * p->eta_sec + 1e-9);
	}
}

HYG_TEST(burn_cancel_progress)
{
	struct prog_log log = { 0 };
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .progress = cancel_third,
		      .progress_arg = &log, .progress_ms = 10);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct eng_used u;
	pid_t last;

	eng_used_scan(&u);
	last = ns_last();
	assert_int_equal(pidcycle_burn(BIG_BURN, &o, &st), -ECANCELED);
	/* Cancelled by the 3rd call: there must be no 4th. */
	assert_int_equal(log.calls, 3);
	progress_sane(&log, ns_pid_max());
	assert_true(st.burnt >= log.p[2].burnt && st.burnt < BIG_BURN);
	cursor_matches(&u, last, &st);
}

/* A budget below the request: -ETIMEDOUT having consumed at most max_burn. */
static void budget(enum pidcycle_strategy s, unsigned int threads,
		   uint64_t max_burn)
{
	PIDCYCLE_OPTS(o, .strategy = s, .threads = threads, .max_burn = max_burn);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct eng_used u;
	pid_t last;

	ns_need(s);
	eng_used_scan(&u);
	last = ns_last();
	assert_int_equal(pidcycle_burn(1000000, &o, &st), -ETIMEDOUT);
	print_message("max_burn %llu (%s, %u threads): burnt %llu\n",
		      (unsigned long long)max_burn, pidcycle_strategy_name(s),
		      threads, (unsigned long long)st.burnt);
	assert_true(st.burnt > 0 && st.burnt <= max_burn);
	cursor_matches(&u, last, &st);
	/* A request that fits the budget exactly is not refused. */
	eng_used_scan(&u);
	last = ns_last();
	assert_int_equal(pidcycle_burn(max_burn, &o, &st), 0);
	assert_int_equal(st.burnt, max_burn);
	cursor_matches(&u, last, &st);
}

HYG_TEST(burn_max_burn)
{
	budget(ns_fast_burner(), 1, 5000);
	budget(ns_fast_burner(), 2, 3001);
	budget(PIDCYCLE_THREAD, 2, 700);
}

/* ---- ghosts create no task --------------------------------------------- */

#define GHOST_BURN 200000
#define GHOST_WORKERS 2

struct ghost_result {
	int rc;
	struct pidcycle_stats st;
};

static pid_t ghost_burner(int fd)
{
	pid_t b = fork();

	if (b == 0) {
		PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_GHOST,
			      .threads = GHOST_WORKERS);
		struct ghost_result res = { .st = { .sz = sizeof(res.st) } };

		res.rc = pidcycle_burn(GHOST_BURN, &o, &res.st);
		_exit(write(fd, &res, sizeof(res)) == sizeof(res) ? 0 : 9);
	}
	assert_true(b > 0);
	hyg_own(b);
	return b;
}

static bool still_running(pid_t pid)
{
	siginfo_t si = { 0 };

	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT), 0);
	return si.si_pid != pid;
}

/* Count the namespace's tasks until `pid` exits: the most seen. */
static int most_tasks_while(pid_t pid, int *samples)
{
	int most = 0;

	while (still_running(pid)) {
		int n = eng_count_tasks();

		most = n > most ? n : most;
		(*samples)++;
		usleep(200);
	}
	return most;
}

/*
 * A ghost burn in a child while we count every task of the namespace and
 * the machine's fork counter. Ghosts make no task: the only ones are the
 * child, its helpers and their anchors (anchors.c: one per PC_ANCHOR_SPAN
 * numbers, at most PC_ANCHORS_KEPT + 1 alive per helper). So the counter
 * moves by about GHOST_BURN / PC_ANCHOR_SPAN, far below the GHOST_BURN a
 * task per number would add (the bound, 4x that, leaves the rest of the
 * machine room for its own forks: the counter is global), and at least
 * half that (anchors are in use);
 * the namespace is back to its baseline after, and the cursor exactly where
 * GHOST_BURN allocations put it.
 */
HYG_TEST(ghost_creates_no_task)
{
	const unsigned long long anchors = GHOST_BURN / PC_ANCHOR_SPAN;
	const int alive = 1 + GHOST_WORKERS * (2 + PC_ANCHORS_KEPT);
	struct ghost_result res;
	struct eng_used u;
	int fds[2], base, most, samples = 0;
	unsigned long long forks;
	pid_t last, b, want;

	ns_need(PIDCYCLE_GHOST);
	assert_int_equal(pipe(fds), 0);
	eng_used_scan(&u);
	base = eng_count_tasks();
	last = ns_last();
	forks = ns_forks_so_far();
	b = ghost_burner(fds[1]);
	most = most_tasks_while(b, &samples);
	ns_reap_ok(b);
	forks = ns_forks_so_far() - forks;
	assert_int_equal(read(fds[0], &res, sizeof(res)), sizeof(res));
	close(fds[0]);
	close(fds[1]);
	print_message("ghost burn of %d: %llu tasks created on the machine "
		      "(about %llu anchors expected), %d task samples, baseline "
		      "%d, at most %d, %.0f PIDs/s\n", GHOST_BURN, forks, anchors,
		      samples, base, most, res.st.pids_per_sec);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.st.burnt, GHOST_BURN);
	assert_int_equal(res.st.strategy, PIDCYCLE_GHOST);
	assert_int_equal(res.st.threads, GHOST_WORKERS);
	if (forks > 4 * anchors)
		fail_msg("%llu tasks created for a ghost burn of %d: ghosts made "
			 "tasks", forks, GHOST_BURN);
	if (forks < anchors / 2)
		fail_msg("%llu tasks created for a ghost burn of %d: the anchors "
			 "(one per %d numbers) did not run", forks, GHOST_BURN,
			 PC_ANCHOR_SPAN);
	if (most > base + alive)
		fail_msg("%d tasks seen during a ghost burn: baseline %d + burner, "
			 "%d helpers and their anchors", most, base, GHOST_WORKERS);
	/* The sampler saw the burner and a helper: it would see more. */
	assert_true(most >= base + 2);
	assert_int_equal(eng_count_tasks(), base);
	/* The model: b first, then the helpers (alive), then the ghosts. */
	want = eng_alloc_after(&u, last, ns_pid_max());
	assert_int_equal(b, want);
	eng_used_add(&u, b);
	want = eng_model_burn(&u, want, ns_pid_max(), GHOST_BURN, GHOST_WORKERS);
	assert_int_equal(ns_last(), want);
}

/* ---- one worker and two ------------------------------------------------- */

static void exact_threads(pid_t target, enum pidcycle_strategy s,
			  unsigned int threads)
{
	PIDCYCLE_OPTS(o, .strategy = s, .threads = threads);
	int err = 0;

	if (!ns_pid_free(target))
		target = eng_free_from(target);
	if (!eng_fork_at_try(target, &o, &err))
		fail_msg("%s with %u workers: fork_at(%d) = %d, last %d",
			 pidcycle_strategy_name(s), threads, (int)target, err,
			 (int)ns_last());
	assert_int_equal(ns_last(), target);
}

static void workers_one_two(enum pidcycle_strategy s)
{
	pid_t max = ns_pid_max();

	ns_need(s);
	for (unsigned int w = 1; w <= 2; w++) {
		exact_threads(ns_last() + 1, s, w);
		exact_threads(ns_last() + 3, s, w);
		if (ns_last() + 3000 < max)
			exact_threads(ns_last() + 3000, s, w);
		if (max <= 100000)	/* a wrap is cheap: go round */
			exact_threads(eng_free_from(ns_last() / 2 + 150), s, w);
	}
}

HYG_TEST(workers_one_two_ghost) { workers_one_two(PIDCYCLE_GHOST); }
HYG_TEST(workers_one_two_thread) { workers_one_two(PIDCYCLE_THREAD); }
