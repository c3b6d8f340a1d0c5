/* nsutil.c - helpers for tests that run inside a private PID namespace. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "hygiene.h"
#include "nsutil.h"

struct pidcycle_info ns_info = { .sz = sizeof(struct pidcycle_info) };

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = 0;
	return 0;
}

pid_t ns_last(void)
{
	char buf[128];
	const char *p;

	if (!read_file("/proc/sys/kernel/ns_last_pid", buf, sizeof(buf)))
		return atoi(buf);
	/* The 5th field of /proc/loadavg is the same cursor. */
	assert_int_equal(read_file("/proc/loadavg", buf, sizeof(buf)), 0);
	p = strrchr(buf, ' ');
	assert_non_null(p);
	return atoi(p + 1);
}

pid_t ns_pid_max(void)
{
	char buf[32];

	assert_int_equal(read_file("/proc/sys/kernel/pid_max", buf, sizeof(buf)), 0);
	return atoi(buf);
}

unsigned long long ns_forks_so_far(void)
{
	unsigned long long n = 0;
	char line[256];
	FILE *f = fopen("/proc/stat", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "processes %llu", &n) == 1)
			break;
	fclose(f);
	assert_true(n > 0);
	return n;
}

static int write_file(const char *path, long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CLOEXEC), len, err = 0;

	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld", v);
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

bool ns_pid_max_private(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 14);
}

int ns_set_pid_max(pid_t v)
{
	return write_file("/proc/sys/kernel/pid_max", v);
}

static unsigned long long cap_eff(void)
{
	char buf[4096];
	const char *p;

	assert_int_equal(read_file("/proc/self/status", buf, sizeof(buf)), 0);
	p = strstr(buf, "CapEff:");
	assert_non_null(p);
	return strtoull(p + 7, NULL, 16);
}

bool ns_privileged(void)
{
	return cap_eff() & (1ull << 21 | 1ull << 40);
}

bool ns_no_caps(void)
{
	return cap_eff() == 0;
}

bool ns_has(enum pidcycle_strategy s)
{
	return ns_info.strategies & (1u << s);
}

void ns_need(enum pidcycle_strategy s)
{
	if (ns_has(s))
		return;
	print_message("[ SKIP-WHY ] strategy %s is not usable here (%s)\n",
		      pidcycle_strategy_name(s),
		      ns_privileged() ? "kernel feature missing"
				      : "needs CAP_SYS_ADMIN/CAP_CHECKPOINT_RESTORE");
	skip();
}

