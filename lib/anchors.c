/* anchors.c - short-lived children that keep the kernel's PID tree built for the ghosts. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "pool.h"

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
/* Not a thread: only a process can wait as a zombie. */
#define ANCHOR_FLAGS (THREAD_FLAGS & ~CLONE_THREAD)

bool pc_anchors = true;

void pc_anchors_drop(struct worker *w, int how)
{
	for (unsigned int i = 0; i < PC_ANCHORS_KEPT; i++)
		if (w->anchor[i] && pc_helper_reap_how(w->anchor[i], how)) {
			w->anchor[i] = 0;
			w->pool->anchors_alive--;
		}
}

/* Keep `pid`: in a free slot, or in place of the oldest, reaped first. */
static void keep_anchor(struct worker *w, pid_t pid)
{
	unsigned int i;

	pc_anchors_drop(w, WNOHANG);
	for (i = 0; i < PC_ANCHORS_KEPT && w->anchor[i]; i++)
		;
	if (i == PC_ANCHORS_KEPT) {
		pc_helper_reap(w->anchor[0]);
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
	pc_anchors_drop(w, 0);
	/* A helper stopped from outside never reaps its own: halt ends this. */
	while (p->anchors_alive > 0 && !p->halt)
		pc_raw_syscall(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	return pc_ghost_one(w);
}

long pc_ghost_or_anchor(struct worker *w)
{
	struct pc_pool *p = w->pool;
	uint64_t at = p->anchor_at;
	long r;

	if (p->anchors_off)
		pc_anchors_drop(w, 0);
	else if (p->done >= at &&
		 atomic_compare_exchange_strong(&p->anchor_at, &at,
						at + PC_ANCHOR_SPAN) &&
		 take_anchor(w, at + PC_ANCHOR_SPAN))
		return 1;
	r = pc_ghost_one(w);
	if (r == -EAGAIN && p->anchors_alive > 0)
		r = ghost_near_nproc(w);
	return r;
}
