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
 * ns_last_pid (DESIGN.md section 3). But anyone may take that lock and keep
 * it, so it is only waited for a while: at most LOCK_WAIT_MS, and at most
 * half the caller's timeout, polling so that the progress callback (cancel)
 * keeps working meanwhile. Then the call goes on without it: the lock only
 * saves cooperating callers from wasted work, the final checked fork never
 * reports a wrong PID, so the worst that can follow is a lost race.
 */
#define LOCK_WAIT_MS 2000

static double lock_deadline(const struct pc_run *r)
{
	unsigned int ms = LOCK_WAIT_MS;

	if (r->o->timeout_ms && r->o->timeout_ms / 2 < ms)
		ms = r->o->timeout_ms / 2;
	return r->t0 + ms / 1000.0;
}

static int lock_cursor(struct pc_run *r)
{
	const struct timespec pause = { 0, 2000000 };
	double until = lock_deadline(r);

	for (;;) {
		int err = pc_cursor_trylock(&r->cur);

		if (err != -EWOULDBLOCK)
			return 0;	/* locked, or no lock to be had: go on */
		err = pc_run_check(r, 0);
		if (err)
			return err;
		if (pc_now() >= until)
			return 0;	/* held too long by someone: go on without */
		nanosleep(&pause, NULL);
	}
}

static int run_open(struct pc_run *r, const struct pc_opts *o,
		    enum pidcycle_strategy burner, pid_t target, bool write)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->strategy = burner;
	r->target = target;
	r->t0 = pc_now();
	r->last_progress = r->t0;
	err = pc_cursor_open(&r->cur, write);
	if (!err)
		err = lock_cursor(r);
	if (err)
		pc_cursor_close(&r->cur);
	return err;
}

int pc_run_init(struct pc_run *r, const struct pc_opts *o,
		enum pidcycle_strategy burner, pid_t target)
{
	return run_open(r, o, burner, target, false);
}

