/* unit_cli.c - cmocka tests of the CLI's parts alone: number parsing, the progress line, JSON, task limits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_json.h"
#include "cli_limits.h"
#include "cli_parse.h"
#include "cli_progress.h"

/* Strings no number parser may accept. */
static const char *const junk[] = {
	"", " 1", "1 ", "+1", "-1", "0x10", "1e3", "12a", "a12", "1\n", "١",
};
#define N_JUNK (sizeof(junk) / sizeof(junk[0]))

static void parse_int_range(void **state)
{
	long long v = 0;

	(void)state;
	assert_int_equal(cli_parse_int("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_int("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(cli_parse_int("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	v = 99;
	assert_int_equal(cli_parse_int("11", 0, 10, &v), -ERANGE);
	assert_int_equal(cli_parse_int("4", 5, 10, &v), -ERANGE);
	assert_int_equal(cli_parse_int("99999999999999999999999", 0, LLONG_MAX, &v),
			 -ERANGE);
	assert_int_equal(v, 99);
	assert_int_equal(cli_parse_int("9223372036854775807", 0, LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MAX);
}

static void parse_int_junk(void **state)
{
	long long v = 42;

	(void)state;
	assert_int_equal(cli_parse_int(NULL, 0, 10, &v), -EINVAL);
	for (size_t i = 0; i < N_JUNK; i++) {
		if (cli_parse_int(junk[i], 0, 1000, &v) != -EINVAL)
			fail_msg("cli_parse_int(\"%s\") != -EINVAL", junk[i]);
	}
	assert_int_equal(v, 42);
}

static void parse_pid(void **state)
{
	pid_t p = 77;

	(void)state;
	assert_int_equal(cli_parse_pid("1", &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(cli_parse_pid("4194303", &p), 0);
	assert_int_equal(p, 4194303);
	assert_int_equal(cli_parse_pid("2147483647", &p), 0);
	assert_int_equal(p, INT_MAX);
	p = 77;
	assert_int_equal(cli_parse_pid("0", &p), -ERANGE);
	assert_int_equal(cli_parse_pid("2147483648", &p), -ERANGE);
	assert_int_equal(cli_parse_pid("-5", &p), -EINVAL);
	assert_int_equal(cli_parse_pid("abc", &p), -EINVAL);
	assert_int_equal(cli_parse_pid(NULL, &p), -EINVAL);
	for (size_t i = 0; i < N_JUNK; i++)
		assert_int_equal(cli_parse_pid(junk[i], &p), -EINVAL);
	assert_int_equal(p, 77);
}

static void parse_count(void **state)
{
	uint64_t c = 5;

	(void)state;
	assert_int_equal(cli_parse_count("1000", &c), 0);
	assert_true(c == 1000);
	assert_int_equal(cli_parse_count("9223372036854775807", &c), 0);
	assert_true(c == (uint64_t)LLONG_MAX);
	c = 5;
	assert_int_equal(cli_parse_count("0", &c), -ERANGE);
	assert_int_equal(cli_parse_count("9223372036854775808", &c), -ERANGE);
	assert_int_equal(cli_parse_count("1k", &c), -EINVAL);
	assert_true(c == 5);
}

static void parse_threads(void **state)
{
	unsigned int t = 9;

	(void)state;
	assert_int_equal(cli_parse_threads("1", &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(cli_parse_threads("1024", &t), 0);
	assert_int_equal(t, 1024);
	t = 9;
	assert_int_equal(cli_parse_threads("0", &t), -ERANGE);
	assert_int_equal(cli_parse_threads("1025", &t), -ERANGE);
	assert_int_equal(cli_parse_threads("two", &t), -EINVAL);
	assert_int_equal(t, 9);
}

static void parse_seconds_good(void **state)
{
	static const struct {
		const char *s;
		unsigned int ms;
	} ok[] = {
		{ "1", 1000 }, { "1.5", 1500 }, { "0.001", 1 }, { "0.0001", 1 },
		{ "0.0010", 1 }, { "0.0011", 2 }, { "2.25", 2250 },
		{ "0.999", 999 }, { "4294967.295", UINT_MAX }, { "007", 7000 },
	};
	unsigned int ms;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int r;

		ms = 0;
		r = cli_parse_seconds(ok[i].s, &ms);
		if (r || ms != ok[i].ms)
			fail_msg("cli_parse_seconds(\"%s\") = %d, %u ms; want %u ms",
				 ok[i].s, r, ms, ok[i].ms);
	}
}

static void parse_seconds_bad(void **state)
{
	static const char *const inval[] = {
		"", ".5", "1.", "1..5", "1.2.3", "-1", "1s", " 1", "1 ", "abc",
	};
	static const char *const range[] = {
		"0", "0.0", "0.0000", "4294967.296", "4294967.2951",
		"99999999999999999999",
	};
	unsigned int ms = 123;

	(void)state;
	assert_int_equal(cli_parse_seconds(NULL, &ms), -EINVAL);
	for (size_t i = 0; i < sizeof(inval) / sizeof(inval[0]); i++)
		if (cli_parse_seconds(inval[i], &ms) != -EINVAL)
			fail_msg("cli_parse_seconds(\"%s\") != -EINVAL", inval[i]);
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		if (cli_parse_seconds(range[i], &ms) != -ERANGE)
			fail_msg("cli_parse_seconds(\"%s\") != -ERANGE", range[i]);
	assert_int_equal(ms, 123);
}


/* ---- the progress line (issue 12 item 11) ------------------------------- */

static const struct pidcycle_progress states[] = {
	{ .burnt = 0, .remaining = 1000000, .rate = 0, .eta_sec = 0 },
	{ .burnt = 375, .remaining = 2625, .rate = 5411, .eta_sec = 0.5 },
	{ .burnt = 995, .remaining = 5, .rate = 231000, .eta_sec = 0.00002 },
	{ .burnt = 3000, .remaining = 0, .rate = 5000, .eta_sec = 0 },
	{ .burnt = 123456789, .remaining = 987654321, .rate = 1e9, .eta_sec = 99999 },
	{ .burnt = 1, .remaining = 1, .rate = INFINITY, .eta_sec = NAN },
};
#define N_STATES (sizeof(states) / sizeof(states[0]))

/* Never into the last column, never 100% while the call still runs. */
static void progress_line_fits(void **state)
{
	char line[256];

	(void)state;
	for (int cols = 1; cols <= 200; cols++)
		for (size_t i = 0; i < N_STATES; i++) {
			size_t room = cols > 1 ? (size_t)cols - 1 : 1;

			cli_progress_line(line, sizeof(line), cols, &states[i]);
			if (strlen(line) > room || strstr(line, "100%"))
				fail_msg("%d columns, state %zu: '%s' (%zu long)", cols,
					 i, line, strlen(line));
		}
	cli_progress_line(line, sizeof(line), 80, &states[1]);
	assert_non_null(strstr(line, "12%"));	/* 375 of 3000, rounded down */
	assert_non_null(strstr(line, "ETA"));
	assert_non_null(strchr(line, '['));
	cli_progress_line(line, sizeof(line), 80, &states[3]);
	assert_non_null(strstr(line, " 99%"));	/* all burnt, not yet done */
}

/*
 * The callback as the CLI runs it, on a 40-column terminal ($COLUMNS, since
 * stderr is a file here): each redraw fits and none says 100%.
 */
static void progress_callback_draws_narrow(void **state)
{
	char path[] = "/tmp/pidcycle-progress.XXXXXX", buf[4096];
	struct cli_progress pr = { .draw = true };
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;
	char *seg, *save = NULL;
	size_t drawn = 0;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	setenv("COLUMNS", "40", 1);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	for (size_t i = 0; i < N_STATES; i++)
		assert_int_equal(cli_progress_cb(&states[i], &pr), 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("COLUMNS");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	buf[n] = '\0';
	for (seg = strtok_r(buf, "\r", &save); seg; seg = strtok_r(NULL, "\r", &save)) {
		if (strncmp(seg, "\033[K", 3) == 0)
			seg += 3;
		if (strlen(seg) > 39 || strstr(seg, "100%"))
			fail_msg("a redraw on 40 columns: '%s' (%zu long)", seg, strlen(seg));
		drawn++;
	}
	assert_int_equal(drawn, N_STATES);
}

/* ---- the JSON writer ---------------------------------------------------- */

static char *json_of(void (*write)(FILE *f, const void *arg), const void *arg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	write(f, arg);
	fclose(f);
	return out;
}

static void write_str(FILE *f, const void *arg)
{
	cli_json_str(f, "k", arg, "}");
}

static void json_strings(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "sleep", "\"k\":\"sleep\"}" },
		{ "a\"b\\c", "\"k\":\"a\\\"b\\\\c\"}" },
		{ "tab\tnl\n\x7f", "\"k\":\"tab\\u0009nl\\u000a\\u007f\"}" },
		{ "caf\xc3\xa9", "\"k\":\"caf\xc3\xa9\"}" },		/* valid UTF-8 kept */
		{ "bad\xff\xc3", "\"k\":\"bad\\ufffd\\ufffd\"}" },	/* not UTF-8 */
		{ "\xe0\x80\xaf", "\"k\":\"\\ufffd\\ufffd\\ufffd\"}" },	/* overlong */
		{ "\xed\xa0\x80", "\"k\":\"\\ufffd\\ufffd\\ufffd\"}" },	/* surrogate */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_of(write_str, cases[i].in);

		if (strcmp(got, cases[i].out))
			fail_msg("json of case %zu: %s, want %s", i, got, cases[i].out);
		free(got);
	}
}

static void write_nums(FILE *f, const void *arg)
{
	(void)arg;
	cli_json_num(f, "a", INFINITY, ",");
	cli_json_num(f, "b", NAN, ",");
	cli_json_num(f, "c", 2.5, ",");
	cli_json_int(f, "d", -7, ",");
	cli_json_uint(f, "e", 18446744073709551615ull, ",");
	cli_json_bool(f, "f", true, ",");
	cli_json_null(f, "g", "}");
}

static void json_numbers(void **state)
{
	char *got = json_of(write_nums, NULL);

	(void)state;
	assert_string_equal(got, "\"a\":null,\"b\":null,\"c\":2.5,\"d\":-7,"
			    "\"e\":18446744073709551615,\"f\":true,\"g\":null}");
	free(got);
}

/* ---- naming the limit on tasks (issue 12 item 8) ----------------------- */

static char fake[] = "/tmp/pidcycle-limits.XXXXXX";
static char made[64][300];
static size_t nmade;

/* Write fake/<rel> (directories on the way are made), contents s. */
static void put(const char *rel, const char *s)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", fake, rel);
	for (char *p = path + strlen(fake) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) == 0)
			snprintf(made[nmade++], sizeof(made[0]), "%s", path);
		*p = '/';
	}
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
	snprintf(made[nmade++], sizeof(made[0]), "%s", path);
}

/* Remove what put() made, newest first (files, then their directories). */
static void unput(void)
{
	while (nmade)
		remove(made[--nmade]);
}

static int limits_setup(void **state)
{
	(void)state;
	return mkdtemp(fake) ? 0 : -1;
}

static int limits_teardown(void **state)
{
	(void)state;
	unput();
	return rmdir(fake);
}

/* The common part of a fake /proc: first user namespace, no capabilities. */
static void fake_proc(const char *cgroup, const char *mounts)
{
	put("proc/self/cgroup", cgroup);
	put("proc/self/mountinfo", mounts);
	put("proc/self/uid_map", "         0          0 4294967295\n");
	put("proc/self/status", "Name:\tpidcycle\nUid:\t65534\t65534\t65534\t65534\n"
	    "CapEff:\t0000000000000000\n");
	put("proc/sys/kernel/threads-max", "100000\n");
	put("proc/loadavg", "0.00 0.01 0.05 1/120 4567\n");
}

static void limit_is(const char *want, rlim_t nproc, uid_t uid)
{
	char proc[300], got[512];
	struct cli_limit_env env = { .proc = proc, .uid = uid,
				     .nproc = { nproc, nproc } };

	snprintf(proc, sizeof(proc), "%s/proc", fake);
	cli_task_limit(&env, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("named '%s', want '%s'", got, want);
}

static void mount_line(char *buf, size_t n, const char *root, const char *dir,
		       const char *fstype, const char *opts)
{
	snprintf(buf, n, "30 20 0:26 %s %s/%s rw,relatime shared:1 - %s %s %s\n",
		 root, fake, dir, fstype, fstype, opts);
}

static void limit_pids_v2(void **state)
{
	char m[512];

	(void)state;
	mount_line(m, sizeof(m), "/", "cg2", "cgroup2", "rw");
	fake_proc("0::/user.slice/job\n", m);
	put("cg2/user.slice/pids.max", "max\n");
	put("cg2/user.slice/pids.current", "40\n");
	put("cg2/user.slice/job/pids.max", "5\n");
	put("cg2/user.slice/job/pids.current", "5\n");
	limit_is("pids cgroup /user.slice/job: pids.max 5, pids.current 5",
		 RLIM_INFINITY, 65534);
	/* A tighter ancestor is the one that bites. */
	put("cg2/user.slice/pids.max", "50\n");
	put("cg2/user.slice/pids.current", "49\n");
	put("cg2/user.slice/job/pids.max", "100\n");
	limit_is("pids cgroup /user.slice: pids.max 50, pids.current 49",
		 RLIM_INFINITY, 65534);
	unput();
}

static void limit_pids_v1(void **state)
{
	char m[1024], m2[512];

	(void)state;
	/* v1 pids beside a cgroup2 mount without the controller; a space in
	 * the mount point (mountinfo writes it \\040). */
	mount_line(m, sizeof(m), "/", "v1\\040pids", "cgroup", "rw,pids");
	mount_line(m2, sizeof(m2), "/", "unified", "cgroup2", "rw");
	strcat(m, m2);
	fake_proc("9:memory:/batch/42\n8:pids:/batch/42\n0::/\n", m);
	put("v1 pids/batch/42/pids.max", "8\n");
	put("v1 pids/batch/42/pids.current", "7\n");
	limit_is("pids cgroup /batch/42: pids.max 8, pids.current 7", RLIM_INFINITY, 65534);
	unput();
}

/* A mount of a sub-tree (a container's view): its root is cut from the path. */
static void limit_pids_subtree(void **state)
{
	char m[512];

	(void)state;
	mount_line(m, sizeof(m), "/batch", "sub", "cgroup2", "rw");
	fake_proc("0::/batch/42\n", m);
	put("sub/42/pids.max", "3\n");
	put("sub/42/pids.current", "3\n");
	put("sub/pids.max", "1000\n");
	put("sub/pids.current", "3\n");
	limit_is("pids cgroup /batch/42: pids.max 3, pids.current 3", RLIM_INFINITY, 65534);
	unput();
}

static void limit_nproc(void **state)
{
	(void)state;
	fake_proc("0::/\n", "");
	put("proc/100/status", "Name:\tsh\nUid:\t65534\t65534\t65534\t65534\nThreads:\t1\n");
	put("proc/101/status", "Name:\tjava\nUid:\t65534\t0\t0\t0\nThreads:\t2\n");
	put("proc/102/status", "Name:\troot\nUid:\t0\t0\t0\t0\nThreads:\t9\n");
	limit_is("RLIMIT_NPROC 4, uid 65534 has 3 tasks here", 4, 65534);
	/* Root of the first user namespace is not held to it. */
	limit_is("no limit on tasks is near (closest: kernel.threads-max 100000, "
		 "120 tasks on the machine); a seccomp filter answering EAGAIN?", 4, 0);
	/* Nor is a task with CAP_SYS_RESOURCE (bit 24). */
	put("proc/self/status", "Uid:\t65534\t65534\t65534\t65534\nCapEff:\t0000000001000000\n");
	limit_is("no limit on tasks is near (closest: kernel.threads-max 100000, "
		 "120 tasks on the machine); a seccomp filter answering EAGAIN?", 4, 65534);
	/* In a user namespace of its own, capabilities there do not count. */
	put("proc/self/uid_map", "         0      65534          1\n");
	limit_is("RLIMIT_NPROC 4, uid 65534 has 3 tasks here", 4, 65534);
	unput();
}

static void limit_none(void **state)
{
	(void)state;
	put("proc/self/cgroup", "0::/\n");
	limit_is("no limit on tasks found; a seccomp filter answering EAGAIN?",
		 RLIM_INFINITY, 65534);
	put("proc/sys/kernel/threads-max", "130\n");
	put("proc/loadavg", "0.00 0.01 0.05 1/120 4567\n");
	limit_is("kernel.threads-max 130, 120 tasks on the machine", RLIM_INFINITY, 65534);
	unput();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_int_range),
		cmocka_unit_test(parse_int_junk),
		cmocka_unit_test(parse_pid),
		cmocka_unit_test(parse_count),
		cmocka_unit_test(parse_threads),
		cmocka_unit_test(parse_seconds_good),
		cmocka_unit_test(parse_seconds_bad),
		cmocka_unit_test(progress_line_fits),
		cmocka_unit_test(progress_callback_draws_narrow),
		cmocka_unit_test(json_strings),
		cmocka_unit_test(json_numbers),
	};
	const struct CMUnitTest limits[] = {
		cmocka_unit_test(limit_pids_v2),
		cmocka_unit_test(limit_pids_v1),
		cmocka_unit_test(limit_pids_subtree),
		cmocka_unit_test(limit_nproc),
		cmocka_unit_test(limit_none),
	};

	return cmocka_run_group_tests_name("unit-cli", tests, NULL, NULL) |
	       cmocka_run_group_tests_name("unit-cli-limits", limits, limits_setup,
					   limits_teardown);
}
