/* exactness.c - how often pidcycle_fork_at hits seeded random targets, idle and under a forker. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

#define TIMEOUT_MS 20000
#define LOAD_PER_SEC 1000

enum cat { C_AHEAD, C_BEHIND, C_EDGE_TOP, C_EDGE_FLOOR, C_NEAR, C_ALL, C_N };

static const char *const cat_name[C_N] = {
	"ahead, random", "behind (wraps)", "edge: pid_max-16..-1",
	"edge: 300..315", "near: 1..8 ahead", "all",
};

struct row {
	int tries, hit, missed, timedout, taken, false_, other, wraps;
	double ms_sum, ms_max;
	double hop_sum;
};

/* Shared with PID 1, which prints the summary lines. */
struct results {
	struct row r[C_N];
	int hygiene_ok;
};

static struct results *res;
static uint64_t rng;
static int n_targets = 200;
static bool under_load;

/* xorshift64*: the same targets for the same seed on any libc. */
static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static pid_t pick(enum cat *c, pid_t last, pid_t max)
{
	unsigned int u = next_rand() % 100;
	uint64_t r = next_rand();

	if (u < 30 && last > 310) {
		*c = C_BEHIND;
		return 300 + (pid_t)(r % (uint64_t)(last - 300));
	}
	if (u < 35) {
		*c = C_EDGE_TOP;
		return max - 1 - (pid_t)(r % 16);
	}
	if (u < 40) {
		*c = C_EDGE_FLOOR;
		return 300 + (pid_t)(r % 16);
	}
	if (u < 50 && last + 8 < max) {
		*c = C_NEAR;
		return last + 1 + (pid_t)(r % 8);
	}
	*c = C_AHEAD;
	return last + 1 >= max - 1 ? 300 : last + 1 + (pid_t)(r % (uint64_t)(max - 1 - last));
}

/* A free number at `t` or just after it, wrapping in [300, max). */
static pid_t free_at(pid_t t)
{
	return ns_pid_free(t) ? t : eng_free_from(t + 1);
}

static void count(struct row *w, int outcome, double ms, double hop, bool wraps)
{
	w->tries++;
	w->wraps += wraps;
	w->ms_sum += ms;
	w->ms_max = ms > w->ms_max ? ms : w->ms_max;
	w->hop_sum += hop;
	if (outcome == 1)
		w->hit++;
	else if (outcome == -1)
		w->false_++;
	else if (outcome == -EAGAIN || outcome == -ETIMEDOUT) {
		w->missed++;
		w->timedout += outcome == -ETIMEDOUT;
	}
	else if (outcome == -EEXIST)
		w->taken++;
	else
		w->other++;
}

/* One request: 1 hit, -1 false success, else the -errno it failed with. */
static int one(pid_t target)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_AUTO, .timeout_ms = TIMEOUT_MS);
	pid_t r = pidcycle_fork_at(target, &o);
	int st;

	if (r == 0)
		ns_child_exit_if(target);
	if (r < 0)
		return r;
	hyg_own(r);
	st = ns_reap(r);
	if (r != target || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		print_error("FALSE SUCCESS: target %d, got %d, child status 0x%x\n",
			    (int)target, (int)r, st);
		return -1;
	}
	return 1;
}

static void request(int i)
{
	struct pidcycle_estimate e = { .sz = sizeof(e) };
	pid_t last = ns_last(), max = ns_pid_max(), target;
	struct hyg_snap snap;
	double t0;
	enum cat c;
	int out;

	target = free_at(pick(&c, last, max));
	assert_int_equal(pidcycle_estimate(target, NULL, &e), 0);
	hyg_take(&snap);	/* each request leaves everything as it was */
	t0 = eng_now_ms();
	out = one(target);
	t0 = eng_now_ms() - t0;
	hyg_check(&snap);
	count(&res->r[c], out, t0, e.distance + e.in_use, e.wraps);
	count(&res->r[C_ALL], out, t0, e.distance + e.in_use, e.wraps);
	if (out != 1 && getenv("EXACTNESS_VERBOSE"))
		print_message("#%d: target %d from %d (%s): %d after %.0f ms\n", i,
			      (int)target, (int)last, cat_name[c], out, t0);
}

