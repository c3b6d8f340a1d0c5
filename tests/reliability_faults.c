/* reliability_faults.c - faults in the environment: hidden /proc, read-only or missing sysctls, exhausted limits. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"	/* PC_ANCHOR_SPAN */
#include "reliability.h"

#define SAFETY_MS 10000

static void skip_why(const char *why)
{
	print_message("[ SKIP-WHY ] %s (tests/faults.sh sets this up)\n", why);
	skip();
}

/* Is /proc mounted with hidepid (any mode but 0)? */
static bool proc_hidepid(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	bool hidden = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " /proc ") && strstr(line, " - proc ") &&
		    (strstr(line, "hidepid=2") || strstr(line, "hidepid=invisible") ||
		     strstr(line, "hidepid=1") || strstr(line, "hidepid=noaccess")))
			hidden = true;
	fclose(f);
	return hidden;
}

static int open_err(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static void fork_at_exact_or_fail(pid_t target, enum pidcycle_strategy s)
{
	PIDCYCLE_OPTS(o, .strategy = s, .timeout_ms = SAFETY_MS);
	int err = 0;
	enum rt_outcome out = rt_fork_at(target, &o, &err);

	if (out != RT_EXACT)
		fail_msg("fork_at(%d, %s): %s %d", (int)target,
			 pidcycle_strategy_name(s),
			 out == RT_FALSE ? "FALSE SUCCESS" : "failed", err);
}

/* ---- /proc with hidepid=2, unprivileged --------------------------------- */

HYG_TEST(fault_hidepid)
{
	struct pidcycle_info i = { .sz = sizeof(i) };
	const char *hidden = getenv("RT_HIDDEN_PID");
	PIDCYCLE_OPTS(o, .timeout_ms = SAFETY_MS, .max_burn = 100000);
	pid_t last, h, r;

	if (!proc_hidepid())
		skip_why("/proc is not mounted with hidepid");
	rt_need_unprivileged();
	assert_int_equal(pidcycle_probe(&i), 0);
	assert_int_equal(i.last_pid, ns_last());
	fork_at_exact_or_fail(ns_last() + 100, PIDCYCLE_AUTO);
	fork_at_exact_or_fail(ns_last() + 100, ns_fast_burner());
	last = ns_last();
	r = pidcycle_fork_at(1, &o);
	if (r == 0)
		_exit(5);
	assert_int_equal(r, -EEXIST);
	/* Another user's process we cannot see in /proc (not a group leader). */
	h = hidden ? atoi(hidden) : 0;
	if (h > 1) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%d", (int)h);
		if (access(path, F_OK) == 0)
			fail_msg("RT_HIDDEN_PID %d is visible: hidepid did not apply", (int)h);
		r = ns_settle_fork(pidcycle_fork_at(h, &o));
		if (r != -EEXIST)
			fail_msg("fork_at(%d) of another user's process hidden by "
				 "hidepid = %d (%s), want -EEXIST; cursor %d -> %d",
				 (int)h, (int)r, r > 0 ? "FALSE SUCCESS" : strerror(-r),
				 (int)last, (int)ns_last());
		rt_cursor_is(last, "a target hidden by hidepid");
	}
}

/* ---- /proc/sys read-only, as root ---------------------------------------- */

HYG_TEST(fault_sys_ro)
{
	struct pidcycle_info i = { .sz = sizeof(i) };
	PIDCYCLE_OPTS(lastpid, .strategy = PIDCYCLE_LASTPID);
	pid_t target, child, last;

	if (open_err("/proc/sys/kernel/ns_last_pid", O_RDWR) != EROFS)
		skip_why("/proc/sys is not read-only");
	rt_need_root();
	assert_int_equal(pidcycle_probe(&i), 0);
	assert_false(i.ns_last_pid_writable);
	assert_false(i.strategies & (1u << PIDCYCLE_LASTPID));
	last = ns_last();
	child = pidcycle_fork_at(last + 10, &lastpid);
	if (child == 0)
		_exit(5);
	assert_true(child == -EPERM || child == -EROFS);
	rt_cursor_is(last, "LASTPID on a read-only /proc/sys");
	fork_at_exact_or_fail(ns_last() + 100, PIDCYCLE_AUTO);
	/* set_next cannot use set_tid: it must burn. */
	target = ns_last() + 100;
	assert_int_equal(pidcycle_set_next(target, NULL), 0);
	ns_fork_expect(target);
}

/* ---- no ns_last_pid (no CONFIG_CHECKPOINT_RESTORE): /proc/loadavg ------- */

HYG_TEST(fault_no_lastpid)
{
	struct pidcycle_info i = { .sz = sizeof(i) };
	pid_t target;

	if (open_err("/proc/sys/kernel/ns_last_pid", O_RDONLY) != ENOENT ||
	    open_err("/proc/sys/kernel/pid_max", O_RDONLY) != 0)
		skip_why("ns_last_pid is not hidden (or pid_max is missing too)");
	assert_int_equal(pidcycle_probe(&i), 0);
	assert_false(i.ns_last_pid_readable);
	assert_false(i.ns_last_pid_writable);
	assert_int_equal(i.last_pid, ns_last());	/* loadavg */
	fork_at_exact_or_fail(ns_last() + 100, PIDCYCLE_AUTO);
	fork_at_exact_or_fail(ns_last() + 100, ns_fast_burner());
	target = ns_last() + 50;
	assert_int_equal(pidcycle_set_next(target, NULL), 0);
	ns_fork_expect(target);
}

