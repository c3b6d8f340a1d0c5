/* api.c - the public entry points: check the request, pick a way, run it. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Retries of a privileged write that another writer raced. */
#define LASTPID_TRIES 16

static int check_pid(pid_t pid)
{
	pid_t max = pc_pid_max();

	if (max < 0)
		return max;
	return pid <= 0 || pid >= max ? -EINVAL : 0;
}

static bool denied(int err)
{
	return err == -EPERM || err == -EACCES || err == -EROFS ||
	       err == -ENOSYS || err == -ENOENT;
}

static void learn(const struct pc_run *r)
{
	double dt = pc_now() - r->t0;

	if (r->burnt >= 10000 && dt > 0.01)
		pc_rate_learn(r->strategy, r->workers, r->burnt / dt);
}

/* ---- burning towards a target ----------------------------------------- */

/* After steering: make the child, or just return (set_next). */
static pid_t finish(struct pc_run *r, enum pc_call c, enum pc_goal goal)
{
	return c == PC_CALL_NEXT ? 0 : pc_run_candidate(r, pc_make_fork, NULL, goal);
}

static pid_t burn_to(pid_t pid, const struct pc_opts *o, enum pc_call c,
		     enum pidcycle_strategy burner)
{
	enum pc_goal goal = c == PC_CALL_MIN ? PC_GOAL_MIN : PC_GOAL_NEXT;
	struct pc_run r;
	pid_t res;

	res = pc_run_init(&r, o, burner, pid);
	if (res)
		return res;
	for (;;) {
		res = pc_steer(&r, goal);
		if (!res)
			res = finish(&r, c, goal);
		if (res == 0 && c != PC_CALL_NEXT)
			return 0;	/* the child */
		if (res != -PC_ELOST || pc_pid_in_use(pid))
			break;
		/* Lost the number to someone, but it is free: go round. */
		res = pc_run_check(&r, 0);
		if (res)
			break;
	}
	learn(&r);
	pc_run_fini(&r);
	return pc_public_err(res);
}

/* ---- the privileged ways ---------------------------------------------- */

/*
 * Under the flock, waited for within its bounds (pc_run_init_lastpid), so
 * that cancel and the timeout work there too.
 */
static pid_t lastpid_run(pid_t pid, const struct pc_opts *o, enum pc_call c)
{
	enum pc_goal goal = c == PC_CALL_MIN ? PC_GOAL_MIN : PC_GOAL_NEXT;
	struct pc_run r;
	pid_t res, last;
	int tries = 0;

	res = pc_run_init_lastpid(&r, o, pid);
	if (res)
		return res;
	while (!res) {
		last = pc_cursor_last(&r.cur);
		/* At least N: never move the cursor back. */
		if (goal == PC_GOAL_NEXT || last < pid - 1)
			res = pc_lastpid_set_next(&r.cur, pid);
		if (res || c == PC_CALL_NEXT)
			break;
		res = pc_candidate(pc_make_fork, NULL, pid, goal);
		if (res == 0) {
			pc_run_drop(&r);
			return 0;
		}
		if (res != -PC_ELOST || pc_pid_in_use(pid) ||
		    ++tries >= LASTPID_TRIES)
			break;
		res = pc_run_check(&r, 0);	/* an unrelated writer raced us: again */
	}
	pc_run_fini(&r);
	return pc_public_err(res);
}

/* ---- dispatch ---------------------------------------------------------- */

static pid_t run(pid_t pid, const struct pidcycle_opts *opts, enum pc_call c)
{
	const struct pc_features *f = pc_features();
	struct pc_opts o;
	enum pidcycle_strategy s;
	bool settid;
	pid_t res;

	res = pc_opts_load(opts, &o);
	if (!res)
		res = check_pid(pid);
	s = o.strategy;
	settid = s == PIDCYCLE_SETTID ||
		 (s == PIDCYCLE_AUTO && c == PC_CALL_AT && f->set_tid);
	/*
	 * set_tid needs no check of ours that the number is free: the kernel
	 * answers EEXIST, in our namespace whatever /proc shows.
	 */
	if (!res && c != PC_CALL_MIN && !settid && pc_pid_in_use(pid))
		res = -EEXIST;
	if (!res)
		res = pc_strategy_check(s, c, f);
	if (res)
		return res;
	if (settid) {
		res = pc_settid_fork(pid);
		if (s == PIDCYCLE_SETTID || !denied(res))
			return res;
		if (c != PC_CALL_MIN && pc_pid_in_use(pid))
			return -EEXIST;
	}
	if (s == PIDCYCLE_LASTPID || (s == PIDCYCLE_AUTO && f->lastpid_write)) {
		res = lastpid_run(pid, &o, c);
		if (s == PIDCYCLE_LASTPID || !denied(res))
			return res;
	}
	return burn_to(pid, &o, c, s == PIDCYCLE_AUTO ? pc_auto_burner(f) : s);
}