static void print_table(void)
{
	print_message("| targets | tries | hit | missed | of which timed out | "
		      "taken | false | other | wrapped | mean hop | mean ms | "
		      "max ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (int c = 0; c < C_N; c++) {
		const struct row *w = &res->r[c];

		if (!w->tries)
			continue;
		print_message("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %.0f | "
			      "%.1f | %.1f |\n", cat_name[c], w->tries, w->hit,
			      w->missed, w->timedout, w->taken, w->false_,
			      w->other, w->wraps, w->hop_sum / w->tries, w->ms_sum / w->tries, w->ms_max);
	}
}

/* Threads, fds, limits and mask as at the start (children: per request). */
static void same_state(const struct hyg_snap *a)
{
	struct hyg_snap b;

	hyg_take(&b);
	assert_int_equal(b.tasks, a->tasks);
	assert_int_equal(b.nfds, a->nfds);
	assert_memory_equal(b.fds, a->fds, sizeof(b.fds));
	assert_memory_equal(&b.nofile, &a->nofile, sizeof(b.nofile));
	assert_memory_equal(&b.nproc, &a->nproc, sizeof(b.nproc));
	assert_memory_equal(&b.mask, &a->mask, sizeof(b.mask));
}

static void exactness(void **state)
{
	struct hyg_snap start;

	(void)state;
	hyg_take(&start);
	print_message("exactness%s: %d targets, pid_max %d, uid %d, auto = %s, "
		      "timeout %d ms, last_pid %d\n", under_load ? " under load" : "",
		      n_targets, (int)ns_pid_max(), (int)getuid(),
		      pidcycle_strategy_name(ns_info.auto_strategy), TIMEOUT_MS,
		      (int)ns_last());
	for (int i = 0; i < n_targets; i++)
		request(i);
	print_table();
	same_state(&start);
	res->hygiene_ok = 1;
	assert_int_equal(res->r[C_ALL].false_, 0);
	assert_int_equal(res->r[C_ALL].other, 0);
	if (!under_load)
		assert_int_equal(res->r[C_ALL].taken, 0);
}

static int setup(void **state)
{
	(void)state;
	return pidcycle_probe(&ns_info);
}

static int runner(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(exactness) };

	hyg_init();
	return cmocka_run_group_tests_name(under_load ? "exactness-load" :
					   "exactness-idle", tests, setup, NULL);
}

/* ---- PID 1: the phases, the load, the summary -------------------------- */

/* Run the runner in a child; the load (if any) is our child, not its. */
static int phase(bool load, uint64_t seed)
{
	pid_t l = 0, t, r;
	uint64_t forks = 0;
	double t0 = eng_now_ms(), secs;
	int st = 0, rc;
	const struct row *a = &res->r[C_ALL];

	memset(res, 0, sizeof(*res));
	rng = seed;
	under_load = load;
	if (load)
		l = eng_load_start(LOAD_PER_SEC);
	t = fork();
	if (t == 0)
		exit(runner() ? 1 : 0);
	while ((r = waitpid(t, &st, 0)) != t)
		if (r < 0 && errno != EINTR)
			return 2;
	secs = (eng_now_ms() - t0) / 1e3;
	if (l > 0)
		forks = eng_load_stop(l);	/* by PID: the one we started */
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;	/* what the runner left to us, PID 1 */
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (load)
		printf("exactness under load (%.0f forks/s): %d hit, %d missed, "
		       "%d false; success rate %.1f%%, %d refused -EEXIST, %.1f s\n",
		       forks / secs, a->hit, a->missed, a->false_,
		       a->tries ? 100.0 * a->hit / a->tries : 0, a->taken, secs);
	else
		printf("exactness: %d hit, %d missed, %d false (%.1f s)\n", a->hit,
		       a->missed, a->false_, secs);
	if (!res->hygiene_ok)
		printf("exactness: the run stopped early (see the error above)\n");
	fflush(stdout);
	return rc;
}

int main(void)
{
	const char *s = getenv("EXACTNESS_SEED"), *n = getenv("EXACTNESS_N");
	uint64_t seed = s ? strtoull(s, NULL, 0) : 0x5eed2024ull;
	int a, b;

	if (getpid() != 1) {
		fprintf(stderr, "exactness: must run as PID 1 of a private PID namespace "
			"(make exactness)\n");
		return 2;
	}
	if (n && atoi(n) > 0)
		n_targets = atoi(n);
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return 2;
	printf("exactness: seed 0x%llx (EXACTNESS_SEED), %d targets per run "
	       "(EXACTNESS_N)\n", (unsigned long long)seed, n_targets);
	fflush(stdout);
	a = phase(false, seed);
	b = phase(true, seed);
	return a ? a : b;
}
