/* pool.h - the helper pool's shared state: what burners.c, anchors.c and pool.c share. */
#ifndef PIDCYCLE_POOL_H
#define PIDCYCLE_POOL_H

#include <sched.h>

#include "sys.h"

/*
 * Each worker is a helper *process* made with CLONE_VM: it shares our memory
 * (so starting one costs no page-table copy) but has its own fd table,
 * rlimits and signal handlers. That is what the ghost needs: it lowers its
 * own RLIMIT_NOFILE to 0 so that CLONE_PIDFD fails with EMFILE after the
 * kernel allocated the PID, while the caller's limits stay untouched. The
 * helpers share our TLS too, so they use only raw syscalls (no errno).
 */

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM)

#define ANCHOR_MIN_BATCH 256	/* a shorter batch gains nothing from one */
#define NO_ANCHOR UINT64_MAX

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

/* ---- helper side: raw syscalls only (pool.c) ---------------------------- */

/* futex(2) on addr; timeout_ns 0 waits for ever. */
PC_HIDDEN long pc_helper_futex(_Atomic int *addr, int op, int val, long timeout_ns);
/* Reap pid; with WNOHANG only if it has exited. True once it is gone. */
PC_HIDDEN bool pc_helper_reap_how(pid_t pid, int how);
PC_HIDDEN void pc_helper_reap(pid_t pid);

/* ---- burn methods (burners.c) ------------------------------------------- */

/* One ghost: 1 when a number was consumed, else -errno. */
PC_HIDDEN long pc_ghost_one(struct worker *w);
/* Consume one number with the pool's strategy: 1, or -errno. */
PC_HIDDEN long pc_burn_one(struct worker *w);

/* ---- anchors (anchors.c) ------------------------------------------------ */

/* An anchor when one is due (one worker claims it), else a ghost. */
PC_HIDDEN long pc_ghost_or_anchor(struct worker *w);
/* Reap this worker's anchors: all of them, or (WNOHANG) the zombies. */
PC_HIDDEN void pc_anchors_drop(struct worker *w, int how);

#endif /* PIDCYCLE_POOL_H */
