/* seccomp_engine.c - the engine with clone3 blocked (ENOSYS) by a seccomp filter, as containers do. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#if defined(__x86_64__)
#define SC_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SC_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * clone3 answers ENOSYS, everything else is allowed. Hand-written, so the
 * tests need no libseccomp. A foreign-arch call is let through untouched.
 */
static int block_clone3(void)
{
	struct sock_filter f[] = {
#ifdef SC_ARCH
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SC_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#endif
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	/* Without privilege a filter needs no_new_privs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp_engine: installing the filter");
		return -1;
	}
	return 0;
}

static bool clone3_blocked(void)
{
	errno = 0;
	return syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS;
}

/* ---- the tests, in a process filtered before its first library call ---- */

static void sc_probe(void **state)
{
	struct pidcycle_info i = { .sz = sizeof(i) };

	(void)state;
	assert_true(clone3_blocked());
	assert_int_equal(pidcycle_probe(&i), 0);
	assert_false(i.clone3);
	assert_false(i.set_tid);
	assert_true(i.ghost);
	assert_false(i.strategies & 1u << PIDCYCLE_SETTID);
	assert_int_equal(i.ns_last_pid_writable, ns_privileged());
	assert_int_equal(i.auto_strategy,
			 ns_privileged() ? PIDCYCLE_LASTPID : PIDCYCLE_GHOST);
}

/* Ahead (one step, a short hop) and, with a small pid_max, round the wrap. */
static void exact_legacy(enum pidcycle_strategy s)
{
	struct hyg_snap snap;

	hyg_take(&snap);
	ns_need(s);
	ns_fork_at_exact(ns_last() + 1, s);
	ns_fork_at_exact(eng_free_from(ns_last() + 500), s);
	if (ns_pid_max() <= 100000)
		ns_fork_at_exact(eng_free_from(ns_last() / 2 + 150), s);
	hyg_check(&snap);
}

static void sc_exact_ghost(void **state) { (void)state; exact_legacy(PIDCYCLE_GHOST); }
static void sc_exact_thread(void **state) { (void)state; exact_legacy(PIDCYCLE_THREAD); }
static void sc_exact_vfork(void **state) { (void)state; exact_legacy(PIDCYCLE_VFORK); }
static void sc_exact_auto(void **state) { (void)state; exact_legacy(PIDCYCLE_AUTO); }

/* The legacy ghost really is a ghost: it runs (no fallback) and burns exactly. */
static void sc_burn_ghost(void **state)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_GHOST, .threads = 2);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct hyg_snap snap;
	struct eng_used u;
	pid_t last;

	(void)state;
	hyg_take(&snap);
	eng_used_scan(&u);
	last = ns_last();
	assert_int_equal(pidcycle_burn(20000, &o, &st), 0);
	assert_int_equal(st.strategy, PIDCYCLE_GHOST);
	assert_int_equal(st.burnt, 20000);
	assert_int_equal(ns_last(), eng_model_burn(&u, last, ns_pid_max(),
						   st.burnt, st.threads));
	print_message("legacy ghost: %.0f PIDs/s with 2 helpers\n", st.pids_per_sec);
	hyg_check(&snap);
}

static int teardown(void **state)
{
	(void)state;
	ns_reap_leftovers();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return pidcycle_probe(&ns_info);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

static int run_filtered(void)
{
	const struct CMUnitTest tests[] = {
		T(sc_probe), T(sc_exact_ghost), T(sc_exact_thread),
		T(sc_exact_vfork), T(sc_exact_auto), T(sc_burn_ghost),
	};
	static char name[64];

	if (block_clone3())
		return 1;
	snprintf(name, sizeof(name), "seccomp-engine-uid%d%s", (int)getuid(),
		 ns_privileged() ? "-privileged" : "");
	hyg_init();
	return cmocka_run_group_tests_name(name, tests, setup, NULL);
}

/* ---- a filter that arrives after the first library call ---------------- */

/*
 * A process that used the library, then got the filter (a sandbox applied
 * late): the library must still not lie, and should still work.
 */
static void sc_late_filter(void **state)
{
	struct hyg_snap snap;

	(void)state;
	hyg_take(&snap);
	assert_int_equal(pidcycle_burn(10, NULL, NULL), 0);	/* features cached */
	assert_int_equal(block_clone3(), 0);
	assert_true(clone3_blocked());
	/* clone3 blocked after the first call: still exact. */
	ns_fork_at_exact(eng_free_from(ns_last() + 300), PIDCYCLE_AUTO);
	hyg_check(&snap);
}

static int run_late(void)
{
	const struct CMUnitTest tests[] = { T(sc_late_filter) };
	static char name[64];

	snprintf(name, sizeof(name), "seccomp-late-uid%d%s", (int)getuid(),
		 ns_privileged() ? "-privileged" : "");
	hyg_init();
	return cmocka_run_group_tests_name(name, tests, setup, NULL);
}

/* ---- PID 1: run each group in a child of its own, never filtered itself -- */

static int run_child(int (*fn)(void))
{
	pid_t t = fork(), r;
	int st = 0;

	if (t < 0)
		return 2;
	if (t == 0)
		exit(fn() ? 1 : 0);
	while ((r = waitpid(-1, &st, __WALL)) != t)
		if (r < 0 && errno != EINTR)
			return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	int a, b;

	if (getpid() != 1) {
		fprintf(stderr, "seccomp_engine: must run as PID 1 of a private PID "
			"namespace: unshare --pid --fork --mount-proc sh "
			"tests/engine_ns.sh 8000 root build/tests/seccomp_engine\n");
		return 2;
	}
	a = run_child(run_filtered);
	b = getenv("SECCOMP_LATE") ? run_child(run_late) : 0;
	return a ? a : b;
}
