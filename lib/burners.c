/* burners.c - the ways a helper consumes one PID: ghost, thread, vfork, fork. */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>

#include "pool.h"

/*
 * clone3 refused as a whole - ENOSYS, or EPERM from a seccomp filter that
 * older container profiles and some sandboxes use - means legacy clone()
 * from now on; a filter can arrive after the probe.
 */
static bool clone3_refused(long r)
{
	return r == -ENOSYS || r == -EPERM;
}

long pc_ghost_one(struct worker *w)
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
			pc_helper_reap(r);
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
		pc_helper_futex(&w->ctid, FUTEX_WAIT, 1, 0);
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
	pc_helper_reap(r);
	w->child_new = 0;
	return 1;
}


long pc_burn_one(struct worker *w)
{
	switch (w->pool->s) {
	case PIDCYCLE_GHOST:
		return pc_ghost_or_anchor(w);
	case PIDCYCLE_THREAD:
		return thread_one(w);
	case PIDCYCLE_VFORK:
		return child_one(w, CLONE_VM | CLONE_VFORK);
	default:
		return child_one(w, 0);
	}
}