enum pidcycle_strategy ns_fast_burner(void)
{
	static const enum pidcycle_strategy order[] = {
		PIDCYCLE_GHOST, PIDCYCLE_THREAD, PIDCYCLE_VFORK, PIDCYCLE_FORK,
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (ns_has(order[i]))
			return order[i];
	fail_msg("no burner strategy in the probe's mask 0x%x", ns_info.strategies);
	return PIDCYCLE_FORK;
}

/* Does any task use `pid` as its pgid or sid? (/proc/<p>/stat fields 5, 6) */
static bool used_as_group(pid_t pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool used = false;

	assert_non_null(d);
	while (!used && (e = readdir(d))) {
		char path[300], buf[512];
		const char *p;
		int pgrp, sid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (read_file(path, buf, sizeof(buf)) || !(p = strrchr(buf, ')')))
			continue;
		if (sscanf(p + 2, "%*c %*d %d %d", &pgrp, &sid) == 2)
			used = pgrp == pid || sid == pid;
	}
	closedir(d);
	return used;
}

bool ns_pid_free(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	/* /proc/<tid> resolves for threads too, though readdir hides them. */
	return access(path, F_OK) && !used_as_group(pid);
}

void ns_move_last(pid_t last)
{
	pid_t now = ns_last();

	if (now == last)
		return;
	if (ns_info.ns_last_pid_writable &&
	    !write_file("/proc/sys/kernel/ns_last_pid", last)) {
		assert_int_equal(ns_last(), last);
		return;
	}
	assert_true(last > now);
	assert_int_equal(pidcycle_burn((uint64_t)(last - now), NULL, NULL), 0);
	assert_int_equal(ns_last(), last);
}

void ns_child_exit_if(pid_t want)
{
	_exit(syscall(SYS_getpid) == want ? 0 : 3);
}

int ns_reap(pid_t pid)
{
	int st = 0;
	pid_t r;

	do
		r = waitpid(pid, &st, __WALL);
	while (r < 0 && errno == EINTR);
	assert_int_equal(r, pid);
	return st;
}

void ns_reap_ok(pid_t pid)
{
	int st = ns_reap(pid);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("child %d: wait status 0x%x (exit 3 = wrong PID seen by the child)",
			 (int)pid, st);
}

int ns_children(pid_t *out, int max)
{
	char buf[4096], *p, *end;
	int n = 0;

	/* No cmocka assert: this runs inside progress callbacks too. */
	if (read_file("/proc/thread-self/children", buf, sizeof(buf)))
		return -1;
	for (p = buf; n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		out[n++] = (pid_t)v;
	}
	return n;
}

/* The calling thread's children, killed by PID. */
static void kill_children(void)
{
	pid_t kids[1024];	/* more than a 4 KiB list can name */
	int n = ns_children(kids, 1024);

	for (int i = 0; i < n; i++)
		if (kids[i] > 1)
			kill(kids[i], SIGKILL);
}

void ns_reap_leftovers(void)
{
	kill_children();
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
}

pid_t ns_settle_fork(pid_t r)
{
	if (r == 0)
		_exit(5);
	hyg_own(r);
	if (r > 0)
		ns_reap(r);
	return r;
}

void ns_fork_expect(pid_t target)
{
	pid_t child = fork();

	if (child == 0)
		ns_child_exit_if(target);
	hyg_own(child);
	ns_reap_ok(child);
	assert_int_equal(child, target);
}

pid_t ns_fork_at(pid_t target, const struct pidcycle_opts *o)
{
	pid_t r = pidcycle_fork_at(target, o);

	if (r == 0)
		ns_child_exit_if(target);
	hyg_own(r);
	if (r > 0)
		ns_reap_ok(r);
	return r;
}

void ns_fork_at_exact(pid_t target, enum pidcycle_strategy s)
{
	PIDCYCLE_OPTS(o, .strategy = s);
	pid_t r = ns_fork_at(target, &o);

	if (r != target)
		fail_msg("pidcycle_fork_at(%d, %s) = %d (last_pid now %d)",
			 (int)target, pidcycle_strategy_name(s), (int)r,
			 (int)ns_last());
}

int ns_test_teardown(void **state)
{
	(void)state;
	ns_reap_leftovers();
	return 0;
}

int ns_main(const char *prog, const char *how, int (*run)(const char *arg),
	    const char *arg)
{
	pid_t t;
	int st = 0;

	if (getpid() != 1) {
		fprintf(stderr, "%s: must run as PID 1 of a private PID namespace: %s\n",
			prog, how);
		return 2;
	}
	t = fork();
	if (t < 0)
		return 2;
	if (t == 0)
		return run(arg) ? 1 : 0;
	for (;;) {
		pid_t r = waitpid(-1, &st, __WALL);

		if (r == t)
			break;
		if (r < 0 && errno != EINTR)
			return 2;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int ns_probe_print(void)
{
	if (pidcycle_probe(&ns_info))
		return -1;
	print_message("probe: kernel %s pid_max %d last_pid %d uid %d "
		      "strategies 0x%x auto %s\n", ns_info.kernel,
		      (int)ns_info.pid_max, (int)ns_info.last_pid, (int)getuid(),
		      ns_info.strategies,
		      pidcycle_strategy_name(ns_info.auto_strategy));
	return 0;
}

pid_t ns_make_zombie(void)
{
	pid_t z = fork();
	siginfo_t si;

	if (z == 0)
		_exit(0);
	hyg_own(z);
	assert_true(z > 0);
	while (waitid(P_PID, z, &si, WEXITED | WNOWAIT) < 0)
		assert_int_equal(errno, EINTR);
	return z;
}

int ns_group_setup(void **state)
{
	(void)state;
	if (ns_probe_print()) {
		print_error("pidcycle_probe failed: every test would be meaningless\n");
		return -1;
	}
	return 0;
}

int ns_run_group(const char *prefix, const struct CMUnitTest *t, size_t n,
		 int (*setup)(void **), int (*teardown)(void **))
{
	const char *filter = getenv("PIDCYCLE_TEST_FILTER");
	static char name[96];

	snprintf(name, sizeof(name), "%s-uid%d%s", prefix, (int)getuid(),
		 ns_privileged() ? "-privileged" : "");
	if (filter && *filter)
		cmocka_set_test_filter(filter);
	hyg_init();
	return _cmocka_run_group_tests(name, t, n, setup, teardown);
}

rlim_t ns_nproc_for_one_more(rlim_t from)
{
	struct rlimit lim;

	assert_int_equal(getrlimit(RLIMIT_NPROC, &lim), 0);
	for (rlim_t n = from;; n++) {
		pid_t c;

		lim.rlim_cur = n;
		assert_int_equal(setrlimit(RLIMIT_NPROC, &lim), 0);
		c = fork();
		if (c == 0)
			_exit(0);
		if (c > 0) {
			hyg_own(c);
			ns_reap(c);
			return n;
		}
		assert_int_equal(errno, EAGAIN);
	}
}
