/* engine.c - steer the allocator to a target: adaptive batches, re-measured. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* A batch should take about this long, so timeout, progress and cancel bite. */
#define SLICE_SEC 0.05
/*
 * Within this many numbers of the target, which of them are in use is taken
 * once from a fresh scan (pc_inuse_window); from there on each step costs a
 * cursor read, so the last steps and the checked fork follow each other fast
 * and leave other processes little time to take a number in between.
 */
#define LIVE_WINDOW 512
/* Hops shorter than this run on one worker: starting more costs more. */
#define SHORT_HOP 20000

/*
 * Two callers steering at once undo each other: each burns the numbers the
 * other is steering to. Cooperating callers serialise on the flock of
 * ns_last_pid (DESIGN.md section 3); poll for it so the timeout and the
 * progress callback still work while we wait.
 */
static int lock_cursor(struct pc_run *r)
{
	const struct timespec pause = { 0, 2000000 };

	for (;;) {
		int err = pc_cursor_trylock(&r->cur);

		if (err != -EWOULDBLOCK)
			return err;
		err = pc_run_check(r, 0);
		if (err)
			return err;
		nanosleep(&pause, NULL);
	}
}

int pc_run_init(struct pc_run *r, const struct pc_opts *o,
		enum pidcycle_strategy burner, pid_t target)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->strategy = burner;
	r->target = target;
	r->t0 = pc_now();
	r->last_progress = r->t0;
	err = pc_cursor_open(&r->cur, false);
	if (!err)
		err = lock_cursor(r);
	if (err)
		pc_cursor_close(&r->cur);
	return err;
}

/* What was known near the target: stale after a lap or a lost race. */
static void forget_window(struct pc_run *r)
{
	free(r->window);
	r->window = NULL;
}

static void stop_pool(struct pc_run *r)
{
	pc_pool_stop(r->pool);
	r->pool = NULL;
}

void pc_run_drop(struct pc_run *r)
{
	forget_window(r);
	pc_cursor_drop(&r->cur);
}

void pc_run_fini(struct pc_run *r)
{
	stop_pool(r);
	forget_window(r);
	pc_cursor_close(&r->cur);
}

pid_t pc_run_candidate(struct pc_run *r, pc_make_fn make, void *arg,
		       enum pc_goal goal)
{
	pid_t pid;

	stop_pool(r);
	pid = pc_candidate(make, arg, r->target, goal);
	if (pid == 0)
		pc_run_drop(r);	/* the child keeps no fd or memory of ours */
	return pid;
}

static double rate_so_far(const struct pc_run *r)
{
	double dt = pc_now() - r->t0;

	return dt > 0 ? r->burnt / dt : 0;
}

int pc_run_check(struct pc_run *r, uint64_t remaining)
{
	const struct pc_opts *o = r->o;
	double now = pc_now();

	if (o->timeout_ms && (now - r->t0) * 1000 >= o->timeout_ms)
		return -ETIMEDOUT;
	if (!o->progress || (now - r->last_progress) * 1000 < o->progress_ms)
		return 0;
	r->last_progress = now;
	struct pidcycle_progress p = {
		.burnt = r->burnt,
		.remaining = remaining,
		.rate = rate_so_far(r),
		.last_pid = pc_cursor_last(&r->cur),
		.target = r->target,
	};
	p.eta_sec = p.rate > 0 ? remaining / p.rate : 0;
	return o->progress(&p, o->progress_arg) ? -ECANCELED : 0;
}

static unsigned int workers_for(const struct pc_run *r, uint64_t hop)
{
	if (r->o->threads)
		return r->o->threads;
	return hop < SHORT_HOP ? 1 : pc_default_threads();
}

/*
 * Burn n on the pool, starting it first if needed. Each helper takes a number
 * when it is created, so the start counts towards n (a plain burn stays exact
 * and a short hop is not overshot). Under AUTO a ghost that does not work
 * here falls back to threads.
 */
static int64_t burn(struct pc_run *r, uint64_t n, uint64_t hop)
{
	uint64_t started = 0;
	int64_t k;

	if (!r->pool) {
		unsigned int w = workers_for(r, hop);
		int err;

		if (w > n)
			w = (unsigned int)n;
		err = pc_pool_start(&r->pool, r->strategy, w);
		if (err)
			return err;
		started = w;
		r->workers = w;
		r->burnt += w;
	}
	k = pc_pool_burn(r->pool, n - started);
	if ((k == -ENOSYS || k == -EINVAL) && r->strategy == PIDCYCLE_GHOST &&
	    r->o->strategy == PIDCYCLE_AUTO) {
		stop_pool(r);
		r->strategy = PIDCYCLE_THREAD;
		k = burn(r, n - started, hop);
		return k < 0 ? k : k + (int64_t)started;
	}
	if (k < 0)
		return started ? (int64_t)started : k;
	r->burnt += k;
	return k + (int64_t)started;
}