/* ---- neither ns_last_pid nor pid_max: works, or fails cleanly ----------- */

HYG_TEST(fault_no_sysctl)
{
	struct pidcycle_info i = { .sz = sizeof(i) };
	pid_t last, r;
	int p;

	if (open_err("/proc/sys/kernel/ns_last_pid", O_RDONLY) != ENOENT ||
	    open_err("/proc/sys/kernel/pid_max", O_RDONLY) != ENOENT)
		skip_why("/proc/sys/kernel is not hidden");
	last = ns_last();
	p = pidcycle_probe(&i);
	r = pidcycle_fork_at(last + 100, NULL);
	if (r == 0)
		ns_child_exit_if(last + 100);
	hyg_own(r);
	if (r > 0)
		ns_reap_ok(r);
	print_message("[ NOTE ] without pid_max: probe = %d, fork_at = %d\n", p, (int)r);
	if (p == 0) {
		assert_int_equal(i.last_pid, last);
		assert_int_equal(r, last + 100);
		return;
	}
	assert_int_equal(p, -ENOENT);
	assert_int_equal(r, -ENOENT);
	rt_cursor_is(last, "a failed call without pid_max");
}

/* ---- RLIMIT_NPROC reached, unprivileged ---------------------------------- */

/* Tasks (threads count) of our real uid that we can see. */
static rlim_t tasks_of_uid(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	rlim_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		if (stat(path, &st) == 0 && st.st_uid == getuid())
			n += (rlim_t)st.st_nlink - 2;
	}
	closedir(d);
	return n;
}

HYG_TEST(fault_nproc)
{
	PIDCYCLE_OPTS(o, .timeout_ms = 3000);
	struct rlimit old, lim, during;
	pid_t last = ns_last(), r, m;
	int b, s;

	rt_need_unprivileged();
	assert_int_equal(getrlimit(RLIMIT_NPROC, &old), 0);
	lim = old;
	lim.rlim_cur = tasks_of_uid();
	assert_int_equal(setrlimit(RLIMIT_NPROC, &lim), 0);
	r = pidcycle_fork_at(last + 100, &o);
	if (r == 0)
		_exit(5);
	m = pidcycle_fork_min(last + 100, &o);
	if (m == 0)
		_exit(5);
	s = pidcycle_set_next(last + 100, &o);
	b = pidcycle_burn(10, &o, NULL);
	assert_int_equal(getrlimit(RLIMIT_NPROC, &during), 0);
	assert_int_equal(setrlimit(RLIMIT_NPROC, &old), 0);
	assert_true(during.rlim_cur == lim.rlim_cur && during.rlim_max == lim.rlim_max);
	hyg_own(r);
	hyg_own(m);
	if (r > 0)
		ns_reap(r);
	if (m > 0)
		ns_reap(m);
	print_message("  at RLIMIT_NPROC: fork_at %d, fork_min %d, set_next %d, burn %d\n",
		      (int)r, (int)m, s, b);
	/* A limit, not a lost race: -ENOSPC, never -EAGAIN (pidcycle(3)). */
	if (r != -ENOSPC || m != -ENOSPC || s != -ENOSPC || b != -ENOSPC)
		fail_msg("at RLIMIT_NPROC every call should fail with -ENOSPC "
			 "(%d): fork_at %d, fork_min %d, set_next %d, burn %d",
			 -ENOSPC, (int)r, (int)m, s, b);
	rt_cursor_is(last, "calls at RLIMIT_NPROC");
}

/*
 * Room for the helpers and a ghost in flight in each, no more: a ghost burn
 * still works. Its anchors (anchors.c) count against the limit and would
 * leave the ghosts none, so they must give way for the rest of the call:
 * a few are made, not one per batch. Returns the tasks made, as the
 * machine's fork counter saw them (so other processes' forks count too).
 */
static unsigned long long burn_with_nproc_room(unsigned int workers)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_GHOST, .threads = workers,
		      .timeout_ms = 10000);
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct rlimit old, lim;
	unsigned long long forks;
	pid_t last, moved;
	int rc;

	assert_int_equal(getrlimit(RLIMIT_NPROC, &old), 0);
	lim = old;
	/* Our uid's tasks elsewhere count too and /proc shows only this
	 * namespace's: start from what it shows and find the real room. */
	lim.rlim_cur = ns_nproc_for_one_more(tasks_of_uid()) - 1 + 2 * workers;
	assert_int_equal(setrlimit(RLIMIT_NPROC, &lim), 0);
	last = ns_last();
	forks = ns_forks_so_far();
	rc = pidcycle_burn(20000, &o, &st);
	forks = ns_forks_so_far() - forks;
	assert_int_equal(setrlimit(RLIMIT_NPROC, &old), 0);
	print_message("  RLIMIT_NPROC with room for %u helpers and their ghosts: burn "
		      "%d, %llu burnt, cursor %d -> %d, %llu tasks made\n", workers,
		      rc, (unsigned long long)st.burnt, (int)last, (int)ns_last(),
		      forks);
	assert_int_equal(rc, 0);
	assert_int_equal(st.burnt, 20000);
	moved = ns_last() - last;
	if (moved < 0)		/* wrapped: numbers below 300 are not reused */
		moved += ns_pid_max() - 300;
	assert_true(moved >= 20000);
	return forks;
}