int pc_run_init_lastpid(struct pc_run *r, const struct pc_opts *o, pid_t target)
{
	return run_open(r, o, PIDCYCLE_LASTPID, target, true);
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

/* Timeout, then the progress callback as if `burnt` were consumed so far. */
static int check_at(struct pc_run *r, uint64_t burnt, uint64_t remaining)
{
	const struct pc_opts *o = r->o;
	double now = pc_now(), dt = now - r->t0;

	if (o->timeout_ms && dt * 1000 >= o->timeout_ms)
		return -ETIMEDOUT;
	if (!o->progress || (now - r->last_progress) * 1000 < o->progress_ms)
		return 0;
	r->last_progress = now;
	struct pidcycle_progress p = {
		.burnt = burnt,
		.remaining = remaining,
		.rate = dt > 0 ? burnt / dt : 0,
		.last_pid = pc_cursor_last(&r->cur),
		.target = r->target,
	};
	p.eta_sec = p.rate > 0 ? remaining / p.rate : 0;
	return o->progress(&p, o->progress_arg) ? -ECANCELED : 0;
}

int pc_run_check(struct pc_run *r, uint64_t remaining)
{
	return check_at(r, r->burnt, remaining);
}

/* While a batch runs: what it consumed so far counts as burnt. */
static int batch_check(void *arg, uint64_t done)
{
	struct pc_run *r = arg;

	return check_at(r, r->burnt + done,
			r->remaining > done ? r->remaining - done : 0);
}

static unsigned int workers_for(const struct pc_run *r, uint64_t hop)
{
	unsigned int w = r->o->threads ? r->o->threads :
			 hop < SHORT_HOP ? 1 : pc_default_threads();

	return r->worker_cap && w > r->worker_cap ? r->worker_cap : w;
}

/*
 * Each helper takes a number when it is created, so the start counts
 * towards n (a plain burn stays exact and a short hop is not overshot). A
 * limit on tasks may let fewer start than asked for.
 */
static int start_pool(struct pc_run *r, uint64_t n, uint64_t hop)
{
	unsigned int w = workers_for(r, hop);
	int err;

	if (w > n)
		w = (unsigned int)n;
	err = pc_pool_start(&r->pool, r->strategy, w);
	if (err)
		return err;
	r->workers = pc_pool_size(r->pool);
	r->burnt += r->workers;
	return 0;
}

/* One batch of n, timed: its rate sizes the next one. */
static int timed_batch(struct pc_run *r, uint64_t n, uint64_t *done)
{
	double t = pc_now(), dt;
	int err = pc_pool_burn(r->pool, n, done, batch_check, r);

	dt = pc_now() - t;
	if (*done && dt > 0)
		r->batch_rate = *done / dt;
	r->burnt += *done;
	return err;
}

/* Under AUTO a ghost that does not work here falls back to threads. */
static bool ghost_fails_here(const struct pc_run *r, int err)
{
	return (err == -ENOSYS || err == -EINVAL || err == -EPERM) &&
	       r->strategy == PIDCYCLE_GHOST && r->o->strategy == PIDCYCLE_AUTO;
}

/*
 * A limit on tasks let the helpers start but leaves them no room to burn
 * (each thread, vfork or fork burner needs a child of its own in flight):
 * fewer helpers leave more room.
 */
static bool shrink_pool(struct pc_run *r, int err)
{
	if (err != -ENOSPC || r->workers <= 1)
		return false;
	stop_pool(r);
	r->worker_cap = r->workers / 2;
	return true;
}

/*
 * Burn n on the pool, starting it first if needed; *done gets what was
 * consumed, also when an error (the first persistent one) stops it.
 */
static int burn(struct pc_run *r, uint64_t n, uint64_t hop, uint64_t *done)
{
	uint64_t k = 0;
	int err = 0;

	*done = 0;
	if (!n)
		return 0;
	if (!r->pool) {
		err = start_pool(r, n, hop);
		if (err)
			return err;
		*done = r->workers;
	}
	err = timed_batch(r, n - *done, &k);
	*done += k;
	if (err && ghost_fails_here(r, err)) {
		stop_pool(r);
		r->strategy = PIDCYCLE_THREAD;
	} else if (!shrink_pool(r, err)) {
		return err;
	}
	err = burn(r, n - *done, hop, &k);
	*done += k;
	return err;
}

/*
 * The first batch of a run is small: a slow burner (fork with a big heap:
 * tens of forks a second) shows its rate before a batch can overshoot the
 * timeout. From then on a batch lasts about SLICE_SEC at the rate the last
 * one measured.
 */
#define FIRST_BATCH 32

/* Largest batch that keeps a slice short and the burn budget intact. */
static int64_t cap_batch(struct pc_run *r, uint64_t batch)
{
	double slice = r->batch_rate ? r->batch_rate * SLICE_SEC : FIRST_BATCH;

	if (slice < 1)
		slice = 1;
	if (batch > slice)
		batch = (uint64_t)slice;
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
		int64_t batch = cap_batch(r, left);
		int err = batch < 0 ? (int)batch : pc_run_check(r, left);
		uint64_t k;

		if (err)
			return err;
		r->remaining = left;
		err = burn(r, batch, n, &k);
		left -= k;
		if (err)
			return err;
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

/*
 * Is the target in use? A helper of ours may hold it: a concurrent forker
 * took a number between our measure and the pool's start, so the helper got
 * the target. No helper may keep a number the request needs: stop the pool
 * (that frees it) and go round, as after any lap.
 */
static bool target_taken(struct pc_run *r)
{
	if (pc_pool_holds(r->pool, r->target)) {
		stop_pool(r);
		return false;
	}
	return pc_pid_in_use(r->target);
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
		int64_t d, batch;
		uint64_t k;

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
		    target_taken(r))
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
		r->remaining = d;
		err = burn(r, batch, d, &k);
		if (err)
			return err;
		prev = d - (int64_t)k;
	}
}
