/* last_step.c - when to answer a write: the last number before the target, and the moment after it. */
/*
 * A thread cannot be retried: CRIU's restorer fails the restore when its
 * clone gets another TID than the one it wrote for. What decides it is
 * whether another task takes the target between our answer and that clone.
 *  - The last number before the target is left for others to take: the
 *    library steers to one short, then we watch the cursor for up to
 *    LULL_SEC. A task that takes it makes the target next, and right after
 *    someone's fork is the best moment to answer: their next fork is then
 *    furthest away. Where forks are sparse, SETTLE_SEC more lets the forking
 *    pair (the child exits, the parent reaps it) have the CPU the writer will
 *    want. If nobody takes it, a thread of ours that exits at once does.
 *  - The target may be next already. Right after the previous answer (the
 *    writer's own clone took the number: consecutive TIDs, as CRIU's
 *    restorer asks for them) the moment is as good as that answer's. Else
 *    others' forks got it there at a moment we do not know: watch the cursor
 *    for LULL_SEC; if someone takes the target, go round rather than answer
 *    at a bad moment (a lap costs time; a lost thread, the restore).
 * What is left is the time from our last look at the cursor to the writer's
 * clone (see the README for what was measured).
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "steer.h"
#include "sys.h"

#define LULL_SEC 0.01
#define CONSECUTIVE_SEC 0.00015
#define SETTLE_SEC 0.0001
#define SPARSE_SEC 0.0004
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID)

/* The last PID handed out, or -1. */
pid_t emul_last_now(const struct emul_steer *s)
{
	char buf[32];
	ssize_t n = pread(s->cursor_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (pid_t)atol(buf);
}

/*
 * The number the allocator hands out after last (kernel/pid.c): the first
 * free one from last + 1, wrapping at pid_max to 300 once past it (to 1
 * before). 0 if that is more than a few numbers away.
 */
pid_t emul_next_after(const struct emul_steer *s, pid_t last)
{
	pid_t floor = pc_wrap_floor(last), p = last + 1;

	for (int i = 0; i < 1024; i++, p++) {
		if (p >= s->pid_max)
			p = floor;
		if (!pc_pid_in_use(p))
			return p;
	}
	return 0;
}

/*
 * Is the target the next PID? (Cannot tell: trust the library.) Fast when
 * the last PID is just below it, as it nearly always is: the allocator
 * hands out nothing below its cursor, and the target was free when this
 * try began. This runs between the last step and the answer.
 */
bool emul_still_next(const struct emul_steer *s)
{
	pid_t last = emul_last_now(s), next;

	if (last == s->target - 1)
		return true;
	next = last < 0 ? 0 : emul_next_after(s, last);
	return !next || next == s->target;
}

/* One number taken by a thread that exits at once: its TID, or -errno. */
static long take_one(void)
{
	static char stack[256] __attribute__((aligned(16)));	/* never touched */
	static _Atomic int ctid;
	long r;

	ctid = 1;
	r = pc_raw_clone_exit(THREAD_FLAGS, stack + sizeof(stack), NULL, (int *)&ctid);
	while (r > 0 && ctid)
		pc_raw_syscall(SYS_futex, (long)&ctid, FUTEX_WAIT, 1, 0, 0, 0);
	return r;
}

/* A fork has just taken a number: its parent and child want a CPU for a
 * moment (the child exits, the parent reaps it). Let them have it before
 * the writer needs one; stop at once if the cursor moves (then we lost). */
static void settle(const struct emul_steer *s)
{
	pid_t last = emul_last_now(s);
	double t0 = pc_now();

	while (pc_now() - t0 < SETTLE_SEC && emul_last_now(s) == last)
		;
}

/* One short of the target (the last PID is `last`, the next `before`): wait
 * for someone else to take it (see above), else take it. 0, or -EAGAIN. */
int emul_last_step(struct emul_steer *s, pid_t last, pid_t before)
{
	pid_t seen = last;
	double t0 = pc_now();

	while ((last = emul_last_now(s)) == seen) {
		if (pc_now() - t0 >= LULL_SEC) {
			s->how = EMUL_OURS;
			return take_one() == before && emul_still_next(s) ? 0 : -EAGAIN;
		}
	}
	s->how = EMUL_AFTER_OTHER;
	/* Only where forks are sparse: between quick ones there is no time. */
	if (pc_now() - t0 >= SPARSE_SEC)
		settle(s);
	return emul_still_next(s) ? 0 : -EAGAIN;
}

/* The target is next already: answer now, or once nothing moved for
 * LULL_SEC; -EAGAIN (go round) if someone takes it meanwhile. */
int emul_there_already(struct emul_steer *s, pid_t last)
{
	double t0 = pc_now();

	if (s->recent->target == last && t0 - s->recent->at < CONSECUTIVE_SEC) {
		s->how = EMUL_CONSECUTIVE;
		return 0;
	}
	s->how = EMUL_QUIET;
	while (emul_last_now(s) == last)
		if (pc_now() - t0 >= LULL_SEC)
			return 0;
	return -EAGAIN;
}

/* The free number just below the target to stop at (the numbers between
 * are in use: the previous thread's TID, a short-lived child), or 0. */
pid_t emul_stop_before(const struct emul_steer *s)
{
	for (pid_t p = s->target - 1; p > PC_RESERVED_PIDS && p > s->target - 16; p--)
		if (!pc_pid_in_use(p))
			return p;
	return 0;
}

