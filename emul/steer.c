/* steer.c - what a write of v to the emulated ns_last_pid does: make v+1 the next PID handed out. */
/*
 * pidcycle_set_next() does the work, in the server's own namespaces and with
 * its own privileges: the privileged write where it may, else burning; its
 * helpers are gone when it returns, so the server never holds the number it
 * was asked for. Around it:
 *  - a lost race (EAGAIN) is tried again, within the write's time;
 *  - a number in use (EEXIST) is waited for a moment: a short-lived task
 *    (a concurrent fork+_exit loop) often holds it when it is checked, and
 *    must not fail a restore; found in use at every try for BUSY_GRACE_SEC
 *    it is EEXIST;
 *  - v = pid_max - 1 or pid_max: the kernel then hands out the first free
 *    number from RESERVED_PIDS (300) on, so that is the target;
 *  - the writer going away (FUSE INTERRUPT) or the server stopping cancels
 *    the call through the progress callback: EINTR;
 *  - the last number before the target is left for others to take: the
 *    library steers to one short, then we watch the cursor for up to
 *    LULL_SEC. A task that takes it makes the target next, and right after
 *    someone's fork is the best moment to answer: their next fork is then
 *    furthest away (a thread cannot be retried: CRIU's restorer fails the
 *    restore when its clone gets another TID). If nobody does, a thread of
 *    ours that exits at once takes it;
 *  - the target may be next already. Right after the previous answer (the
 *    writer's own clone took the number: consecutive TIDs, as CRIU's
 *    restorer asks for them) the moment is as good as that answer's. Else
 *    others' forks got it there at a moment we do not know: watch the cursor
 *    for LULL_SEC; if someone takes the target, go round rather than answer
 *    at a bad moment (a lap costs time; a lost thread, the restore);
 *  - the cursor is read once more right before the answer: a number taken
 *    meanwhile is a lost race too. What is left is the time from that read
 *    to the writer's clone.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "steer.h"
#include "sys.h"

#define BUSY_GRACE_SEC 1.0
#define BUSY_POLL_NS 1000000
#define LULL_SEC 0.01
#define CONSECUTIVE_SEC 0.00015
#define SETTLE_SEC 0.0001
#define SPARSE_SEC 0.0004
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID)

static int progress(const struct pidcycle_progress *p, void *arg)
{
	struct emul_steer *s = arg;

	(void)p;
	return s->stop(s->stop_arg);
}

/* The first number from RESERVED_PIDS up that is free. */
static pid_t after_wrap(pid_t pid_max)
{
	for (pid_t p = PC_RESERVED_PIDS; p < pid_max; p++)
		if (!pc_pid_in_use(p))
			return p;
	return -EEXIST;
}

static int call(struct emul_steer *s, pid_t target, double t0)
{
	PIDCYCLE_OPTS(o, .strategy = s->o->strategy, .threads = s->o->threads,
		      .progress = progress, .progress_arg = s, .progress_ms = 5);
	double left_ms = s->o->timeout_ms - (pc_now() - t0) * 1000;

	if (s->o->timeout_ms) {
		if (left_ms < 1)
			return -ETIMEDOUT;
		o.timeout_ms = (unsigned int)left_ms;
	}
	s->tries++;
	return pidcycle_set_next(target, &o);
}