int pidcycle_set_next(pid_t pid, const struct pidcycle_opts *opts)
{
	return run(pid, opts, PC_CALL_NEXT);
}

pid_t pidcycle_fork_at(pid_t pid, const struct pidcycle_opts *opts)
{
	return run(pid, opts, PC_CALL_AT);
}

pid_t pidcycle_fork_min(pid_t min, const struct pidcycle_opts *opts)
{
	return run(min, opts, PC_CALL_MIN);
}

/* ---- burn and estimate ------------------------------------------------- */

static int stats_ok(const void *p)
{
	return !p || *(const size_t *)p >= sizeof(size_t) ? 0 : -EINVAL;
}

int pidcycle_burn(uint64_t count, const struct pidcycle_opts *opts,
		  struct pidcycle_stats *stats)
{
	const struct pc_features *f = pc_features();
	struct pidcycle_stats out = { .sz = sizeof(out) };
	struct pc_opts o;
	struct pc_run r;
	int err;

	err = pc_opts_load(opts, &o);
	if (!err)
		err = stats_ok(stats);
	if (!err)
		err = pc_strategy_check(o.strategy, PC_CALL_BURN, f);
	/* AUTO stays AUTO in o: that is what lets a ghost fall back to threads. */
	if (!err)
		err = pc_run_init(&r, &o, o.strategy == PIDCYCLE_AUTO ?
				  pc_auto_burner(f) : o.strategy, 0);
	if (err)
		return err;
	err = pc_burn_n(&r, count);
	out.strategy = r.strategy;
	out.threads = r.workers;
	out.burnt = r.burnt;
	out.laps = r.laps;
	out.seconds = pc_now() - r.t0;
	out.pids_per_sec = out.seconds > 0 ? r.burnt / out.seconds : 0;
	learn(&r);
	pc_run_fini(&r);
	if (stats)
		pc_copy_out(stats, &out, sizeof(out));
	return err;
}

/* Why `pid` is out of reach with strategy s (d: free distance), or 0. */
static int unreachable_why(pid_t pid, const struct pc_opts *o,
			   const struct pc_features *f,
			   enum pidcycle_strategy s, int64_t d)
{
	/* One that this caller may not use reaches nothing (-EPERM). */
	int err = pc_strategy_check(o->strategy, PC_CALL_AT, f);

	if (err)
		return err;
	if (pc_pid_in_use(pid))
		return -EEXIST;
	return d < 0 && !pc_strategy_privileged(s) ? (int)d : 0;
}

int pidcycle_estimate(pid_t pid, const struct pidcycle_opts *opts,
		      struct pidcycle_estimate *est)
{
	struct pidcycle_estimate e = { .sz = sizeof(e), .target = pid };
	const struct pc_features *f = pc_features();
	struct pc_cursor cur;
	struct pc_opts o;
	struct pc_geom g;
	int64_t d;
	int err;

	err = est ? stats_ok(est) : -EINVAL;
	if (!err)
		err = pc_opts_load(opts, &o);
	if (!err)
		err = check_pid(pid);
	if (!err)
		err = pc_cursor_open(&cur, false);
	if (err)
		return err;
	err = pc_geom_read(&cur, &g);
	pc_cursor_close(&cur);
	if (err)
		return err;
	pc_inuse_refresh(0);
	e.last_pid = g.last;
	e.strategy = o.strategy != PIDCYCLE_AUTO ? o.strategy : pc_auto_strategy(f);
	d = pc_free_distance(&g, pid, &e.wraps, &e.in_use);
	e.why = unreachable_why(pid, &o, f, e.strategy, d);
	e.reachable = !e.why;
	e.distance = d > 0 ? (uint64_t)d : 0;
	if (!pc_strategy_privileged(e.strategy)) {
		e.rate = pc_rate_model(e.strategy, o.threads ? o.threads :
				       pc_default_threads());
		e.eta_sec = e.rate > 0 ? e.distance / e.rate : 0;
	}
	pc_copy_out(est, &e, sizeof(e));
	return 0;
}