/* Largest batch that keeps a slice short and the burn budget intact. */
static int64_t cap_batch(struct pc_run *r, uint64_t batch)
{
	double rate = rate_so_far(r), model = pc_rate_model(r->strategy, 1);
	uint64_t slice;

	if (rate < model)
		rate = model;
	slice = rate * SLICE_SEC > 64 ? (uint64_t)(rate * SLICE_SEC) : 64;
	if (batch > slice)
		batch = slice;
	if (r->o->max_burn) {
		if (r->burnt >= r->o->max_burn)
			return -ETIMEDOUT;
		if (batch > r->o->max_burn - r->burnt)
			batch = r->o->max_burn - r->burnt;
	}
	return (int64_t)batch;
}

int pc_burn_n(struct pc_run *r, uint64_t n)
{
	uint64_t left = n;

	while (left) {
		int64_t batch = cap_batch(r, left), k;
		int err = batch < 0 ? (int)batch : pc_run_check(r, left);

		if (err)
			return err;
		k = burn(r, batch, n);
		if (k < 0)
			return (int)k;
		left -= k;
	}
	return 0;
}

/* Free numbers the allocator hands out before target; -errno if unreachable. */
static int64_t free_before(struct pc_run *r, const struct pc_geom *g,
			   bool *wraps)
{
	int64_t raw = pc_raw_distance(g, r->target, wraps);
	pid_t next = g->last + 1;

	if (raw < 0 || raw > LIVE_WINDOW || *wraps || next >= g->pid_max)
		return raw < 0 ? raw : pc_free_distance(g, r->target, wraps, NULL);
	if (!r->window)
		r->window = pc_inuse_window(next, r->target - 1);
	return raw - (int64_t)pc_inuse_count(r->window, next, r->target - 1);
}

/*
 * How many to burn now, d free numbers away. Batches are exact (each claimed
 * clone takes one number), but other processes take numbers meanwhile, and
 * passing the target costs a whole lap; so stop short and re-measure: keep
 * back an eighth far away, go one by one for the last few.
 */
static uint64_t next_batch(uint64_t d, enum pc_goal goal)
{
	if (goal == PC_GOAL_MIN)
		return d;
	if (d <= 8)
		return 1;
	return d - d / 8;
}

/* MIN goal: the next allocation is >= target (and does not wrap). */
static int64_t min_distance(struct pc_run *r, const struct pc_geom *g)
{
	pid_t next = g->last + 1;

	if (r->target >= g->pid_max || r->target <= 0)
		return -EINVAL;
	if (next >= r->target && next < g->pid_max)
		return 0;
	if (next >= g->pid_max || next < r->target) {
		bool wraps;

		return pc_free_distance(g, r->target, &wraps, NULL);
	}
	return 0;
}

int pc_steer(struct pc_run *r, enum pc_goal goal)
{
	int64_t prev = -1;
	bool wraps = false;
	struct pc_geom g;
	int err;

	forget_window(r);	/* a new approach, maybe after a lost race */
	pc_inuse_refresh(0.2);
	for (;;) {
		bool lapped, had_window = r->window, came_close;
		int64_t d, batch, k;

		err = pc_geom_read(&r->cur, &g);
		if (err)
			return err;
		d = goal == PC_GOAL_MIN ? min_distance(r, &g)
					: free_before(r, &g, &wraps);
		lapped = prev >= 0 && d > prev;
		came_close = r->window && !had_window;
		/*
		 * Is the target still free? The full check scans /proc, so only
		 * at the start, after a lap and on coming close.
		 */
		if (goal == PC_GOAL_NEXT && (prev < 0 || lapped || came_close) &&
		    pc_pid_in_use(r->target))
			return r->pool || r->burnt ? -PC_ETAKEN : -EEXIST;
		if (d <= 0)
			return (int)d;
		if (lapped) {
			/* Passed it (someone else took numbers): a lap. */
			r->laps++;
			pc_inuse_refresh(0);
			forget_window(r);
		}
		batch = cap_batch(r, next_batch(d, goal));
		err = batch < 0 ? (int)batch : pc_run_check(r, d);
		if (err)
			return err;
		k = burn(r, batch, d);
		if (k < 0)
			return (int)k;
		prev = d - k;
	}
}
