/* burners.c - helper processes that consume PIDs: ghost, thread, vfork, fork. */
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

#include "sys.h"

/*
 * Each worker is a helper *process* made with CLONE_VM: it shares our memory
 * (so starting one costs no page-table copy) but has its own fd table,
 * rlimits and signal handlers. That is what the ghost needs: it lowers its
 * own RLIMIT_NOFILE to 0 so that CLONE_PIDFD fails with EMFILE after the
 * kernel allocated the PID, while the caller's limits stay untouched. The
 * helpers share our TLS too, so they use only raw syscalls (no errno).
 */

#define HELPER_STACK (64 * 1024)
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM)

/*
 * Anchors. The kernel keeps a namespace's PIDs in a radix tree: 64 numbers
 * per leaf, 64 leaves per node above. A ghost whose number is alone in its
 * part of the tree makes the kernel build that leaf and the nodes above it
 * for the allocation and free them through RCU right after (perf:
 * radix_tree_node_ctor, radix_tree_extend, delete_node on every call).
 * A zombie child holding the first number of each 64-block keeps that path
 * alive while the ghosts pass through it: one real task per 64 numbers buys
 * about a quarter more ghosts per second (bench/results). An anchor must run
 * to exit, and with every CPU burning it may wait for one: a worker reaps
 * older anchors only once they are zombies, holds at most PC_ANCHORS_KEPT, and
 * reaps them all at the end of every batch, so nothing outlives a batch.
 * Anchors count against RLIMIT_NPROC: near the limit they go (see
 * ghost_near_nproc).
 */
#define ANCHOR_MIN_BATCH 256	/* a shorter batch gains nothing from one */
/* Not a thread: only a process can wait as a zombie. */
#define ANCHOR_FLAGS (THREAD_FLAGS & ~CLONE_THREAD)
#define NO_ANCHOR UINT64_MAX

bool pc_anchors = true;

struct worker {
	struct pc_pool *pool;
	pid_t pid;		/* the helper process */
	_Atomic int alive;	/* 1 until the kernel clears it at the helper's exit */
	char *stack;		/* its mmap'd stack */
	_Atomic int ctid;	/* thread burner: cleared by the kernel at exit */
	pid_t anchor[PC_ANCHORS_KEPT];	/* ghost burner: its children, or 0 */
	/*
	 * The kernel stores a new anchor's or burner child's PID here before
	 * the clone returns (CLONE_PARENT_SETTID), so that a helper killed at
	 * any moment leaves no child the caller does not know of.
	 */
	pid_t anchor_new, child_new;
	int pidfd;		/* ghost: never written, the clone fails first */
	bool nofile_low;	/* ghost: RLIMIT_NOFILE is 0 here, so it can work */
	/* Child stack for burner clones: the child exits before touching it. */
	char child_stack[256] __attribute__((aligned(16)));
};

struct pc_pool {
	enum pidcycle_strategy s;
	struct pc_features f;
	unsigned int n;		/* helpers running */
	pid_t caller;		/* our process, as the helpers' parent */
	_Atomic int64_t todo;	/* numbers left to claim in this batch */
	_Atomic uint64_t done;	/* numbers consumed in this batch */
	_Atomic int err;	/* first error of this batch */
	_Atomic int gen;	/* futex: bumped per batch and to quit */
	_Atomic int active;	/* futex: workers still in this batch */
	_Atomic bool halt;	/* claim no more in this batch */
	_Atomic int quit;
	bool broken;		/* a helper stopped or died: kill them all */
	_Atomic uint64_t anchor_at;	/* `done` at which an anchor is due */
	_Atomic int anchors_alive;	/* made and not yet reaped, all workers */
	_Atomic bool anchors_off;	/* for good: RLIMIT_NPROC is near */
	struct worker w[];
};

/* ---- helper side: raw syscalls only ---------------------------------- */

static long futex(_Atomic int *addr, int op, int val, long timeout_ns)
{
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };

	return pc_raw_syscall(SYS_futex, (long)addr, op, val,
			      timeout_ns ? (long)&ts : 0, 0, 0);
}

