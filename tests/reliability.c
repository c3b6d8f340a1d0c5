/* reliability.c - main and shared helpers of the reliability tests (run as PID 1 of a private PID namespace). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "reliability.h"

enum rt_outcome rt_fork_at(pid_t target, const struct pidcycle_opts *o,
			   int *err)
{
	pid_t r = pidcycle_fork_at(target, o);
	int st;

	if (r == 0)
		ns_child_exit_if(target);
	if (r < 0) {
		*err = r;
		return RT_CLEAN_FAIL;
	}
	hyg_own(r);
	st = ns_reap(r);
	if (r != target || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return RT_FALSE;
	return RT_EXACT;
}

void rt_cursor_is(pid_t last, const char *what)
{
	pid_t now = ns_last();

	if (now != last)
		fail_msg("%s moved the cursor: last_pid %d -> %d", what,
			 (int)last, (int)now);
}

void rt_need_root(void)
{
	if (getuid() == 0 && ns_privileged())
		return;
	print_message("[ SKIP-WHY ] needs root in the namespace (the run as uid 0 covers it)\n");
	skip();
}

void rt_need_unprivileged(void)
{
	if (!ns_privileged())
		return;
	print_message("[ SKIP-WHY ] about the unprivileged path (the run as uid 65534 covers it)\n");
	skip();
}

static pid_t saved_pid_max;

bool rt_lower_pid_max(pid_t v)
{
	pid_t max = ns_pid_max();

	if (max <= v)
		return true;
	if (!ns_pid_max_private() || !ns_privileged())
		return false;
	if (ns_set_pid_max(v))
		return false;
	if (!saved_pid_max)
		saved_pid_max = max;
	return true;
}

void rt_restore_pid_max(void)
{
	if (saved_pid_max)
		ns_set_pid_max(saved_pid_max);
	saved_pid_max = 0;
}

pid_t rt_ahead(pid_t d)
{
	pid_t max = ns_pid_max(), t = ns_last() + d;

	if (t >= max)	/* round the wrap, which lands on 300 */
		t = 300 + (t - max) % (max - 300);
	while (!ns_pid_free(t))
		t = t + 1 < max ? t + 1 : 300;
	return t;
}

int rt_threads(void)
{
	char buf[4096];
	const char *p;
	FILE *f = fopen("/proc/self/status", "r");
	int n = -1;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f))
		if ((p = strstr(buf, "Threads:")) == buf)
			n = atoi(p + 8);
	fclose(f);
	return n;
}

/* ---- main ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	/* The faults that hide /proc/sys test the probe itself. */
	if (ns_probe_print())
		print_message("pidcycle_probe failed here; probe-dependent helpers see an empty mask\n");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rt_restore_pid_max();
	return 0;
}

#define T(f) NS_TEST(f)

static int run_group(const char *name, const struct CMUnitTest *t, size_t n)
{
	return ns_run_group(name, t, n, group_setup, group_teardown);
}

static int run_all(const char *which)
{
	static const struct CMUnitTest tests[] = {
		T(input_bad_pids), T(input_below_floor), T(input_in_use),
		T(input_null), T(input_opts_size), T(input_opts_values),
		T(input_strategy_denied),
		T(fault_hidepid), T(fault_sys_ro), T(fault_no_lastpid),
		T(fault_no_sysctl), T(fault_nproc), T(fault_nproc_room), T(fault_nofile),
		T(conc_many_threads), T(conc_threads_fork_at),
		T(conc_two_procs_different), T(conc_two_procs_same),
		/* Last: it changes pid_max while it runs. */
		T(fault_pid_max_lowered),
	};
	static const struct CMUnitTest load[] = { T(load_forker) };

	if (which && !strcmp(which, "load"))
		return run_group("reliability-load", load, 1);
	return run_group("reliability", tests, sizeof(tests) / sizeof(tests[0]));
}

int main(int argc, char **argv)
{
	return ns_main("reliability",
		       "unshare --pid --fork --mount-proc build/tests/reliability",
		       run_all, argc > 1 ? argv[1] : NULL);
}
