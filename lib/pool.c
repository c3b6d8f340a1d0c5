/* pool.c - the helper processes: their start, batches, hand-off and end. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "pool.h"

#define HELPER_STACK (64 * 1024)

/* ---- helper side: raw syscalls only ---------------------------------- */

long pc_helper_futex(_Atomic int *addr, int op, int val, long timeout_ns)
{
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };

	return pc_raw_syscall(SYS_futex, (long)addr, op, val,
			      timeout_ns ? (long)&ts : 0, 0, 0);
}

bool pc_helper_reap_how(pid_t pid, int how)
{
	long r;

	while ((r = pc_raw_syscall(SYS_wait4, pid, 0, __WALL | how, 0, 0, 0)) == -EINTR)
		;
	return r != 0;
}

void pc_helper_reap(pid_t pid)
{
	pc_helper_reap_how(pid, 0);
}

static bool claim(struct pc_pool *p)
{
	int64_t t = p->todo;

	while (t > 0 && !p->halt &&
	       !atomic_compare_exchange_weak(&p->todo, &t, t - 1))
		;
	return t > 0 && !p->halt;
}

/*
 * A clone refused with EAGAIN hit a limit on tasks: RLIMIT_NPROC, a pids
 * cgroup, threads-max. Other workers' clones in flight count against it for
 * a moment, and so does a thread burner's last thread until it has fully
 * exited (its futex wakes us before that), and so do the short-lived
 * tasks of other programs under the same uid. So while anyone makes
 * progress the worker waits its turn and tries again; only when nobody has
 * consumed a number for about 100 ms is the limit reached for good (the
 * pool reports -ENOSPC). A halted batch ends the wait at once.
 */
#define LIMIT_TRIES 1000
#define LIMIT_YIELDS 16		/* the first tries only yield; then 100 us naps */

static bool limit_passes(struct pc_pool *p, uint64_t *seen, unsigned int *tries)
{
	const struct timespec nap = { 0, 100000 };
	uint64_t done = p->done;

	if (done != *seen) {
		*seen = done;
		*tries = 0;
	}
	if (++*tries >= LIMIT_TRIES)
		return false;
	if (*tries < LIMIT_YIELDS)
		pc_raw_syscall(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	else
		pc_raw_syscall(SYS_nanosleep, (long)&nap, 0, 0, 0, 0, 0);
	return true;
}

static void fail_batch(struct pc_pool *p, long r)
{
	int zero = 0;

	/* -ENOSYS (a ghost that made a real task) did take a number,
	 * uncounted: callers that steer re-measure the cursor anyway. */
	atomic_compare_exchange_strong(&p->err, &zero, (int)r);
	p->halt = true;
}

static void run_batch(struct worker *w)
{
	struct pc_pool *p = w->pool;
	uint64_t seen = p->done;
	unsigned int tries = 0;

	while (claim(p)) {
		long r = pc_burn_one(w);

		if (r == 1) {
			p->done++;
			continue;
		}
		p->todo++;	/* nothing consumed: the claim goes back */
		if (r == -EAGAIN && limit_passes(p, &seen, &tries))
			continue;
		fail_batch(p, r);
		break;
	}
	pc_anchors_drop(w, 0);
}

/* True when RLIMIT_NOFILE is 0 here, so that every ghost fails with EMFILE. */
static bool lower_nofile(void)
{
	struct rlimit cur, none;

	if (pc_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&cur, 0, 0))
		return false;
	none.rlim_cur = 0;
	none.rlim_max = cur.rlim_max;
	return !pc_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&none, 0, 0, 0);
}

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/*
 * A helper needs no fd, and must hold none of ours: not the flock on
 * ns_last_pid, not a pipe a reader waits on. Close its copies first thing.
 */
static void close_all_fds(void)
{
	struct rlimit lim;

	if (!pc_raw_syscall(SYS_close_range, 0, ~0U, 0, 0, 0, 0))
		return;
	/* Before 5.9: one by one, up to the limit. */
	if (pc_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&lim, 0, 0))
		lim.rlim_cur = 65536;
	for (long fd = 0; fd < (long)lim.rlim_cur && fd < INT_MAX; fd++)
		pc_raw_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

/*
 * If the caller dies, so do we, whenever it dies: PR_SET_PDEATHSIG covers a
 * death from now on, and a parent that is no longer the caller means it
 * died before (we were reparented): then leave at once.
 */
static void die_with_caller(const struct pc_pool *p)
{
	pc_raw_syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
	if (pc_raw_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0) != p->caller)
		pc_raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
}

