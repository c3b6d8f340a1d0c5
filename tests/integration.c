/* integration.c - cmocka tests against the real kernel, run as PID 1 of a private PID namespace. */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "integration.h"
#include "sys.h"

/* ---- probe --------------------------------------------------------------- */

/* What clone3(set_tid = our own PID) answers: EEXIST if we may choose PIDs. */
static int set_tid_oracle(void)
{
	pid_t self = getpid();
	struct pc_clone_args a = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&self,
		.set_tid_size = 1,
	};
	long r = syscall(SYS_clone3, &a, sizeof(a));

	if (r == 0)
		_exit(0);	/* impossible: our PID is taken */
	if (r > 0) {
		hyg_own(r);
		ns_reap(r);
		return 0;
	}
	return errno;
}

static void probe_fields_check(const struct pidcycle_info *i)
{
	struct utsname u;

	assert_int_equal(uname(&u), 0);
	assert_string_equal(i->kernel, u.release);
	assert_int_equal(i->pid_max, ns_pid_max());
	assert_true(i->pid_max > 300);
	assert_int_equal(i->last_pid, ns_last());
	assert_true(i->last_pid >= 0 && i->last_pid < i->pid_max);
	assert_int_equal(i->wrap_floor, i->last_pid >= 300 ? 300 : 1);
	errno = 0;
	syscall(SYS_clone3, NULL, 0);
	assert_int_equal(i->clone3, errno != ENOSYS);
	if (i->clone3)
		assert_int_equal(i->set_tid, set_tid_oracle() == EEXIST);
	assert_int_equal(i->ns_last_pid_readable,
			 access("/proc/sys/kernel/ns_last_pid", R_OK) == 0);
}

static void probe_privilege_check(const struct pidcycle_info *i)
{
	if (ns_privileged()) {
		assert_true(i->set_tid || !i->clone3);
		assert_true(i->ns_last_pid_writable);
	}
	if (ns_no_caps()) {
		assert_false(i->set_tid);
		assert_false(i->ns_last_pid_writable);
	}
}

static void probe_mask_check(const struct pidcycle_info *i)
{
	unsigned int m = i->strategies;
	unsigned int burners = 1u << PIDCYCLE_THREAD | 1u << PIDCYCLE_VFORK |
			       1u << PIDCYCLE_FORK | 1u << PIDCYCLE_GHOST;

	assert_int_equal(m >> PIDCYCLE_STRATEGY_MAX, 0);
	/* DESIGN.md 2: ghosts work for anyone from 5.2 on; this kernel is newer. */
	assert_true(i->ghost);
	assert_int_equal(m & burners, burners);
	assert_int_equal(!!(m & 1u << PIDCYCLE_SETTID), i->set_tid);
	assert_int_equal(!!(m & 1u << PIDCYCLE_LASTPID), i->ns_last_pid_writable);
	assert_true(i->auto_strategy > PIDCYCLE_AUTO &&
		    i->auto_strategy < PIDCYCLE_STRATEGY_MAX);
	assert_true(m & 1u << i->auto_strategy);
}

/* An older caller's smaller struct: only its prefix is written. */
static void probe_small_struct_check(void)
{
	size_t sz = offsetof(struct pidcycle_info, last_pid);
	union {
		struct pidcycle_info i;
		unsigned char b[sizeof(struct pidcycle_info)];
	} u;

	memset(&u, 0xee, sizeof(u));
	u.i.sz = sz;
	assert_int_equal(pidcycle_probe(&u.i), 0);
	if (u.i.sz != sz)
		fail_msg("pidcycle_probe set an older caller's sz %zu to %zu",
			 sz, u.i.sz);
	assert_int_equal(u.i.pid_max, ns_pid_max());
	for (size_t k = sz; k < sizeof(u.b); k++)
		if (u.b[k] != 0xee)
			fail_msg("pidcycle_probe wrote byte %zu beyond sz %zu", k, sz);
	assert_int_equal(pidcycle_probe(NULL), -EINVAL);
	u.i.sz = 0;
	assert_int_equal(pidcycle_probe(&u.i), -EINVAL);
}

HYG_TEST(probe_sane)
{
	struct pidcycle_info i = { .sz = sizeof(i) };

	assert_int_equal(pidcycle_probe(&i), 0);
	assert_int_equal(i.sz, sizeof(i));
	probe_fields_check(&i);
	probe_privilege_check(&i);
	probe_mask_check(&i);
	probe_small_struct_check();
}

