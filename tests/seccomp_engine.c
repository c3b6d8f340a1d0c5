/* seccomp_engine.c - the engine under seccomp filters as containers and sandboxes set them: clone3 ENOSYS or EPERM, ghosts refused, rlimits frozen. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#if defined(__x86_64__)
#define SC_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SC_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * The filters, hand-written so the tests need no libseccomp. A foreign-arch
 * call is let through untouched. Jump offsets count the instructions
 * skipped; each program's comment names its targets.
 */
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ALLOW RET(SECCOMP_RET_ALLOW)
#define FAIL(e) RET(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define NR offsetof(struct seccomp_data, nr)
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)	/* little endian */

#ifdef SC_ARCH
#define ARCH_CHECK LD(offsetof(struct seccomp_data, arch)), JEQ(SC_ARCH, 1, 0), ALLOW,
#else
#define ARCH_CHECK
#endif

/* clone3 answers err (ENOSYS: Docker's profile; EPERM: older profiles). */
static const struct sock_filter clone3_enosys[] = {
	ARCH_CHECK LD(NR), JEQ(SYS_clone3, 0, 1), FAIL(ENOSYS), ALLOW,
};
static const struct sock_filter clone3_eperm[] = {
	ARCH_CHECK LD(NR), JEQ(SYS_clone3, 0, 1), FAIL(EPERM), ALLOW,
};
/* Ghosts refused for good: clone3 EPERM, clone with CLONE_PIDFD EPERM. */
static const struct sock_filter pidfd_eperm[] = {
	ARCH_CHECK
	LD(NR),
	JEQ(SYS_clone3, 4, 0),		/* -> FAIL */
	JEQ(SYS_clone, 0, 2),		/* else -> ALLOW */
	LD(ARG_LO(0)),
	JSET(CLONE_PIDFD, 1, 0),	/* -> FAIL, else ALLOW */
	ALLOW,
	FAIL(EPERM),
};
/* No limit may be changed (prlimit64 with a new limit, setrlimit): EPERM. */
static const struct sock_filter rlimit_frozen[] = {
	ARCH_CHECK
	LD(NR),
	JEQ(SYS_setrlimit, 6, 0),	/* -> FAIL */
	JEQ(SYS_prlimit64, 0, 4),	/* else -> ALLOW */
	LD(ARG_LO(2)),
	JEQ(0, 0, 3),			/* a new limit -> FAIL */
	LD(ARG_HI(2)),
	JEQ(0, 0, 1),			/* -> ALLOW, else FAIL */
	ALLOW,
	FAIL(EPERM),
};

