/* writer.c - writes to the emulated file are served one at a time, in order, by one thread. */
/*
 * The receiving thread queues each valid write and goes back to reading, so
 * reads and interrupts are never held up behind a long write. This thread
 * takes them in turn and answers each: its length once v+1 is next, or the
 * errno. An interrupted writer (a signal; SIGKILL included, which in FUSE
 * still waits for our answer) gets EINTR promptly: the one being served
 * through the progress callback, which cancels the library call; queued ones
 * as soon as the receiving thread has read the INTERRUPT (emul_drop_interrupted).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "server.h"

void emul_queue_write(struct srv *s, struct pending *p)
{
	pthread_mutex_lock(&s->lock);
	*s->tail = p;
	s->tail = &p->next;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
}

/* Unlink *pp from the queue (lock held). */
static struct pending *unlink_at(struct srv *s, struct pending **pp)
{
	struct pending *p = *pp;

	*pp = p->next;
	if (s->tail == &p->next)
		s->tail = pp;
	p->next = NULL;
	return p;
}

static const char *const how[] = {
	[EMUL_STEERED] = "by steering",
	[EMUL_AFTER_OTHER] = "right after another task's fork",
	[EMUL_OURS] = "with our own last step",
	[EMUL_QUIET] = "there already, quiet",
	[EMUL_CONSECUTIVE] = "right after the previous answer",
};

/* The answer first; the log line after it, with when the answer went. */
static void answer(const struct srv *s, struct pending *p, int err,
		   const struct emul_steer *st)
{
	double now;

	if (err)
		fuse_reply_err(p->req, -err);
	else
		fuse_reply_write(p->req, (size_t)p->len);
	now = pc_now();
	/* The writer may be about to clone on this CPU: let it first. */
	sched_yield();
	if (err)
		emul_log(s, "write %ld from pid %d: %s after %.3f s", p->value,
			 (int)p->writer, strerrorname_np(-err), now - p->t_in);
	else
		emul_log(s, "write %ld from pid %d: next is %d after %.3f s, %u "
			 "tries, %s (answered at %.6f)",
			 p->value, (int)p->writer, (int)st->target, now - p->t_in,
			 st->tries, how[st->how], now);
	free(p);
}

void emul_drop_interrupted(struct srv *s)
{
	struct pending *gone = NULL;

	pthread_mutex_lock(&s->lock);
	for (struct pending **pp = &s->head; *pp;) {
		if (fuse_req_interrupted((*pp)->req)) {
			struct pending *p = unlink_at(s, pp);

			p->next = gone;
			gone = p;
		} else {
			pp = &(*pp)->next;
		}
	}
	pthread_mutex_unlock(&s->lock);
	while (gone) {
		struct pending *next = gone->next;

		answer(s, gone, -EINTR, NULL);
		gone = next;
	}
}

void emul_queue_stop(struct srv *s)
{
	atomic_store(&s->stop, true);
	pthread_mutex_lock(&s->lock);
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
}

/* The next write to serve, or NULL when stopping (then queued ones get EINTR). */
static struct pending *next_write(struct srv *s)
{
	struct pending *p = NULL;

	pthread_mutex_lock(&s->lock);
	while (!s->head && !atomic_load(&s->stop))
		pthread_cond_wait(&s->more, &s->lock);
	if (s->head)
		p = unlink_at(s, &s->head);
	pthread_mutex_unlock(&s->lock);
	return p;
}

struct serving {
	struct srv *s;
	struct pending *p;
};

static int give_up(void *arg)
{
	const struct serving *w = arg;

	return atomic_load(&w->s->stop) || fuse_req_interrupted(w->p->req);
}

void *emul_writer_main(void *arg)
{
	struct srv *s = arg;
	struct pending *p;

	while ((p = next_write(s))) {
		struct serving w = { .s = s, .p = p };
		struct emul_steer st = { .o = s->o, .cursor_fd = s->lastpid_fd,
					 .recent = &s->recent, .stop = give_up,
					 .stop_arg = &w };
		int err = give_up(&w) ? -EINTR : emul_steer_to(&st, p->value);

		answer(s, p, err, &st);
	}
	return NULL;
}