/* ---- exact PIDs ---------------------------------------------------------- */

static bool privileged_strategy(enum pidcycle_strategy s)
{
	return s == PIDCYCLE_SETTID || s == PIDCYCLE_LASTPID ||
	       (s == PIDCYCLE_AUTO && (ns_has(PIDCYCLE_SETTID) ||
				       ns_has(PIDCYCLE_LASTPID)));
}

/* With privilege a number behind the cursor, even below 300, is one step. */
static void exact_behind(enum pidcycle_strategy s)
{
	pid_t last = ns_last();

	if (ns_pid_free(150))
		ns_fork_at_exact(150, s);
	if (last - 100 >= 300 && ns_pid_free(last - 100))
		ns_fork_at_exact(last - 100, s);
}

static void exact_with(enum pidcycle_strategy s)
{
	static const pid_t dist[] = { 1, 2, 500, 1 };

	if (s != PIDCYCLE_AUTO)
		ns_need(s);
	for (size_t k = 0; k < sizeof(dist) / sizeof(dist[0]); k++)
		ns_fork_at_exact(ns_last() + dist[k], s);
	if (privileged_strategy(s))
		exact_behind(s);
}

HYG_TEST(exact_settid) { exact_with(PIDCYCLE_SETTID); }
HYG_TEST(exact_lastpid) { exact_with(PIDCYCLE_LASTPID); }
HYG_TEST(exact_ghost) { exact_with(PIDCYCLE_GHOST); }
HYG_TEST(exact_thread) { exact_with(PIDCYCLE_THREAD); }
HYG_TEST(exact_vfork) { exact_with(PIDCYCLE_VFORK); }
HYG_TEST(exact_fork) { exact_with(PIDCYCLE_FORK); }
HYG_TEST(exact_auto) { exact_with(PIDCYCLE_AUTO); }

/*
 * glibc caches the TID in struct pthread; fork() refreshes it in the child.
 * The settid child must see its own TID there too, or pthread_self()-based
 * calls (affinity, CPU clocks) act on the parent. pthread_getcpuclockid()
 * encodes that cached TID in the clock id: compare it with a fresh gettid().
 */
HYG_TEST(settid_child_tid_cache)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_SETTID);
	pid_t target, child;

	ns_need(PIDCYCLE_SETTID);
	target = ns_last() + 7;
	child = pidcycle_fork_at(target, &o);
	if (child == 0) {
		clockid_t mine, fresh;

		if (pthread_getcpuclockid(pthread_self(), &mine))
			_exit(3);
		/* The clock of a thread: ~tid << 3 | 6 (MAKE_THREAD_CPUCLOCK). */
		fresh = (clockid_t)((~(unsigned int)syscall(SYS_gettid) << 3) | 6);
		_exit(mine == fresh && getpid() == target ? 0 : 4);
	}
	assert_int_equal(child, target);
	hyg_own(child);
	ns_reap_ok(child);
}

/* ---- set_next ------------------------------------------------------------ */

static void set_next_with(enum pidcycle_strategy s)
{
	static const pid_t dist[] = { 1, 300, 2 };
	PIDCYCLE_OPTS(o, .strategy = s);

	if (s != PIDCYCLE_AUTO)
		ns_need(s);
	for (size_t k = 0; k < sizeof(dist) / sizeof(dist[0]); k++) {
		pid_t target = ns_last() + dist[k];
		int rc = pidcycle_set_next(target, &o);

		if (rc)
			fail_msg("pidcycle_set_next(%d, %s) = %d", (int)target,
				 pidcycle_strategy_name(s), rc);
		ns_fork_expect(target);	/* nothing else runs here */
	}
}

HYG_TEST(set_next_auto) { set_next_with(PIDCYCLE_AUTO); }
HYG_TEST(set_next_lastpid) { set_next_with(PIDCYCLE_LASTPID); }
HYG_TEST(set_next_ghost) { set_next_with(PIDCYCLE_GHOST); }
HYG_TEST(set_next_thread) { set_next_with(PIDCYCLE_THREAD); }
HYG_TEST(set_next_vfork) { set_next_with(PIDCYCLE_VFORK); }
HYG_TEST(set_next_fork) { set_next_with(PIDCYCLE_FORK); }