/* The last PID handed out, or -1. */
static pid_t last_now(const struct emul_steer *s)
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
static pid_t next_after(const struct emul_steer *s, pid_t last)
{
	pid_t floor = last >= PC_RESERVED_PIDS ? PC_RESERVED_PIDS : 1, p = last + 1;

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
static bool still_next(const struct emul_steer *s)
{
	pid_t last = last_now(s), next;

	if (last == s->target - 1)
		return true;
	next = last < 0 ? 0 : next_after(s, last);
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
	pid_t last = last_now(s);
	double t0 = pc_now();

	while (pc_now() - t0 < SETTLE_SEC && last_now(s) == last)
		;
}

/* One short of the target (the last PID is `last`, the next `before`): wait
 * for someone else to take it (see above), else take it. 0, or -EAGAIN. */
static int last_step(struct emul_steer *s, pid_t last, pid_t before)
{
	pid_t seen = last;
	double t0 = pc_now();

	while ((last = last_now(s)) == seen) {
		if (pc_now() - t0 >= LULL_SEC) {
			s->how = EMUL_OURS;
			return take_one() == before && still_next(s) ? 0 : -EAGAIN;
		}
	}
	s->how = EMUL_AFTER_OTHER;
	/* Only where forks are sparse: between quick ones there is no time. */
	if (pc_now() - t0 >= SPARSE_SEC)
		settle(s);
	return still_next(s) ? 0 : -EAGAIN;
}

/* The target is next already: answer now, or once nothing moved for
 * LULL_SEC; -EAGAIN (go round) if someone takes it meanwhile. */
static int there_already(struct emul_steer *s, pid_t last)
{
	double t0 = pc_now();

	if (s->recent->target == last && t0 - s->recent->at < CONSECUTIVE_SEC) {
		s->how = EMUL_CONSECUTIVE;
		return 0;
	}
	s->how = EMUL_QUIET;
	while (last_now(s) == last)
		if (pc_now() - t0 >= LULL_SEC)
			return 0;
	return -EAGAIN;
}

/* The free number just below the target to stop at (the numbers between
 * are in use: the previous thread's TID, a short-lived child), or 0. */
static pid_t stop_before(const struct emul_steer *s)
{
	for (pid_t p = s->target - 1; p > PC_RESERVED_PIDS && p > s->target - 16; p--)
		if (!pc_pid_in_use(p))
			return p;
	return 0;
}

/* Steer so that the target is next, the last step as above when it can be. */
static int approach(struct emul_steer *s, double t0)
{
	pid_t before, last = last_now(s);
	pid_t next = last < 0 ? 0 : next_after(s, last);
	int err;

	s->how = EMUL_STEERED;
	if (next == s->target)
		return there_already(s, last);
	before = stop_before(s);
	if (!before)
		return call(s, s->target, t0);
	if (next != before) {
		err = call(s, before, t0);
		if (err == -EEXIST)	/* taken meanwhile: go straight */
			return call(s, s->target, t0);
		if (err)
			return err;
		last = last_now(s);
		if (last < 0 || next_after(s, last) != before)
			return -EAGAIN;
	}
	return last_step(s, last, before);
}

static void pause_ms(void)
{
	const struct timespec ms = { 0, BUSY_POLL_NS };

	nanosleep(&ms, NULL);
}

int emul_steer_to(struct emul_steer *s, long v)
{
	double t0 = pc_now(), busy_since = -1;
	pid_t pid_max = pc_pid_max();

	s->tries = 0;
	if (pid_max < 0)
		return pid_max;
	s->pid_max = pid_max;
	s->target = v + 1 < pid_max ? (pid_t)v + 1 : after_wrap(pid_max);
	if (s->target < 0)
		return s->target;
	for (;;) {
		int err = pc_pid_in_use(s->target) ? -EEXIST : approach(s, t0);

		if (err == -ECANCELED || (err && s->stop(s->stop_arg)))
			return -EINTR;
		if (!err && !still_next(s))
			err = -EAGAIN;
		if (!err) {
			s->recent->target = s->target;
			s->recent->at = pc_now();
		}
		if (err == -EAGAIN) {
			busy_since = -1;	/* it was free: a new wait if taken */
			continue;	/* lost a race: steer again */
		}
		if (err != -EEXIST)
			return err;
		if (busy_since < 0)
			busy_since = pc_now();
		if (pc_now() - busy_since >= BUSY_GRACE_SEC)
			return -EEXIST;
		pause_ms();
	}
}