/* Reap pid; with WNOHANG only if it has exited. True once it is gone. */
static bool reap_how(pid_t pid, int how)
{
	long r;

	while ((r = pc_raw_syscall(SYS_wait4, pid, 0, __WALL | how, 0, 0, 0)) == -EINTR)
		;
	return r != 0;
}

static void reap(pid_t pid)
{
	reap_how(pid, 0);
}

/*
 * clone3 refused as a whole - ENOSYS, or EPERM from a seccomp filter that
 * older container profiles and some sandboxes use - means legacy clone()
 * from now on; a filter can arrive after the probe.
 */
static bool clone3_refused(long r)
{
	return r == -ENOSYS || r == -EPERM;
}

static long ghost_one(struct worker *w)
{
	const struct pc_features *f = &w->pool->f;
	struct pc_clone_args a = {
		.flags = f->ghost_flags,
		.pidfd = (uintptr_t)&w->pidfd,
		.stack = (uintptr_t)w->child_stack,
		.stack_size = sizeof(w->child_stack),
	};
	long r;

	if (!w->nofile_low)
		return -ENOSYS;	/* the fd table is not full: it would be a task */
	if (!f->ghost_legacy) {
		r = pc_raw_clone3_exit(&a, sizeof(a));
		if (!clone3_refused(r))
			goto done;
		w->pool->f.ghost_legacy = true;
	}
	r = pc_raw_clone_exit(f->ghost_flags, w->child_stack + sizeof(w->child_stack),
			      &w->pidfd, NULL);
done:
	if (r == -EMFILE)
		return 1;	/* the PID was taken, then given back */
	if (r > 0) {		/* a real task: the ghost does not work here */
		if (!(f->ghost_flags & CLONE_THREAD))
			reap(r);
		return -ENOSYS;
	}
	return r;
}

static long thread_one(struct worker *w)
{
	unsigned long flags = THREAD_FLAGS | CLONE_CHILD_CLEARTID;
	struct pc_clone_args a = {
		.flags = flags,
		.child_tid = (uintptr_t)&w->ctid,
		.stack = (uintptr_t)w->child_stack,
		.stack_size = sizeof(w->child_stack),
	};
	long r;

	w->ctid = 1;
	r = w->pool->f.clone3 ? pc_raw_clone3_exit(&a, sizeof(a)) : -ENOSYS;
	if (clone3_refused(r)) {	/* blocked, maybe only since the probe */
		w->pool->f.clone3 = false;
		r = pc_raw_clone_exit(flags, w->child_stack + sizeof(w->child_stack),
				      NULL, (int *)&w->ctid);
	}
	if (r < 0)
		return r;
	/* Wait until it is gone, so threads never pile up. */
	while (w->ctid)
		futex(&w->ctid, FUTEX_WAIT, 1, 0);
	return 1;
}

/* vfork/fork burners: exit_signal 0, so the child never signals anyone. */
static long child_one(struct worker *w, unsigned long flags)
{
	long r = pc_raw_clone_exit(flags | CLONE_PARENT_SETTID, flags & CLONE_VM ?
				   w->child_stack + sizeof(w->child_stack) : NULL,
				   &w->child_new, NULL);

	if (r < 0)
		return r;
	reap(r);
	w->child_new = 0;
	return 1;
}

/* Reap this worker's anchors: all of them, or (WNOHANG) the zombies. */
static void drop_anchors(struct worker *w, int how)
{
	for (unsigned int i = 0; i < PC_ANCHORS_KEPT; i++)
		if (w->anchor[i] && reap_how(w->anchor[i], how)) {
			w->anchor[i] = 0;
			w->pool->anchors_alive--;
		}
}

