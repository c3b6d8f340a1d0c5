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
	char *stack;		/* its mmap'd stack */
	_Atomic int ctid;	/* thread burner: cleared by the kernel at exit */
	pid_t anchor[PC_ANCHORS_KEPT];	/* ghost burner: its children, or 0 */
	int pidfd;		/* ghost: never written, the clone fails first */
	/* Child stack for burner clones: the child exits before touching it. */
	char child_stack[256] __attribute__((aligned(16)));
};

struct pc_pool {
	enum pidcycle_strategy s;
	struct pc_features f;
	unsigned int n;
	_Atomic int64_t todo;	/* numbers left to claim in this batch */
	_Atomic uint64_t done;	/* numbers consumed in this batch */
	_Atomic int err;	/* first error of this batch */
	_Atomic int gen;	/* futex: bumped per batch and to quit */
	_Atomic int active;	/* futex: workers still in this batch */
	_Atomic int quit;
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

	if (!f->ghost_legacy) {
		r = pc_raw_clone3_exit(&a, sizeof(a));
		if (r != -ENOSYS)
			goto done;
		/* A seccomp filter added after the probe: clone() from now on. */
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
	if (r == -ENOSYS) {	/* blocked, maybe only since the probe */
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
	long r = pc_raw_clone_exit(flags, flags & CLONE_VM ?
				   w->child_stack + sizeof(w->child_stack) : NULL,
				   NULL, NULL);

	if (r < 0)
		return r;
	reap(r);
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
	long r = pc_raw_clone_exit(ANCHOR_FLAGS,
				   w->child_stack + sizeof(w->child_stack),
				   NULL, NULL);

	if (r <= 0) {
		p->anchor_at = NO_ANCHOR;
		return 0;
	}
	keep_anchor(w, (pid_t)r);
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
	/* A helper killed from outside never reaps its own: quit ends this. */
	while (p->anchors_alive > 0 && !p->quit)
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

	while (t > 0 && !atomic_compare_exchange_weak(&p->todo, &t, t - 1))
		;
	return t > 0;
}

static void run_batch(struct worker *w)
{
	struct pc_pool *p = w->pool;

	while (claim(p)) {
		long r = burn_one(w);

		if (r == 1) {
			p->done++;
			continue;
		}
		int zero = 0;

		/* -ENOSYS (a ghost that made a real task) did take a number,
		 * uncounted: callers that steer re-measure the cursor anyway. */
		atomic_compare_exchange_strong(&p->err, &zero, (int)r);
		p->todo = 0;
		break;
	}
	drop_anchors(w, 0);
}

static void lower_nofile(void)
{
	struct rlimit cur, none;

	if (pc_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&cur, 0, 0))
		return;
	none.rlim_cur = 0;
	none.rlim_max = cur.rlim_max;
	pc_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&none, 0, 0, 0);
}

static int worker_main(void *arg)
{
	struct worker *w = arg;
	struct pc_pool *p = w->pool;
	int gen = 0;

	/* If the caller dies, so do we: nothing is left running. */
	pc_raw_syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
	if (p->s == PIDCYCLE_GHOST)
		lower_nofile();
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
	/* exit_signal 0: the helper's end never raises SIGCHLD in the caller. */
	w->pid = clone(worker_main, w->stack + HELPER_STACK,
		       CLONE_VM | CLONE_UNTRACED, w);
	if (w->pid < 0) {
		int err = -errno;

		w->pid = 0;
		errno = saved;
		return err;
	}
	return 0;
}

int pc_pool_start(struct pc_pool **out, enum pidcycle_strategy s,
		  unsigned int threads)
{
	struct pc_pool *p = calloc(1, sizeof(*p) + threads * sizeof(p->w[0]));
	sigset_t all, old;
	int err = 0;

	if (!p)
		return -ENOMEM;
	p->s = s;
	p->f = *pc_features();
	p->n = threads;
	/* Helpers start with every signal blocked and keep it that way. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int i = 0; i < threads && !err; i++) {
		p->w[i].pool = p;
		err = start_worker(&p->w[i]);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pc_pool_stop(p);
		return err;
	}
	*out = p;
	return 0;
}

/* A helper that died (killed from outside) would never finish its batch. */
static bool worker_died(struct pc_pool *p)
{
	for (unsigned int i = 0; i < p->n; i++) {
		siginfo_t si = { 0 };
		int saved = errno;
		int r = waitid(P_PID, p->w[i].pid, &si,
			       WEXITED | WNOHANG | WNOWAIT | __WALL);

		errno = saved;
		if (r == 0 && si.si_pid == p->w[i].pid)
			return true;
	}
	return false;
}

int64_t pc_pool_burn(struct pc_pool *p, uint64_t n)
{
	int a;

	if (!n)
		return 0;
	p->todo = (int64_t)n;
	p->done = 0;
	p->err = 0;
	p->anchor_at = pc_anchors && !p->anchors_off &&
		       p->s == PIDCYCLE_GHOST && n >= ANCHOR_MIN_BATCH ?
		       0 : NO_ANCHOR;
	p->active = (int)p->n;
	p->gen++;
	futex(&p->gen, FUTEX_WAKE, INT_MAX, 0);
	while ((a = p->active) != 0) {
		if (futex(&p->active, FUTEX_WAIT, a, 100000000) == -ETIMEDOUT &&
		    worker_died(p)) {
			p->todo = 0;
			return -ECHILD;
		}
	}
	if (p->err && !p->done)
		return p->err;
	return (int64_t)p->done;
}

void pc_pool_stop(struct pc_pool *p)
{
	if (!p)
		return;
	p->quit = 1;
	p->gen++;
	futex(&p->gen, FUTEX_WAKE, INT_MAX, 0);
	for (unsigned int i = 0; i < p->n; i++) {
		if (p->w[i].pid > 0)
			pc_sys_wait_pid(p->w[i].pid);
		if (p->w[i].stack)
			munmap(p->w[i].stack, HELPER_STACK);
	}
	free(p);
}