/*
 * Anchors that do not give way make one task per batch (about 19,700 here);
 * giving way leaves a handful, within 20000 / PC_ANCHOR_SPAN. The fork
 * counter is machine-wide: a burst of someone else's forks can push one
 * measurement over, not three in a row, so only three failures fail.
 */
HYG_TEST(fault_nproc_room)
{
	const unsigned long long most = 20000 / PC_ANCHOR_SPAN;

	rt_need_unprivileged();
	ns_need(PIDCYCLE_GHOST);
	for (unsigned int workers = 1; workers <= 2; workers++) {
		unsigned long long forks = burn_with_nproc_room(workers);

		for (int again = 0; again < 2 && forks > most; again++)
			forks = burn_with_nproc_room(workers);
		if (forks > most)
			fail_msg("%llu tasks made, three times: anchors did not "
				 "give way", forks);
	}
}

/* ---- fd table full -------------------------------------------------------- */

/* The limit under which exactly `extra` fd numbers are free. */
static rlim_t limit_with_free(int extra)
{
	int fd = 0;

	for (;; fd++) {
		errno = 0;
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && extra-- == 0)
			return (rlim_t)fd;
	}
}

static void nofile_case(rlim_t extra)
{
	PIDCYCLE_OPTS(o, .timeout_ms = SAFETY_MS);
	struct rlimit old, lim, during;
	pid_t last = ns_last(), target = last + 50;
	int err = 0, b;
	enum rt_outcome out;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = limit_with_free((int)extra);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	out = rt_fork_at(target, &o, &err);
	b = pidcycle_burn(3, &o, NULL);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &during), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	print_message("  RLIMIT_NOFILE leaves %d fd free: fork_at %s %d, burn %d\n",
		      (int)extra, out == RT_EXACT ? "exact" : out == RT_FALSE ?
		      "FALSE SUCCESS" : "failed", err, b);
	assert_true(during.rlim_cur == lim.rlim_cur && during.rlim_max == lim.rlim_max);
	if (out == RT_FALSE)
		fail_msg("fork_at(%d) reported a wrong PID as success", (int)target);
	if (out == RT_CLEAN_FAIL && err != -EMFILE)
		fail_msg("fork_at with a full fd table: %d, want -EMFILE", err);
	if (b && b != -EMFILE)
		fail_msg("burn with a full fd table: %d, want 0 or -EMFILE", b);
	if (out == RT_CLEAN_FAIL && b)
		rt_cursor_is(last, "failed calls with a full fd table");
}

HYG_TEST(fault_nofile)
{
	for (rlim_t extra = 0; extra < 4; extra++)
		nofile_case(extra);
}

/* ---- pid_max lowered during a long burn, as root -------------------------- */

/* Child: once the cursor passed `at`, lower pid_max; stop when told. */
static void __attribute__((noreturn)) lowerer(pid_t at, pid_t to, int quit_fd)
{
	struct pollfd p = { .fd = quit_fd, .events = POLLIN };

	while (poll(&p, 1, 1) == 0)
		if (ns_last() >= at)
			_exit(ns_set_pid_max(to) ? 3 : 0);
	_exit(4);
}

HYG_TEST(fault_pid_max_lowered)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_GHOST, .timeout_ms = 120000);
	pid_t max = ns_pid_max(), last, low, lw, c;
	int quit[2], st;

	rt_need_root();
	ns_need(PIDCYCLE_GHOST);
	if (max < 1100000 || !ns_pid_max_private())
		skip_why("needs a private pid_max above 1100000 (a new namespace on 6.14+)");
	last = ns_last();
	low = last + 10000;	/* below the cursor by then */
	assert_int_equal(pipe(quit), 0);
	lw = fork();
	if (lw == 0) {
		close(quit[1]);
		lowerer(last + 20000, low, quit[0]);
	}
	hyg_own(lw);
	close(quit[0]);
	c = pidcycle_fork_at(last + 1000000, &o);
	if (c == 0)
		_exit(5);
	hyg_own(c);
	if (c > 0)
		ns_reap(c);
	close(quit[1]);
	st = ns_reap(lw);
	print_message("  pid_max %d -> %d during the burn: fork_at = %d\n",
		      (int)max, (int)low, (int)c);
	assert_int_equal(ns_set_pid_max(max), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);	/* it did lower it */
	if (c != -EINVAL && c != -ETIMEDOUT && c != -EAGAIN)
		fail_msg("fork_at across a lowered pid_max = %d, want a clean "
			 "-EINVAL/-ETIMEDOUT/-EAGAIN", (int)c);
}
