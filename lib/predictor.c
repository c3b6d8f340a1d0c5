/* predictor.c - how many free numbers lie between the cursor and a target. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu-bp.h>

#include "internal.h"

/* ---- the in-use set --------------------------------------------------- */

struct vec {
	size_t n, cap;
	pid_t *v;
};

static int vec_push(struct vec *a, pid_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1024;
		pid_t *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return 0;
}

/* pgrp and session hold their numbers even after their leader is gone. */
static void push_groups(struct vec *a, const char *pid)
{
	pid_t pgrp, sid;

	if (pc_proc_groups(pid, &pgrp, &sid))
		return;
	if (pgrp > 0)
		vec_push(a, pgrp);
	if (sid > 0)
		vec_push(a, sid);
}

static bool push_tid(void *arg, const char *tid)
{
	vec_push(arg, atoi(tid));
	return false;
}

/* Every TID of the process; its PID too, should it have gone meanwhile
 * (vec_to_set drops the copy the leader's TID makes). */
static void push_tasks(struct vec *a, const char *pid)
{
	char path[300];

	vec_push(a, atoi(pid));
	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	pc_proc_each(path, push_tid, a);
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static struct pc_inuse *vec_to_set(struct vec *a)
{
	struct pc_inuse *u;
	size_t n = 0;

	if (a->n)	/* a->v is NULL when /proc could not be read */
		qsort(a->v, a->n, sizeof(*a->v), cmp_pid);
	u = malloc(sizeof(*u) + a->n * sizeof(pid_t));
	if (!u)
		return NULL;
	for (size_t i = 0; i < a->n; i++)
		if (!n || u->v[n - 1] != a->v[i])
			u->v[n++] = a->v[i];
	u->n = n;
	return u;
}

/* Does `pid` (or, negative, a process group) exist in our namespace? */
static bool killable(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/*
 * Through an ancestor's /proc: a number at our depth may be a sibling
 * namespace's, so keep only what kill() finds here. A task found so brings
 * its session id too (a session outlives its leader, kill() cannot see it).
 */
static void push_ids(void *arg, const struct pc_proc_ids *ids)
{
	struct vec *a = arg;
	int saved = errno;

	if (killable(ids->pid)) {
		vec_push(a, ids->pid);
		if (ids->sid > 0)
			vec_push(a, ids->sid);
	}
	if (ids->pgid > 1 && killable(-ids->pgid))
		vec_push(a, ids->pgid);
	errno = saved;
}

static bool push_process(void *arg, const char *pid)
{
	push_tasks(arg, pid);
	push_groups(arg, pid);
	return false;
}

/* The scan of /proc when it is our namespace's: what it lists is ours. */
static void scan_own(struct vec *a)
{
	pc_proc_each("/proc", push_process, a);
}

/*
 * /proc of an ancestor namespace: translated through the NSpid lines. A /proc
 * that does not show us tells nothing: the set stays empty and the checks
 * number by number (kill) are all there is.
 */
struct pc_inuse *pc_inuse_scan(void)
{
	struct vec a = { 0 };
	struct pc_inuse *u;
	int saved = errno, level = pc_proc_level();

	if (level == 0)
		scan_own(&a);
	else if (level > 0)
		pc_proc_each_task(level, push_ids, &a);
	u = vec_to_set(&a);
	free(a.v);
	errno = saved;
	return u;
}

/* Index of the first element >= x. */
static size_t lower_bound(const struct pc_inuse *u, pid_t x)
{
	size_t lo = 0, hi = u->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t pc_inuse_count(const struct pc_inuse *u, pid_t lo, pid_t hi)
{
	if (!u || lo > hi)
		return 0;
	return lower_bound(u, hi + 1) - lower_bound(u, lo);
}

struct find_sid {
	pid_t sid;
	bool held;
};

static void match_sid(void *arg, const struct pc_proc_ids *ids)
{
	struct find_sid *f = arg;
	int saved = errno;

	if (!f->held && ids->sid == f->sid && killable(ids->pid))
		f->held = true;
	errno = saved;
}

static bool has_sid(void *arg, const char *pid)
{
	pid_t pgrp, sid;

	return pc_proc_groups(pid, &pgrp, &sid) == 0 && sid == *(pid_t *)arg;
}

/* Is some process's session id `sid`? Only a scan of /proc/N/stat tells. */
static bool session_held_own(pid_t sid)
{
	return pc_proc_each("/proc", has_sid, &sid);
}

/* The same through an ancestor's /proc, translated; nothing if /proc is foreign. */
static bool session_held(pid_t sid, int level)
{
	struct find_sid f = { sid, false };

	if (level == 0)
		return session_held_own(sid);
	if (level > 0)
		pc_proc_each_task(level, match_sid, &f);
	return f.held;
}

/*
 * The quick checks: a task with that PID/TID, or a process group. kill() is
 * right in our namespace whatever /proc shows: kill(N, 0) finds a process
 * that /proc hides (hidepid=2: EPERM) and a thread by its TID, kill(-N, 0) a
 * leaderless group. /proc/N, when /proc is ours, resolves any TID too.
 */
static bool task_or_group(pid_t pid, int level)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (level == 0 && access(path, F_OK) == 0)
		return true;
	return killable(pid) || (pid > 1 && killable(-pid));
}

bool pc_number_seen(pid_t n)
{
	int saved = errno;
	bool seen = task_or_group(n, pc_proc_level());

	errno = saved;
	return seen;
}

bool pc_pid_in_use(pid_t pid)
{
	int saved = errno, level = pc_proc_level();
	/* A session outlives its leader while members live, with no task or
	 * group of that number left: the kernel still skips it. */
	bool used = task_or_group(pid, level) || session_held(pid, level);

	errno = saved;
	return used;
}

pid_t pc_write_target(long v, pid_t pid_max)
{
	if (v + 1 < pid_max)
		return (pid_t)v + 1;
	for (pid_t p = PC_RESERVED_PIDS; p < pid_max; p++)
		if (!pc_pid_in_use(p))
			return p;
	return -EEXIST;
}

struct pc_inuse *pc_inuse_window(pid_t lo, pid_t hi)
{
	struct pc_inuse *u = pc_inuse_scan(), *w;
	int saved = errno, level = pc_proc_level();
	size_t n = 0;

	w = u ? malloc(sizeof(*w) + (hi - lo + 1) * sizeof(pid_t)) : NULL;
	for (pid_t p = lo; w && p <= hi; p++)
		if (pc_inuse_count(u, p, p) || task_or_group(p, level))
			w->v[n++] = p;	/* ascending: still a sorted set */
	if (w)
		w->n = n;
	free(u);
	errno = saved;
	return w;
}

/* ---- the shared snapshot (read-mostly: urcu-bp) ----------------------- */

struct snapshot {
	double taken;
	struct pc_inuse *set;
};

static struct snapshot *shared_snap;
static pthread_mutex_t refresh_lock = PTHREAD_MUTEX_INITIALIZER;

static bool fresh_enough(double max_age)
{
	struct snapshot *s;
	bool fresh;

	rcu_read_lock();
	s = rcu_dereference(shared_snap);
	fresh = s && pc_now() - s->taken < max_age;
	rcu_read_unlock();
	return fresh;
}

void pc_inuse_refresh(double max_age_sec)
{
	struct snapshot *s, *old;

	if (fresh_enough(max_age_sec))
		return;
	s = malloc(sizeof(*s));
	if (!s)
		return;
	s->set = pc_inuse_scan();
	s->taken = pc_now();
	pthread_mutex_lock(&refresh_lock);
	old = rcu_xchg_pointer(&shared_snap, s);
	pthread_mutex_unlock(&refresh_lock);
	/* Wait for readers of the old one; no call_rcu, so no helper thread. */
	synchronize_rcu();
	if (old) {
		free(old->set);
		free(old);
	}
}

uint64_t pc_inuse_shared_count(pid_t lo, pid_t hi)
{
	struct snapshot *s;
	uint64_t n;

	rcu_read_lock();
	s = rcu_dereference(shared_snap);
	n = s ? pc_inuse_count(s->set, lo, hi) : 0;
	rcu_read_unlock();
	return n;
}

__attribute__((destructor)) static void free_snapshot(void)
{
	struct snapshot *s = shared_snap;

	shared_snap = NULL;
	if (s) {
		free(s->set);
		free(s);
	}
}

/* ---- geometry and distance -------------------------------------------- */

pid_t pc_wrap_floor(pid_t last)
{
	/* kernel/pid.c: cycling wraps to RESERVED_PIDS once the cursor is past it. */
	return last + 1 > PC_RESERVED_PIDS ? PC_RESERVED_PIDS : 1;
}

int pc_geom_read(struct pc_cursor *c, struct pc_geom *g)
{
	g->pid_max = pc_pid_max();
	if (g->pid_max < 0)
		return g->pid_max;
	g->last = pc_cursor_last(c);
	if (g->last < 0)
		return g->last;
	g->floor = pc_wrap_floor(g->last);
	return 0;
}

int64_t pc_raw_distance(const struct pc_geom *g, pid_t target, bool *wraps)
{
	pid_t next = g->last + 1;

	*wraps = false;
	if (target <= 0 || target >= g->pid_max)
		return -EINVAL;
	if (next >= g->pid_max)
		next = PC_RESERVED_PIDS;	/* the next allocation wraps */
	if (target >= next)
		return target - next;
	/* Behind the cursor: the way round always lands on 300, never below. */
	if (target < PC_RESERVED_PIDS)
		return -ERANGE;
	*wraps = true;
	return (int64_t)(g->pid_max - next) + (target - PC_RESERVED_PIDS);
}

int64_t pc_free_distance(const struct pc_geom *g, pid_t target, bool *wraps,
			 uint64_t *in_use)
{
	int64_t raw = pc_raw_distance(g, target, wraps);
	pid_t next = g->last + 1 >= g->pid_max ? PC_RESERVED_PIDS : g->last + 1;
	uint64_t used;

	if (raw < 0)
		return raw;
	if (*wraps)
		used = pc_inuse_shared_count(next, g->pid_max - 1) +
		       pc_inuse_shared_count(PC_RESERVED_PIDS, target - 1);
	else
		used = pc_inuse_shared_count(next, target - 1);
	if (used > (uint64_t)raw)
		used = raw;
	if (in_use)
		*in_use = used;
	return raw - (int64_t)used;
}

/* ---- rate model -------------------------------------------------------- */

/*
 * PIDs/s of one worker, and what each further worker adds (as a share of one),
 * measured side by side on a 2-core VM (`make bench`, two full runs). A lone
 * thread or vfork burner waits for each child to go before the next, so it
 * leaves the second CPU idle: a second worker more than doubles it.
 */
static const struct {
	double one, extra;
} model[PIDCYCLE_STRATEGY_MAX] = {
	[PIDCYCLE_GHOST] = { 125000, 0 /* GHOST_SERIAL */ }, [PIDCYCLE_THREAD] = { 25000, 1.7 },
	[PIDCYCLE_VFORK] = { 18000, 1.2 },  [PIDCYCLE_FORK] = { 7500, 0.2 },
};

/*
 * Ghosts do not add up like that past a few CPUs: each holds the kernel's
 * global pidmap_lock for about this share of its time (perf, bench/README.md
 * "Many cores"), so n of them do at most n / (1 + GHOST_SERIAL (n - 1)) the
 * work of one (Amdahl): 1.8x on 2 CPUs, never 1 / GHOST_SERIAL.
 */
#define GHOST_SERIAL 0.11

/* Measured in this process: PIDs/s of one worker, per strategy. */
static _Atomic double learned[PIDCYCLE_STRATEGY_MAX];

double pc_rate_scale(enum pidcycle_strategy s, unsigned int threads, unsigned int cpus)
{
	unsigned int n = threads < cpus ? threads : cpus;

	if (!n)
		return 1;
	if (s == PIDCYCLE_GHOST)
		return n / (1 + GHOST_SERIAL * (n - 1));
	return 1 + model[s].extra * (n - 1);
}

static double scale(enum pidcycle_strategy s, unsigned int threads)
{
	return pc_rate_scale(s, threads, pc_cpus());
}

double pc_rate_model(enum pidcycle_strategy s, unsigned int threads)
{
	double one;

	if ((unsigned int)s >= PIDCYCLE_STRATEGY_MAX || !model[s].one)
		return 0;
	one = learned[s] > 0 ? learned[s] : model[s].one;
	return one * scale(s, threads);
}

void pc_rate_learn(enum pidcycle_strategy s, unsigned int threads, double rate)
{
	if ((unsigned int)s < PIDCYCLE_STRATEGY_MAX && model[s].one && rate > 0)
		learned[s] = rate / scale(s, threads);
}
