/* preload.c - LD_PRELOAD library: lets an unprivileged CRIU restore tasks at their original PIDs. */
/* This file: configuration, the common steer-then-candidate loop, the clone3 path. */
/*
 * CRIU asks for a PID in one of two ways (DESIGN.md section 4):
 *  - syscall(SYS_clone3, &args, 80) with set_tid_size 1, fork-like;
 *  - write "<pid-1>" to ns_last_pid, then glibc clone().
 * Without CAP_CHECKPOINT_RESTORE over the PID namespace both fail with EPERM.
 * The shim lets the real call run first and, only when it was refused, gets
 * the PID the unprivileged way: steer the allocator with libpidcycle, then
 * make the child through pc_candidate(), which keeps it only if it got the
 * number. The caller sees what the privileged call would have returned.
 * Everything the host never asked for (helpers, rejected children, their
 * SIGCHLD, our fds) stays invisible to it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <urcu-bp.h>

#include "preload.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The largest struct clone_args we copy (VER2 is 88 bytes). */
#define ARGS_MAX 128

SHIM_TLS int in_shim;
SHIM_TLS pid_t expect_next;

/* ---- configuration: read once, on first use ------------------------------ */

static struct {
	unsigned int timeout_ms;	/* 0 = none */
	enum pidcycle_strategy strategy;	/* AUTO or a burner */
	int log;
} cfg;
static pthread_once_t cfg_once = PTHREAD_ONCE_INIT;

static void cfg_load(void)
{
	const char *t = getenv("PIDCYCLE_TIMEOUT");
	const char *s = getenv("PIDCYCLE_STRATEGY");
	const char *l = getenv("PIDCYCLE_LOG");
	double sec = 60;
	char *end;
	int st;

	if (t && *t) {
		double v = strtod(t, &end);

		if (end != t && !*end && v >= 0)
			sec = v;
	}
	cfg.timeout_ms = sec * 1000 > UINT_MAX ? UINT_MAX : (unsigned int)(sec * 1000);
	st = s && *s ? pidcycle_strategy_parse(s) : PIDCYCLE_AUTO;
	/* The privileged ways are what just failed: burn instead. */
	cfg.strategy = st < PIDCYCLE_GHOST ? PIDCYCLE_AUTO : st;
	cfg.log = l && *l && strcmp(l, "0");
}

void shim_cfg_get(void)
{
	int saved = errno;

	pthread_once(&cfg_once, cfg_load);
	errno = saved;
}

/* ---- the next definition of syscall() ----------------------------------- */

void *shim_next_sym(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!p) {
		p = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	}
	return p;
}