/* Keep `pid`: in a free slot, or in place of the oldest, reaped first. */
static void keep_anchor(struct worker *w, pid_t pid)
{
	unsigned int i;

	drop_anchors(w, WNOHANG);
	for (i = 0; i < PC_ANCHORS_KEPT && w->anchor[i]; i++)
		;
	if (i == PC_ANCHORS_KEPT) {
		reap(w->anchor[0]);
		w->pool->anchors_alive--;
		memmove(w->anchor, w->anchor + 1, sizeof(w->anchor) - sizeof(pid_t));
		i = PC_ANCHORS_KEPT - 1;
	}
	w->anchor[i] = pid;
	w->pool->anchors_alive++;
}

/*
 * Make the anchor due at `at`, leaving `next` as the provisional next one in
 * case this worker stalls. 1 when the anchor took the next number; 0 when
 * none could be made (RLIMIT_NPROC, memory): anchors stay off for the batch
 * and ghosts go on.
 */
static long take_anchor(struct worker *w, uint64_t next)
{
	struct pc_pool *p = w->pool;
	uint64_t done = p->done;	/* before other workers move on */
	long r = pc_raw_clone_exit(ANCHOR_FLAGS | CLONE_PARENT_SETTID,
				   w->child_stack + sizeof(w->child_stack),
				   &w->anchor_new, NULL);

	if (r <= 0) {
		p->anchor_at = NO_ANCHOR;
		return 0;
	}
	keep_anchor(w, (pid_t)r);
	w->anchor_new = 0;
	/* The rest of r's block goes to ghosts, the next block's first
	 * number to the next anchor. */
	atomic_compare_exchange_strong(&p->anchor_at, &next, done + PC_ANCHOR_SPAN -
				       (uint64_t)r % PC_ANCHOR_SPAN);
	return 1;
}

/*
 * A ghost that failed with EAGAIN while anchors were alive: RLIMIT_NPROC
 * counts them, and the caller's user may be that close to its limit (the
 * check comes before the PID is taken, so nothing was consumed). Anchors go
 * off for the pool's life; once every worker has reaped its own (each does
 * at its next number), try again without them.
 */
static long ghost_near_nproc(struct worker *w)
{
	struct pc_pool *p = w->pool;

	p->anchors_off = true;
	p->anchor_at = NO_ANCHOR;
	drop_anchors(w, 0);
	/* A helper stopped from outside never reaps its own: halt ends this. */
	while (p->anchors_alive > 0 && !p->halt)
		pc_raw_syscall(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	return ghost_one(w);
}

/* An anchor when one is due (one worker claims it), else a ghost. */
static long ghost_or_anchor(struct worker *w)
{
	struct pc_pool *p = w->pool;
	uint64_t at = p->anchor_at;
	long r;

	if (p->anchors_off)
		drop_anchors(w, 0);
	else if (p->done >= at &&
		 atomic_compare_exchange_strong(&p->anchor_at, &at,
						at + PC_ANCHOR_SPAN) &&
		 take_anchor(w, at + PC_ANCHOR_SPAN))
		return 1;
	r = ghost_one(w);
	if (r == -EAGAIN && p->anchors_alive > 0)
		r = ghost_near_nproc(w);
	return r;
}

static long burn_one(struct worker *w)
{
	switch (w->pool->s) {
	case PIDCYCLE_GHOST:
		return ghost_or_anchor(w);
	case PIDCYCLE_THREAD:
		return thread_one(w);
	case PIDCYCLE_VFORK:
		return child_one(w, CLONE_VM | CLONE_VFORK);
	default:
		return child_one(w, 0);
	}
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
		long r = burn_one(w);

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
	drop_anchors(w, 0);
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
			futex(&p->gen, FUTEX_WAIT, gen, 0);
		gen = p->gen;
		if (p->quit)
			break;
		run_batch(w);
		if (atomic_fetch_sub(&p->active, 1) == 1)
			futex(&p->active, FUTEX_WAKE, 1, 0);
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
		if (futex(&p->active, FUTEX_WAIT, a, TICK_NS) != -ETIMEDOUT)
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
	futex(&p->gen, FUTEX_WAKE, INT_MAX, 0);
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
		if (futex(&w->alive, FUTEX_WAIT, a, TICK_NS) != -ETIMEDOUT ||
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
	futex(&p->gen, FUTEX_WAKE, INT_MAX, 0);
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