/* ---- fork_min ------------------------------------------------------------ */

/* In the child: a later fork must also get a number >= min. */
static void __attribute__((noreturn)) min_child(pid_t min)
{
	pid_t self = (pid_t)syscall(SYS_getpid), g = fork();
	int st;

	if (g == 0)
		_exit(0);
	if (g < 0)
		_exit(4);
	while (waitpid(g, &st, 0) < 0 && errno == EINTR)
		;
	_exit(self >= min && g >= min ? 0 : 3);
}

static pid_t fork_min_check(pid_t min, enum pidcycle_strategy s)
{
	PIDCYCLE_OPTS(o, .strategy = s);
	pid_t r = pidcycle_fork_min(min, &o);

	if (r == 0)
		min_child(min);
	hyg_own(r);
	if (r > 0)
		ns_reap_ok(r);
	if (r < min)
		fail_msg("pidcycle_fork_min(%d, %s) = %d", (int)min,
			 pidcycle_strategy_name(s), (int)r);
	return r;
}

static void fork_min_ahead_with(enum pidcycle_strategy s)
{
	if (s != PIDCYCLE_AUTO)
		ns_need(s);
	fork_min_check(ns_last() + 400, s);
	fork_min_check(ns_last() + 1, s);
}

HYG_TEST(fork_min_ahead_auto) { fork_min_ahead_with(PIDCYCLE_AUTO); }
HYG_TEST(fork_min_ahead_ghost) { fork_min_ahead_with(PIDCYCLE_GHOST); }
HYG_TEST(fork_min_ahead_thread) { fork_min_ahead_with(PIDCYCLE_THREAD); }
HYG_TEST(fork_min_ahead_fork) { fork_min_ahead_with(PIDCYCLE_FORK); }

/* min already behind the cursor: no hop, the child simply gets a new number. */
HYG_TEST(fork_min_behind)
{
	enum pidcycle_strategy s[] = { PIDCYCLE_AUTO, ns_fast_burner() };

	for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
		pid_t last = ns_last(), min = last / 2 > 0 ? last / 2 : 1;
		pid_t r = fork_min_check(min, s[k]);

		if (r <= last)
			fail_msg("fork_min(%d) below the cursor gave %d <= last %d",
				 (int)min, (int)r, (int)last);
		last = ns_last();
		r = fork_min_check(1, s[k]);
		assert_true(r > last);
	}
}

/* ---- main ---------------------------------------------------------------- */

static int group_teardown(void **state)
{
	(void)state;
	wrap_restore();
	return 0;
}

#define T(f) NS_TEST(f)

static int run_all(const char *unused)
{
	const struct CMUnitTest tests[] = {
		T(probe_sane),
		T(exact_settid), T(exact_lastpid), T(exact_ghost),
		T(exact_thread), T(exact_vfork), T(exact_fork), T(exact_auto),
		T(settid_child_tid_cache),
		T(set_next_auto), T(set_next_lastpid), T(set_next_ghost),
		T(set_next_thread), T(set_next_vfork), T(set_next_fork),
		T(fork_min_ahead_auto), T(fork_min_ahead_ghost),
		T(fork_min_ahead_thread), T(fork_min_ahead_fork),
		T(fork_min_behind),
		T(in_use_self_and_init), T(in_use_pgrp_only), T(in_use_zombie),
		T(errors_einval), T(errors_erange),
		T(timeout_ms), T(timeout_max_burn),
		T(cancel_progress), T(cancel_progress_burn),
		T(burn_auto), T(burn_ghost), T(burn_thread), T(burn_vfork),
		T(burn_fork), T(burn_two_threads), T(estimate_ahead),
		/* Last: they lower pid_max. */
		T(wrap_settid), T(wrap_lastpid), T(wrap_ghost), T(wrap_thread),
		T(wrap_vfork), T(wrap_fork), T(wrap_auto),
	};

	(void)unused;
	return ns_run_group("integration", tests, sizeof(tests) / sizeof(tests[0]),
			    ns_group_setup, group_teardown);
}

int main(void)
{
	return ns_main("integration",
		       "unshare --pid --fork --mount-proc build/tests/integration",
		       run_all, NULL);
}