long shim_sys_result(long r)
{
	if ((unsigned long)r > -4096UL) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static long real_syscall(long nr, const long *a)
{
	static void *slot;
	long (*fn)(long, ...) = shim_next_sym(&slot, "syscall");

	if (fn)
		return fn(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return shim_sys_result(pc_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}

/* ---- getting a PID the unprivileged way --------------------------------- */

/* EEXIST: ": in use by 5001 'sleep', uid 1000", so the log says whom to ask. */
static void held_by(pid_t want, char *buf, size_t n)
{
	struct pidcycle_holder h;
	int len;

	buf[0] = '\0';
	if (pc_holder_find(want, &h) <= 0)
		return;
	len = snprintf(buf, n, ": in use by ");
	if (len > 0 && (size_t)len < n)
		pidcycle_holder_text(&h, buf + len, n - (size_t)len);
}

static void place_log(const struct place *p, long res, const struct pc_run *r,
		      unsigned int lost)
{
	int saved = errno;
	char held[96] = "";

	if (res == -EEXIST)
		held_by(p->want, held, sizeof(held));
	if (res >= 0)
		dprintf(2, "pidcycle-preload: %s pid %d: ok, %llu burnt, "
			"%u races lost, %.3f s\n", p->how, (int)p->want,
			(unsigned long long)r->burnt, lost, pc_now() - r->t0);
	else
		dprintf(2, "pidcycle-preload: %s pid %d: failed (%s%s), %llu burnt, "
			"%u races lost, %.3f s\n", p->how, (int)p->want,
			strerrorname_np((int)-res), held, (unsigned long long)r->burnt,
			lost, pc_now() - r->t0);
	errno = saved;
}

static enum pidcycle_strategy burner(void)
{
	if (cfg.strategy != PIDCYCLE_AUTO)
		return cfg.strategy;
	return pc_auto_burner(pc_features());
}

/*
 * Steer until `want` is next. After a lost race the number may be held for a
 * moment by whoever took it (a short-lived task): wait for it, within the
 * timeout, instead of failing a call the caller cannot retry by itself. In use
 * from the start is EEXIST, as the kernel says - unless we told the caller it
 * was free (the write to ns_last_pid before a clone()).
 */
static int steer(struct pc_run *r, bool wait_busy)
{
	const struct timespec ms = { 0, 1000000 };

	for (;;) {
		int err = pc_steer(r, PC_GOAL_NEXT);

		if (err != -PC_ETAKEN && !(err == -EEXIST && wait_busy))
			return err;
		err = pc_run_check(r, 0);
		if (err)
			return err;
		nanosleep(&ms, NULL);
	}
}

/* The loop: steer, try a candidate, again after a lost race. */
static long place_loop(const struct place *p, struct pc_run *r,
		       unsigned int *lost)
{
	for (;;) {
		long pid = steer(r, p->wait_busy);

		if (pid || !p->make)
			return pid;
		if (p->cursor_fd)
			*p->cursor_fd = r->cur.fd;
		pid = pc_run_candidate(r, p->make, p->arg, PC_GOAL_NEXT);
		if (pid != -PC_ELOST)
			return pid;
		++*lost;
		if (p->pidfd)
			close(*p->pidfd);
		pid = pc_run_check(r, 0);
		if (pid)
			return pid;
	}
}

long shim_place(const struct place *p)
{
	PIDCYCLE_OPTS(pub, .strategy = cfg.strategy,
		      .timeout_ms = cfg.timeout_ms);
	unsigned int lost = 0;
	struct pc_opts o;
	struct pc_run r;
	long res;

	res = pc_opts_load(&pub, &o);
	if (!res)
		res = pc_run_init(&r, &o, burner(), p->want);
	if (res)
		return res;
	res = pc_public_err((int)place_loop(p, &r, &lost));
	if (res == 0 && p->make)
		return 0;	/* the child: its copy of r is dropped */
	pc_run_fini(&r);
	if (cfg.log)
		place_log(p, res, &r, lost);
	return res;
}

/* ---- the clone3 path ---------------------------------------------------- */

struct c3_make {
	unsigned char args[ARGS_MAX];	/* the caller's, set_tid removed */
	size_t size;
	bool legacy;		/* clone3 is blocked: use clone() */
};

/* Legacy clone with the same meaning, for seccomp profiles that block clone3. */
static long legacy_clone(const struct pc_clone_args *a)
{
	unsigned long flags = a->flags | a->exit_signal;
	long ptid = a->flags & CLONE_PIDFD ? (long)a->pidfd : (long)a->parent_tid;

#if defined(__x86_64__)
	return pc_raw_syscall(SYS_clone, flags, 0, ptid, a->child_tid, a->tls, 0);
#else
	return pc_raw_syscall(SYS_clone, flags, 0, ptid, a->tls, a->child_tid, 0);
#endif
}

/* Fork-like, stack 0: the child returns here like the parent, with 0. */
static pid_t make_clone3(void *arg)
{
	struct c3_make *m = arg;
	long r;

	urcu_bp_before_fork();
	if (m->legacy)
		r = legacy_clone((struct pc_clone_args *)m->args);
	else
		r = pc_raw_syscall(SYS_clone3, (long)m->args, m->size, 0, 0, 0, 0);
	if (r == 0)
		urcu_bp_after_fork_child();
	else
		urcu_bp_after_fork_parent();
	return (pid_t)r;
}

/* What we can do exactly as asked: one level, fork-like, stack 0. */
static bool clone3_ours(const struct pc_clone_args *a, size_t size, pid_t *want)
{
	if (!a || size < sizeof(*a) || size > ARGS_MAX || a->set_tid_size != 1 ||
	    !a->set_tid || (a->flags & NOT_FORKLIKE) || a->stack ||
	    (a->exit_signal != 0 && a->exit_signal != SIGCHLD))
		return false;
	*want = *(const pid_t *)(uintptr_t)a->set_tid;
	return *want > 0;
}

static long clone3_emulate(const struct pc_clone_args *a, size_t size,
			   pid_t want, bool legacy)
{
	struct c3_make m = { .size = size, .legacy = legacy };
	struct pc_clone_args *c = (struct pc_clone_args *)m.args;
	struct place p = { .how = "clone3", .want = want, .make = make_clone3,
			   .arg = &m };

	/* Legacy clone has 32 flag bits and one pointer for ptid and pidfd. */
	if (legacy && ((a->flags >> 32) || ((a->flags & CLONE_PIDFD) &&
					    (a->flags & CLONE_PARENT_SETTID))))
		return -ENOSYS;
	memcpy(m.args, a, size);
	c->set_tid = 0;
	c->set_tid_size = 0;
	if (a->flags & CLONE_PIDFD)
		p.pidfd = (int *)(uintptr_t)a->pidfd;
	return shim_place(&p);
}

static long shim_clone3(const long *arg)
{
	const struct pc_clone_args *a = (const void *)arg[0];
	int saved = errno, err;
	long r = real_syscall(SYS_clone3, arg);
	pid_t want;

	if (r != -1 || (errno != EPERM && errno != ENOSYS) ||
	    !clone3_ours(a, (size_t)arg[1], &want))
		return r;
	err = errno;
	shim_cfg_get();
	in_shim++;
	r = clone3_emulate(a, (size_t)arg[1], want, err == ENOSYS);
	in_shim--;
	if (r == 0)
		expect_next = 0;	/* the child starts clean */
	errno = r < 0 ? (int)-r : saved;
	return r < 0 ? -1 : r;
}

SHIM_EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6];

	/* Always six: a caller's unused ones are garbage we pass on unread. */
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == SYS_clone3 && !in_shim)
		return shim_clone3(a);
	return real_syscall(nr, a);
}