static int worker_main(void *arg)
{
	struct worker *w = arg;
	struct pc_pool *p = w->pool;
	int gen = 0;

	close_all_fds();
	die_with_caller(p);
	if (p->s == PIDCYCLE_GHOST)
		w->nofile_low = lower_nofile();
	for (;;) {
		while (p->gen == gen)
			pc_helper_futex(&p->gen, FUTEX_WAIT, gen, 0);
		gen = p->gen;
		if (p->quit)
			break;
		run_batch(w);
		if (atomic_fetch_sub(&p->active, 1) == 1)
			pc_helper_futex(&p->active, FUTEX_WAKE, 1, 0);
	}
	pc_raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	return 0;
}

/* ---- caller side ------------------------------------------------------ */

/* A limit on tasks refused a clone we needed: not a lost race (pidcycle(3)). */
int pc_clone_err(int err)
{
	return err == -EAGAIN ? -ENOSPC : err;
}

static int start_worker(struct worker *w)
{
	int saved = errno;

	w->stack = mmap(NULL, HELPER_STACK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (w->stack == MAP_FAILED) {
		w->stack = NULL;
		errno = saved;
		return -ENOMEM;
	}
	/*
	 * exit_signal 0: the helper's end never raises SIGCHLD in the caller.
	 * The kernel clears `alive` and wakes its futex when the helper exits,
	 * so the caller can wait for that with a timeout (pc_pool_stop).
	 */
	w->alive = 1;
	w->pid = clone(worker_main, w->stack + HELPER_STACK,
		       CLONE_VM | CLONE_UNTRACED | CLONE_CHILD_CLEARTID, w,
		       NULL, NULL, &w->alive);
	if (w->pid < 0) {
		int err = -errno;

		w->pid = 0;
		w->alive = 0;
		munmap(w->stack, HELPER_STACK);
		w->stack = NULL;
		errno = saved;
		return err;
	}
	return 0;
}

/*
 * Start as many of `threads` helpers as fit: a clone refused by a limit on
 * tasks (EAGAIN) or memory after the first leaves the pool smaller.
 */
static int start_workers(struct pc_pool *p, unsigned int threads)
{
	sigset_t all, old;
	int err = 0;

	/* Helpers start with every signal blocked and keep it that way. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (p->n = 0; p->n < threads; p->n++) {
		p->w[p->n].pool = p;
		err = start_worker(&p->w[p->n]);
		if (err)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->n && (err == -EAGAIN || err == -ENOMEM))
		err = 0;
	return pc_clone_err(err);
}

int pc_pool_start(struct pc_pool **out, enum pidcycle_strategy s,
		  unsigned int threads)
{
	struct pc_pool *p;
	int err;

	if (!threads)
		return -EINVAL;
	p = calloc(1, sizeof(*p) + threads * sizeof(p->w[0]));
	if (!p)
		return -ENOMEM;
	p->s = s;
	p->f = *pc_features();
	p->caller = getpid();
	err = start_workers(p, threads);
	if (err) {
		pc_pool_stop(p);
		return err;
	}
	*out = p;
	return 0;
}

unsigned int pc_pool_size(const struct pc_pool *p)
{
	return p ? p->n : 0;
}

bool pc_pool_holds(const struct pc_pool *p, pid_t pid)
{
	for (unsigned int i = 0; p && i < p->n; i++)
		if (p->w[i].pid == pid)
			return true;
	return false;
}

/* Has the helper exited, or been stopped (SIGSTOP) from outside? */
static bool helper_failed(const struct worker *w, int how)
{
	siginfo_t si = { 0 };
	int saved = errno;
	int r = waitid(P_PID, w->pid, &si, how | WNOHANG | WNOWAIT | __WALL);

	errno = saved;
	return !w->alive || (r == 0 && si.si_pid == w->pid);
}

/* A helper that stopped or died would never finish its batch. */
static bool pool_failed(struct pc_pool *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (helper_failed(&p->w[i], WEXITED | WSTOPPED))
			return true;
	return false;
}

/* The waiting caller looks at the clock, the callback and the helpers this often. */
#define TICK_NS 10000000L
#define TICKS_PER_HEALTH_CHECK 10

/*
 * Wait for the batch to end. A failed check (timeout, cancel) halts it: the
 * workers finish the clone in hand and claim no more. A helper that stopped
 * or died breaks the pool (-ECHILD): pc_pool_stop kills and reaps it.
 */
static int wait_batch(struct pc_pool *p, pc_check_fn check, void *arg)
{
	unsigned int ticks = 0;
	int a, err = 0;

	while ((a = p->active) != 0) {
		if (pc_helper_futex(&p->active, FUTEX_WAIT, a, TICK_NS) != -ETIMEDOUT)
			continue;
		if (++ticks % TICKS_PER_HEALTH_CHECK == 0 && pool_failed(p)) {
			p->broken = true;
			p->halt = true;
			return err ? err : -ECHILD;	/* a cancel stays a cancel */
		}
		if (!err && check)
			err = check(arg, p->done);
		if (err)
			p->halt = true;
	}
	return err;
}

int pc_pool_burn(struct pc_pool *p, uint64_t n, uint64_t *done,
		 pc_check_fn check, void *arg)
{
	int err;

	*done = 0;
	if (p->broken)
		return -ECHILD;
	if (!n)
		return 0;
	p->todo = (int64_t)n;
	p->done = 0;
	p->err = 0;
	p->halt = false;
	p->anchor_at = pc_anchors && !p->anchors_off &&
		       p->s == PIDCYCLE_GHOST && n >= ANCHOR_MIN_BATCH ?
		       0 : NO_ANCHOR;
	p->active = (int)p->n;
	p->gen++;
	pc_helper_futex(&p->gen, FUTEX_WAKE, INT_MAX, 0);
	err = wait_batch(p, check, arg);
	*done = p->done;
	return pc_clone_err(err ? err : p->err);
}

/* The wait status of our helper `pid`, once it is gone. */
static int reap_status(pid_t pid)
{
	int saved = errno, st = 0;

	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
	errno = saved;
	return st;
}

/* How long a helper may take to quit before it is killed. */
#define QUIT_GRACE_TICKS 100

/* Wait until the helper has exited; kill it if it is stopped or slow. */
static bool wait_helper_gone(struct pc_pool *p, struct worker *w)
{
	bool killed = false;
	unsigned int ticks = 0;
	int a;

	if (p->broken) {
		kill(w->pid, SIGKILL);
		killed = true;
	}
	while ((a = w->alive) != 0) {
		if (pc_helper_futex(&w->alive, FUTEX_WAIT, a, TICK_NS) != -ETIMEDOUT ||
		    killed)
			continue;
		if (++ticks >= QUIT_GRACE_TICKS || helper_failed(w, WSTOPPED)) {
			kill(w->pid, SIGKILL);
			killed = true;
		}
	}
	return killed;
}

/* What a killed helper may have left: its anchors, a burner child in flight. */
static size_t orphans_of(const struct worker *w, pid_t *out)
{
	size_t n = 0;

	for (unsigned int i = 0; i < PC_ANCHORS_KEPT; i++)
		if (w->anchor[i] > 0)
			out[n++] = w->anchor[i];
	if (w->anchor_new > 0)
		out[n++] = w->anchor_new;
	if (w->child_new > 0)
		out[n++] = w->child_new;
	return n;
}

/* Reap those that are our children; one still running exits as soon as it runs. */
#define ORPHAN_TICKS 100

static size_t reap_ours(pid_t *left, size_t n, pid_t *reaped)
{
	const struct timespec tick = { 0, 1000000 };
	size_t k = 0;

	for (unsigned int t = 0; n && t < ORPHAN_TICKS; t++) {
		for (size_t i = 0; i < n;) {
			pid_t r = waitpid(left[i], NULL, __WALL | WNOHANG);

			if (r == left[i])
				reaped[k++] = r;
			if (r != 0)	/* reaped, or not ours (or stale) */
				left[i] = left[--n];
			else
				i++;
		}
		if (n)
			nanosleep(&tick, NULL);
	}
	return k;
}

/*
 * A helper killed with children alive leaves them to the nearest
 * subreaper: if that is us, they are our children now. Reap those, and take
 * back the SIGCHLD they caused.
 */
static void reap_orphans(struct worker *w, bool was_pending)
{
	pid_t left[PC_ANCHORS_KEPT + 2], reaped[PC_ANCHORS_KEPT + 2];
	size_t n = orphans_of(w, left);

	pc_sigchld_take_back(reaped, reap_ours(left, n, reaped), was_pending);
}

static void end_helper(struct pc_pool *p, struct worker *w,
		       bool was_pending)
{
	bool killed;
	int st;

	if (w->pid <= 0)
		return;
	killed = wait_helper_gone(p, w);
	st = reap_status(w->pid);
	if (killed || !WIFEXITED(st))
		reap_orphans(w, was_pending);
}

/*
 * SIGCHLD stays blocked in this thread while helpers go, so that one caused
 * by a killed helper's orphans can be taken back before a handler sees it.
 */
void pc_pool_stop(struct pc_pool *p)
{
	int saved = errno;
	sigset_t chld, old;
	bool was_pending;

	if (!p)
		return;
	p->quit = 1;
	p->halt = true;
	p->gen++;
	pc_helper_futex(&p->gen, FUTEX_WAKE, INT_MAX, 0);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	was_pending = pc_sigchld_pending();
	for (unsigned int i = 0; i < p->n; i++) {
		end_helper(p, &p->w[i], was_pending);
		if (p->w[i].stack)
			munmap(p->w[i].stack, HELPER_STACK);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(p);
	errno = saved;
}