static int install(const struct sock_filter *f, size_t n)
{
	struct sock_fprog prog = { (unsigned short)n, (struct sock_filter *)f };

	/* Without privilege a filter needs no_new_privs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp_engine: installing the filter");
		return -1;
	}
	return 0;
}

#define INSTALL(f) install((f), sizeof(f) / sizeof((f)[0]))

static int clone3_errno(void)
{
	errno = 0;
	return syscall(SYS_clone3, NULL, 0) < 0 ? errno : 0;
}

/* ---- clone3 refused (ENOSYS or EPERM), in a process filtered first ------- */

static int clone3_err;	/* what the filter answers */

/*
 * Neither answer is a missing privilege: clone3 is unusable, and the
 * ns_last_pid write is probed on its own (root may write it). The old probe
 * read EPERM as "no privilege" and denied root lastpid too.
 */
static void sc_probe(void **state)
{
	struct pidcycle_info i = { .sz = sizeof(i) };

	(void)state;
	assert_int_equal(clone3_errno(), clone3_err);
	assert_int_equal(pidcycle_probe(&i), 0);
	assert_false(i.clone3);
	assert_false(i.set_tid);
	assert_true(i.ghost);
	assert_false(i.strategies & 1u << PIDCYCLE_SETTID);
	assert_int_equal(i.ns_last_pid_writable, ns_privileged());
	assert_int_equal(!!(i.strategies & 1u << PIDCYCLE_LASTPID), ns_privileged());
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

/* A burn of n with s: it runs with `ran` and burns exactly. */
static void burn_exact(enum pidcycle_strategy s, enum pidcycle_strategy ran,
		       uint64_t n)
{
	PIDCYCLE_OPTS(o, .strategy = s, .threads = 2);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct hyg_snap snap;
	struct eng_used u;
	pid_t last;
	int rc;

	hyg_take(&snap);
	eng_used_scan(&u);
	last = ns_last();
	rc = pidcycle_burn(n, &o, &st);
	print_message("burn %llu (%s): %d, %llu burnt by %s, %.0f PIDs/s with 2 "
		      "helpers\n", (unsigned long long)n, pidcycle_strategy_name(s), rc,
		      (unsigned long long)st.burnt, pidcycle_strategy_name(st.strategy),
		      st.pids_per_sec);
	assert_int_equal(rc, 0);
	assert_int_equal(st.strategy, ran);
	assert_int_equal(st.burnt, n);
	assert_int_equal(ns_last(), eng_model_burn(&u, last, ns_pid_max(),
						   st.burnt, st.threads));
	hyg_check(&snap);
}

/* The legacy ghost really is a ghost: it runs (no fallback) and burns exactly. */
static void sc_burn_ghost(void **state)
{
	(void)state;
	burn_exact(PIDCYCLE_GHOST, PIDCYCLE_GHOST, 20000);
}

/* Every call works: set_next, fork_min, burn (AUTO: lastpid as root). */
static void sc_every_call(void **state)
{
	struct hyg_snap snap;
	pid_t target, r;

	(void)state;
	hyg_take(&snap);
	target = eng_free_from(ns_last() + 300);
	assert_int_equal(pidcycle_set_next(target, NULL), 0);
	ns_fork_expect(target);
	target = eng_free_from(ns_last() + 300);
	r = pidcycle_fork_min(target, NULL);
	if (r == 0)
		_exit(getpid() >= target ? 0 : 3);
	hyg_own(r);
	assert_true(r >= target);
	ns_reap_ok(r);
	assert_int_equal(pidcycle_burn(1000, NULL, NULL), 0);
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

static int run_group(const char *mode, const struct CMUnitTest *t, size_t n)
{
	static char name[64];

	snprintf(name, sizeof(name), "seccomp-%s-uid%d%s", mode, (int)getuid(),
		 ns_privileged() ? "-privileged" : "");
	hyg_init();
	return _cmocka_run_group_tests(name, t, n, setup, NULL);
}

static int run_clone3(int err)
{
	const struct CMUnitTest tests[] = {
		T(sc_probe), T(sc_exact_ghost), T(sc_exact_thread),
		T(sc_exact_vfork), T(sc_exact_auto), T(sc_burn_ghost),
		T(sc_every_call),
	};

	clone3_err = err;
	if (err == ENOSYS ? INSTALL(clone3_enosys) : INSTALL(clone3_eperm))
		return 1;
	return run_group(err == ENOSYS ? "clone3-enosys" : "clone3-eperm", tests,
			 sizeof(tests) / sizeof(tests[0]));
}

/* ---- ghosts that cannot work: refused, or no rlimit to lower ------------ */

static int ghost_err;	/* what an explicit ghost burn must give */

/*
 * An explicit ghost burn fails at the first persistent error having burnt
 * nothing but the numbers its helpers took. The old pool counted "done > 0"
 * (an anchor) as progress while the error stood and burnt on to the end.
 */
static void sc_ghost_stops(void **state)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_GHOST, .threads = 2);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct hyg_snap snap;
	pid_t last;
	int rc;

	(void)state;
	hyg_take(&snap);
	last = ns_last();
	rc = pidcycle_burn(5000, &o, &st);
	print_message("ghost burn 5000: %d, %llu burnt, %u helpers, cursor %d -> %d\n",
		      rc, (unsigned long long)st.burnt, st.threads, (int)last,
		      (int)ns_last());
	assert_int_equal(rc, ghost_err);
	assert_true(st.burnt <= st.threads);
	assert_true(ns_last() - last <= (pid_t)st.threads);
	hyg_check(&snap);
}

/* AUTO falls back to threads, in pidcycle_burn as in the calls that steer. */
static void sc_auto_burn(void **state)
{
	(void)state;
	burn_exact(PIDCYCLE_AUTO, PIDCYCLE_THREAD, 5000);
}

static void sc_auto_fork_at(void **state)
{
	(void)state;
	ns_fork_at_exact(eng_free_from(ns_last() + 500), PIDCYCLE_AUTO);
}

static int run_no_ghost(const char *mode)
{
	const struct CMUnitTest tests[] = {
		T(sc_ghost_stops), T(sc_auto_burn), T(sc_auto_fork_at),
	};
	bool pidfd = !strcmp(mode, "pidfd-eperm");

	ghost_err = pidfd ? -EPERM : -ENOSYS;
	if (pidfd ? INSTALL(pidfd_eperm) : INSTALL(rlimit_frozen))
		return 1;
	return run_group(mode, tests, sizeof(tests) / sizeof(tests[0]));
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
	assert_int_equal(INSTALL(clone3_enosys), 0);
	assert_int_equal(clone3_errno(), ENOSYS);
	/* clone3 blocked after the first call: still exact. */
	ns_fork_at_exact(eng_free_from(ns_last() + 300), PIDCYCLE_AUTO);
	hyg_check(&snap);
}

static int run_late(void)
{
	const struct CMUnitTest tests[] = { T(sc_late_filter) };

	return run_group("late", tests, 1);
}

/* ---- PID 1: run the mode in a child of its own, never filtered itself -- */

static int run_mode(const char *mode)
{
	if (!strcmp(mode, "clone3-enosys"))
		return run_clone3(ENOSYS);
	if (!strcmp(mode, "clone3-eperm"))
		return run_clone3(EPERM);
	if (!strcmp(mode, "pidfd-eperm") || !strcmp(mode, "rlimit-frozen"))
		return run_no_ghost(mode);
	if (!strcmp(mode, "late"))
		return run_late();
	fprintf(stderr, "seccomp_engine: unknown mode '%s'\n", mode);
	return 2;
}

static int run_child(const char *mode)
{
	pid_t t = fork(), r;
	int st = 0;

	if (t < 0)
		return 2;
	if (t == 0)
		exit(run_mode(mode) ? 1 : 0);
	while ((r = waitpid(-1, &st, __WALL)) != t)
		if (r < 0 && errno != EINTR)
			return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	int fail = 0;

	if (getpid() != 1) {
		fprintf(stderr, "seccomp_engine: must run as PID 1 of a private PID "
			"namespace: unshare --pid --fork --mount-proc sh "
			"tests/engine_ns.sh 8000 root build/tests/seccomp_engine "
			"[MODE...]\n");
		return 2;
	}
	if (argc < 2)
		return run_child("clone3-enosys");
	for (int i = 1; i < argc; i++)
		fail |= run_child(argv[i]) != 0;
	return fail;
}
