/* plan.c - what a list of exact-PID requests would take, in order, before any is made. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The smallest target element a caller may pass: it must know err. */
#define TARGET_MIN_SZ (offsetof(struct pidcycle_target, err) + sizeof(int))

/* Where the plan stands while it walks the targets. */
struct walk {
	struct pc_geom g;		/* the cursor as the requests leave it */
	struct pc_inuse *now;		/* in use when the plan started */
	pid_t *mine;			/* the caller's, if it will be gone: free */
	size_t nmine;
	pid_t *taken;			/* targets placed so far, sorted */
	size_t ntaken;
	enum pidcycle_strategy s;
	unsigned int threads;		/* the burners' workers; 0: nothing burns */
	double rate;
	const struct pc_opts *o;
};

static size_t lower(const pid_t *v, size_t n, pid_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool has(const pid_t *v, size_t n, pid_t x)
{
	size_t i = lower(v, n, x);

	return i < n && v[i] == x;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/*
 * PIDCYCLE_PLAN_CALLER_GONE: our PID and TIDs, sorted, unless another
 * process keeps one as its process group or session (then it stays held).
 */
static int caller_numbers(struct walk *w)
{
	pid_t self = getpid();
	size_t cap = 16;
	struct dirent *e;
	DIR *d;

	w->mine = malloc(cap * sizeof(pid_t));
	if (!w->mine)
		return -ENOMEM;
	w->mine[w->nmine++] = self;
	d = opendir("/proc/self/task");
	while (d && (e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0 || tid == self)
			continue;
		if (w->nmine == cap) {
			pid_t *v = realloc(w->mine, (cap *= 2) * sizeof(pid_t));

			if (!v) {
				closedir(d);
				return -ENOMEM;
			}
			w->mine = v;
		}
		w->mine[w->nmine++] = tid;
	}
	if (d)
		closedir(d);
	if (pc_group_of_others(self, self))
		w->mine[0] = w->mine[--w->nmine];
	qsort(w->mine, w->nmine, sizeof(pid_t), cmp_pid);
	return 0;
}

/* Take the caller's own numbers out of the snapshot (both sets are sorted). */
static void forget_mine(struct walk *w)
{
	size_t k = 0;

	for (size_t i = 0; i < w->now->n; i++)
		if (!has(w->mine, w->nmine, w->now->v[i]))
			w->now->v[k++] = w->now->v[i];
	w->now->n = k;
}

/* Numbers of [lo, hi] in use: there now, or taken by an earlier target. */
static uint64_t used_in(const struct walk *w, pid_t lo, pid_t hi)
{
	if (lo > hi)
		return 0;
	return pc_inuse_count(w->now, lo, hi) +
	       (lower(w->taken, w->ntaken, hi + 1) - lower(w->taken, w->ntaken, lo));
}

/* Index+1 of the earlier target that takes pid, or 0. */
static size_t taken_by(const struct walk *w, const size_t *order, pid_t pid)
{
	size_t i = lower(w->taken, w->ntaken, pid);

	return i < w->ntaken && w->taken[i] == pid ? order[i] + 1 : 0;
}

static void take(struct walk *w, size_t *order, pid_t pid, size_t index)
{
	size_t i = lower(w->taken, w->ntaken, pid);

	memmove(w->taken + i + 1, w->taken + i, (w->ntaken - i) * sizeof(pid_t));
	memmove(order + i + 1, order + i, (w->ntaken - i) * sizeof(size_t));
	w->taken[i] = pid;
	order[i] = index;
	w->ntaken++;
}

/*
 * The hop to t->pid from where the cursor is: the raw distance the allocator
 * walks (pc_raw_distance) less the numbers in use on the way, which it skips.
 */
static int hop(const struct walk *w, struct pidcycle_target *t)
{
	pid_t next = w->g.last + 1 >= w->g.pid_max ? PC_RESERVED_PIDS : w->g.last + 1;
	int64_t raw = pc_raw_distance(&w->g, t->pid, &t->wraps);
	uint64_t used;

	if (raw < 0)
		return (int)raw;
	if (t->wraps)
		used = used_in(w, next, w->g.pid_max - 1) +
		       used_in(w, PC_RESERVED_PIDS, t->pid - 1);
	else
		used = used_in(w, next, t->pid - 1);
	if (used > (uint64_t)raw)
		used = (uint64_t)raw;
	t->in_use = used;
	t->burn = (uint64_t)raw - used;
	return 0;
}

/* A request's own budget: max_burn exactly, the timeout by the model's rate. */
static int within_budget(const struct walk *w, const struct pidcycle_target *t)
{
	if (w->o->max_burn && t->burn > w->o->max_burn)
		return -ETIMEDOUT;
	if (w->o->timeout_ms && t->eta_sec * 1000 > w->o->timeout_ms)
		return -ETIMEDOUT;
	return 0;
}

/* One target: its state, and where the cursor is once it has been made. */
static void plan_one(struct walk *w, struct pidcycle_target *t, size_t *order,
		     size_t index)
{
	t->strategy = w->s;
	if (t->pid <= 0 || t->pid >= w->g.pid_max) {
		t->err = -EINVAL;
		return;
	}
	t->same_as = taken_by(w, order, t->pid);
	if (t->same_as || pc_inuse_count(w->now, t->pid, t->pid) ||
	    (!has(w->mine, w->nmine, t->pid) && pc_number_seen(t->pid))) {
		t->err = -EEXIST;
		return;
	}
	/* set_tid leaves the cursor alone; a ns_last_pid write moves it. */
	if (!pc_strategy_privileged(w->s)) {
		t->err = hop(w, t);
		if (t->err)
			return;
		t->eta_sec = w->rate > 0 ? t->burn / w->rate : 0;
		t->err = within_budget(w, t);
		if (t->err)
			return;
	}
	if (w->s != PIDCYCLE_SETTID) {
		w->g.last = t->pid;
		w->g.floor = pc_wrap_floor(t->pid);
	}
	take(w, order, t->pid, index);
}

/* The strategy each request would use: as pidcycle_fork_at() picks it. */
static int strategy_for(const struct pc_opts *o, enum pidcycle_strategy *s)
{
	const struct pc_features *f = pc_features();

	*s = o->strategy == PIDCYCLE_AUTO ? pc_auto_strategy(f) : o->strategy;
	return pc_strategy_check(*s, PC_CALL_AT, f);
}

/* plan->flags, if the caller's struct has it. */
static unsigned int flags_of(const struct pidcycle_plan *plan)
{
	return plan->sz >= offsetof(struct pidcycle_plan, flags) + sizeof(plan->flags) ?
	       plan->flags : 0;
}

static int check_args(struct pidcycle_target *targets, size_t n,
		      const struct pidcycle_plan *plan)
{
	size_t sz;

	if (!plan || plan->sz < sizeof(size_t) || (n && !targets) ||
	    (flags_of(plan) & ~PIDCYCLE_PLAN_CALLER_GONE))
		return -EINVAL;
	sz = n ? targets->sz : TARGET_MIN_SZ;
	if (sz < TARGET_MIN_SZ || n > SIZE_MAX / sz)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (((struct pidcycle_target *)((char *)targets + i * sz))->sz != sz)
			return -EINVAL;
	return 0;
}

static int walk_start(struct walk *w, const struct pc_opts *o, size_t n,
		      unsigned int flags, size_t **order)
{
	struct pc_cursor cur;
	int err;

	memset(w, 0, sizeof(*w));
	w->o = o;
	err = strategy_for(o, &w->s);
	if (!err && (flags & PIDCYCLE_PLAN_CALLER_GONE))
		err = caller_numbers(w);
	if (!err)
		err = pc_cursor_open(&cur, false);
	if (err)
		return err;
	err = pc_geom_read(&cur, &w->g);
	pc_cursor_close(&cur);
	if (err)
		return err;
	if (!pc_strategy_privileged(w->s)) {
		w->threads = o->threads ? o->threads : pc_default_threads();
		w->rate = pc_rate_model(w->s, w->threads);
	}
	w->now = pc_inuse_scan();
	w->taken = malloc((n ? n : 1) * sizeof(pid_t));
	*order = malloc((n ? n : 1) * sizeof(size_t));
	if (!w->now || !w->taken || !*order)
		return -ENOMEM;
	forget_mine(w);
	return 0;
}

static void walk_end(struct walk *w, size_t *order)
{
	free(w->now);
	free(w->taken);
	free(w->mine);
	free(order);
}

static void add_up(struct pidcycle_plan *p, const struct pidcycle_target *t,
		   size_t index)
{
	if (t->err) {
		if (!p->failed++) {
			p->first_failed = index;
			p->err = t->err;
		}
		return;
	}
	p->burn_total += t->burn;
	p->laps += t->wraps;
	p->eta_sec += t->eta_sec;
}

int pidcycle_plan(struct pidcycle_target *targets, size_t n,
		  const struct pidcycle_opts *opts, struct pidcycle_plan *plan)
{
	struct pidcycle_plan out = { .sz = sizeof(out), .first_failed = n };
	size_t *order = NULL;
	struct walk w = { 0 };
	struct pc_opts o;
	int err;

	err = check_args(targets, n, plan);
	if (!err)
		err = pc_opts_load(opts, &o);
	if (!err) {
		out.flags = flags_of(plan);
		err = walk_start(&w, &o, n, out.flags, &order);
	}
	if (err) {
		walk_end(&w, order);
		return err;
	}
	out.last_pid = w.g.last;
	out.pid_max = w.g.pid_max;
	out.strategy = w.s;
	out.threads = w.threads;
	out.rate = w.rate;
	for (size_t i = 0; i < n; i++) {
		struct pidcycle_target *theirs =
			(struct pidcycle_target *)((char *)targets + i * targets->sz);
		struct pidcycle_target t = { .sz = sizeof(t), .pid = theirs->pid };

		plan_one(&w, &t, order, i);
		add_up(&out, &t, i);
		pc_copy_out(theirs, &t, sizeof(t));
	}
	walk_end(&w, order);
	pc_copy_out(plan, &out, sizeof(out));
	return 0;
}
