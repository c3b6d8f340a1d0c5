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
 *  - the last step before the answer is timed (last_step.c);
 *  - the cursor is read once more right before the answer: a number taken
 *    meanwhile is a lost race too.
 */
#include <errno.h>
#include <time.h>

#include "steer.h"
#include "internal.h"

#define BUSY_GRACE_SEC 1.0
#define BUSY_POLL_NS 1000000

static int progress(const struct pidcycle_progress *p, void *arg)
{
	struct emul_steer *s = arg;

	(void)p;
	return s->stop(s->stop_arg);
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

/* Steer so that the target is next, the last step as above when it can be. */
static int approach(struct emul_steer *s, double t0)
{
	pid_t before, last = emul_last_now(s);
	pid_t next = last < 0 ? 0 : emul_next_after(s, last);
	int err;

	s->how = EMUL_STEERED;
	if (next == s->target)
		return emul_there_already(s, last);
	before = emul_stop_before(s);
	if (!before)
		return call(s, s->target, t0);
	if (next != before) {
		err = call(s, before, t0);
		if (err == -EEXIST)	/* taken meanwhile: go straight */
			return call(s, s->target, t0);
		if (err)
			return err;
		last = emul_last_now(s);
		if (last < 0 || emul_next_after(s, last) != before)
			return -EAGAIN;
	}
	return emul_last_step(s, last, before);
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
	s->target = pc_write_target(v, pid_max);
	if (s->target < 0)
		return s->target;
	for (;;) {
		int err = pc_pid_in_use(s->target) ? -EEXIST : approach(s, t0);

		if (err == -ECANCELED || (err && s->stop(s->stop_arg)))
			return -EINTR;
		if (!err && !emul_still_next(s))
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
