/* reliability_load.c - exact and "at least" requests while another process forks ~1000 times a second. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "reliability.h"

#define EXACT_REQS 50
#define MIN_REQS 20
#define REQ_TIMEOUT_MS 10000
#define LOAD_PID_MAX 30000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The background load: fork + exit + wait once per millisecond; counts forks
 * in count[0], stops when count[1] is set (having reaped its last child: a
 * SIGKILL would orphan that child to us, the subreaper).
 */
static void __attribute__((noreturn)) forker(volatile unsigned long *count)
{
	struct timespec next;

	prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);	/* wake on time, not 50 us late */
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!count[1]) {
		pid_t c = fork();

		if (c == 0)
			_exit(0);
		if (c > 0) {
			waitpid(c, NULL, 0);
			count[0]++;
		}
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	_exit(0);
}

struct tally {
	int exact, failed, false_ok;
	int why[8];		/* ETIMEDOUT, EAGAIN, EEXIST, other */
};

static void count_fail(struct tally *t, int err)
{
	t->failed++;
	t->why[err == -ETIMEDOUT ? 0 : err == -EAGAIN ? 1 : err == -EEXIST ? 2 : 3]++;
}

static void exact_requests(enum pidcycle_strategy s, struct tally *t)
{
	PIDCYCLE_OPTS(o, .strategy = s, .timeout_ms = REQ_TIMEOUT_MS);

	for (int i = 0; i < EXACT_REQS; i++) {
		pid_t target = ns_last() + 300 + (pid_t)(i * 97 % 2000);
		int err = 0;

		if (target >= ns_pid_max() - 10)
			target = 400 + i;	/* behind the cursor: a wrap */
		while (!ns_pid_free(target))
			target++;
		if (i % 20 == 19)
			hyg_sigchld_checkpoint();	/* more children than it holds */
		switch (rt_fork_at(target, &o, &err)) {
		case RT_EXACT:
			t->exact++;
			break;
		case RT_CLEAN_FAIL:
			count_fail(t, err);
			break;
		case RT_FALSE:
			t->false_ok++;
			break;
		}
	}
}

/* fork_min: the child checks its own PID, and a later fork of its own. */
static void min_requests(enum pidcycle_strategy s)
{
	PIDCYCLE_OPTS(o, .strategy = s);	/* no limit: these must succeed */

	for (int i = 0; i < MIN_REQS; i++) {
		pid_t min = ns_last() + 500, r;

		if (min >= ns_pid_max() - 10)
			min = ns_pid_max() / 2;
		if (i % 20 == 19)
			hyg_sigchld_checkpoint();
		r = pidcycle_fork_min(min, &o);
		if (r == 0)
			_exit((pid_t)syscall(SYS_getpid) >= min ? 0 : 3);
		hyg_own(r);
		if (r < min)
			fail_msg("fork_min(%d) = %d under load", (int)min, (int)r);
		ns_reap_ok(r);
	}
}

HYG_TEST(load_forker)
{
	enum pidcycle_strategy s = ns_privileged() ? PIDCYCLE_GHOST : PIDCYCLE_AUTO;
	volatile unsigned long *forks;
	struct tally t = { 0 };
	double t0, t1;
	pid_t bg;

	ns_need(PIDCYCLE_GHOST);
	if (!rt_lower_pid_max(LOAD_PID_MAX) && ns_pid_max() > 100000) {
		print_message("[ SKIP-WHY ] pid_max %d: a lost race would cost a 4M lap; "
			      "run as root, or let root lower pid_max first\n",
			      (int)ns_pid_max());
		skip();
	}
	forks = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(forks != MAP_FAILED);
	bg = fork();
	if (bg == 0)
		forker(forks);
	hyg_own(bg);
	t0 = now();
	exact_requests(s, &t);
	min_requests(s);
	t1 = now();
	hyg_own(bg);	/* again: a checkpoint forgot it */
	forks[1] = 1;
	ns_reap_ok(bg);
	print_message("  load: %lu forks/s in the background, pid_max %d, %s\n"
		      "  exact: %d/%d succeeded (%.0f%%), %d failed (ETIMEDOUT %d, "
		      "EAGAIN %d, EEXIST %d, other %d), %d false\n"
		      "  at least N: %d/%d succeeded; %.1f s in all\n",
		      (unsigned long)(forks[0] / (t1 - t0)), (int)ns_pid_max(),
		      pidcycle_strategy_name(s), t.exact, EXACT_REQS,
		      100.0 * t.exact / EXACT_REQS, t.failed, t.why[0], t.why[1],
		      t.why[2], t.why[3], t.false_ok, MIN_REQS, MIN_REQS, t1 - t0);
	munmap((void *)forks, 4096);
	rt_restore_pid_max();
	assert_int_equal(t.false_ok, 0);
}
