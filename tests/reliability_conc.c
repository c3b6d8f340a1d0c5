/* reliability_conc.c - callers with many threads, concurrent calls from threads and from processes. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "reliability.h"

/*
 * Losing a race costs a lap, cheap with pid_max 30000. The budget in PIDs
 * bounds a request (about 6 laps); the timeout is only a safety net.
 */
#define LAP_PID_MAX 30000
#define BUDGET 200000
#define SAFETY_MS 60000

static void cheap_laps(void)
{
	if (!rt_lower_pid_max(LAP_PID_MAX))
		print_message("  note: pid_max %d (could not lower it): a lost race costs a long lap\n",
			      (int)ns_pid_max());
}

/* ---- a caller that already runs 20 threads ------------------------------ */

#define SLEEPERS 20

static int sleep_pipe[2];

/* arg: where to put the thread's TID. */
static void *sleeper(void *arg)
{
	char c;

	*(pid_t *)arg = gettid();
	return read(sleep_pipe[0], &c, 1) < 0 ? arg : NULL;
}

HYG_TEST(conc_many_threads)
{
	pthread_t th[SLEEPERS];
	pid_t tid[SLEEPERS];
	int base = rt_threads(), err = 0;
	PIDCYCLE_OPTS(fast, .strategy = ns_fast_burner(), .timeout_ms = SAFETY_MS,
		      .max_burn = BUDGET);
	PIDCYCLE_OPTS(any, .timeout_ms = SAFETY_MS,
		      .max_burn = BUDGET);
	pid_t m;

	assert_int_equal(pipe(sleep_pipe), 0);
	for (int i = 0; i < SLEEPERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, sleeper, &tid[i]), 0);
	assert_int_equal(rt_threads(), base + SLEEPERS);
	assert_int_equal(rt_fork_at(rt_ahead(300), &any, &err), RT_EXACT);
	assert_int_equal(rt_threads(), base + SLEEPERS);
	assert_int_equal(rt_fork_at(rt_ahead(300), &fast, &err), RT_EXACT);
	assert_int_equal(rt_threads(), base + SLEEPERS);
	m = pidcycle_fork_min(rt_ahead(300), &fast);
	if (m == 0)
		_exit(0);
	hyg_own(m);
	assert_true(m > 0);
	ns_reap_ok(m);
	assert_int_equal(pidcycle_burn(100, &fast, NULL), 0);
	assert_int_equal(rt_threads(), base + SLEEPERS);
	close(sleep_pipe[1]);
	for (int i = 0; i < SLEEPERS; i++)
		hyg_join(th[i], &tid[i]);
	close(sleep_pipe[0]);
}

/* ---- 4 threads of one process, each its own target ----------------------- */

#define NTHR 4

struct req {
	pthread_t th;
	pid_t tid;		/* the thread's own */
	pid_t target;
	enum pidcycle_strategy s;
	pid_t got;		/* the call's return */
	int status;		/* the child's wait status */
};

/* No cmocka in here: its asserts are for the main thread only. */
static void *requester(void *arg)
{
	struct req *q = arg;
	PIDCYCLE_OPTS(o, .strategy = q->s, .timeout_ms = SAFETY_MS,
		      .max_burn = BUDGET);

	q->tid = gettid();
	q->got = pidcycle_fork_at(q->target, &o);
	if (q->got == 0)
		_exit((pid_t)syscall(SYS_getpid) == q->target ? 0 : 3);
	if (q->got > 0)
		while (waitpid(q->got, &q->status, __WALL) < 0 && errno == EINTR)
			;
	return NULL;
}

/* SIGCHLDs of the requests were blocked: take them, they were ours. */
static void drain_sigchld(void)
{
	const struct timespec zero = { 0, 0 };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (sigtimedwait(&chld, NULL, &zero) == SIGCHLD)
		;
}

/* Returns how many of the NTHR requests got their PID. */
static int threads_round(enum pidcycle_strategy s, int *exact, int *failed)
{
	struct req q[NTHR];
	int won = 0;

	for (int k = 0; k < NTHR; k++)
		q[k] = (struct req){ .s = s, .target = rt_ahead(500 * (k + 1)) };
	for (int k = 0; k < NTHR; k++)
		assert_int_equal(pthread_create(&q[k].th, NULL, requester, &q[k]), 0);
	for (int k = 0; k < NTHR; k++) {
		hyg_join(q[k].th, &q[k].tid);
		hyg_own(q[k].got);
		if (q[k].got < 0) {
			print_message("  thread %d (%s) -> %d: %s\n", k,
				      pidcycle_strategy_name(s), (int)q[k].target,
				      strerror(-q[k].got));
			++*failed;
			continue;
		}
		if (q[k].got != q[k].target || !WIFEXITED(q[k].status) ||
		    WEXITSTATUS(q[k].status) != 0)
			fail_msg("FALSE SUCCESS: thread %d wanted %d, got %d (status 0x%x)",
				 k, (int)q[k].target, (int)q[k].got, q[k].status);
		++*exact;
		won++;
	}
	return won;
}

HYG_TEST(conc_threads_fork_at)
{
	sigset_t chld, old;
	int base = rt_threads(), exact = 0, failed = 0, won[2];
	const enum pidcycle_strategy s[] = { PIDCYCLE_AUTO, ns_fast_burner() };

	cheap_laps();
	/*
	 * SIGCHLD is blocked in every thread: a rejected candidate's SIGCHLD
	 * can otherwise reach our recorder in another thread (see the report).
	 */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &chld, &old), 0);
	for (size_t k = 0; k < 2; k++)
		won[k] = threads_round(s[k], &exact, &failed);
	drain_sigchld();
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	print_message("  4 threads x 2 rounds: %d exact, %d failed cleanly, 0 false\n",
		      exact, failed);
	assert_int_equal(rt_threads(), base);
	rt_restore_pid_max();
	/* Liveness: concurrent callers may lose races, but not all of them. */
	for (size_t k = 0; k < 2; k++)
		if (!won[k])
			fail_msg("none of %d concurrent fork_at (%s) got its PID "
				 "within %d PIDs burnt each: the callers keep "
				 "passing each other's targets", NTHR,
				 pidcycle_strategy_name(s[k]), BUDGET);
}

/* ---- two processes ---------------------------------------------------------- */

enum { W_EXACT = 0, W_FAIL = 1, W_FALSE = 2 };

/*
 * A worker process: fork_at(target); reports the return on `res`, then its
 * child (if any) holds the number until `hold` reads EOF. Exit: W_*.
 */
static void __attribute__((noreturn))
worker(int k, pid_t target, enum pidcycle_strategy s, int res, int hold)
{
	PIDCYCLE_OPTS(o, .strategy = s, .timeout_ms = SAFETY_MS,
		      .max_burn = BUDGET);
	pid_t r = pidcycle_fork_at(target, &o), msg[2] = { k, r };
	int st = 0;
	char c;

	if (r == 0) {
		bool right = (pid_t)syscall(SYS_getpid) == target;

		_exit(read(hold, &c, 1) == 0 && right ? 0 : 3);
	}
	if (write(res, msg, sizeof(msg)) != sizeof(msg))
		_exit(4);
	if (r < 0)
		_exit(W_FAIL);
	while (waitpid(r, &st, __WALL) < 0 && errno == EINTR)
		;
	_exit(r == target && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? W_EXACT : W_FALSE);
}

/* Run two workers; their returns into got[], exit codes into code[]. */
static void two_workers(const pid_t target[2], enum pidcycle_strategy s,
			pid_t got[2], int code[2])
{
	int res[2], hold[2];
	pid_t w[2];

	assert_int_equal(pipe(res), 0);
	assert_int_equal(pipe(hold), 0);
	for (int k = 0; k < 2; k++) {
		w[k] = fork();
		if (w[k] == 0) {
			close(res[0]);
			close(hold[1]);
			worker(k, target[k], s, res[1], hold[0]);
		}
		hyg_own(w[k]);
		assert_true(w[k] > 0);
	}
	close(res[1]);
	close(hold[0]);
	/* Both calls returned before any winner lets its number go. */
	for (int k = 0; k < 2; k++) {
		pid_t msg[2];

		assert_int_equal(read(res[0], msg, sizeof(msg)), sizeof(msg));
		assert_true(msg[0] == 0 || msg[0] == 1);
		got[msg[0]] = msg[1];
	}
	close(hold[1]);
	close(res[0]);
	for (int k = 0; k < 2; k++) {
		int st = ns_reap(w[k]);

		assert_true(WIFEXITED(st));
		code[k] = WEXITSTATUS(st);
		if (code[k] != W_EXACT && code[k] != W_FAIL)
			fail_msg("worker for %d (%s): exit %d (2 = FALSE SUCCESS)",
				 (int)target[k], pidcycle_strategy_name(s), code[k]);
	}
}

HYG_TEST(conc_two_procs_different)
{
	const enum pidcycle_strategy s[] = { PIDCYCLE_AUTO, ns_fast_burner() };

	cheap_laps();
	for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
		pid_t t[2], got[2];
		int code[2];

		t[0] = rt_ahead(1500);
		t[1] = rt_ahead(3000);
		two_workers(t, s[k], got, code);
		print_message("  %s: want %d and %d, got %d and %d\n",
			      pidcycle_strategy_name(s[k]), (int)t[0], (int)t[1],
			      (int)got[0], (int)got[1]);
		/* Liveness: both targets are free; one may lose, not both. */
		if (code[0] != W_EXACT && code[1] != W_EXACT)
			fail_msg("neither of two processes (%s) got its PID within "
				 "%d PIDs burnt each", pidcycle_strategy_name(s[k]),
				 BUDGET);
	}
	rt_restore_pid_max();
}

HYG_TEST(conc_two_procs_same)
{
	const enum pidcycle_strategy s[] = { PIDCYCLE_AUTO, ns_fast_burner() };

	cheap_laps();
	for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
		pid_t t[2], got[2];
		int code[2], wins;

		t[0] = t[1] = rt_ahead(2000);
		two_workers(t, s[k], got, code);
		wins = (code[0] == W_EXACT) + (code[1] == W_EXACT);
		print_message("  %s: both want %d, got %d and %d\n",
			      pidcycle_strategy_name(s[k]), (int)t[0],
			      (int)got[0], (int)got[1]);
		if (wins > 1)
			fail_msg("two processes both got PID %d", (int)t[0]);
		/* Liveness: the number is free, so one of them should get it. */
		if (wins == 0)
			fail_msg("neither of two processes (%s) got the free PID %d "
				 "within %d PIDs burnt each",
				 pidcycle_strategy_name(s[k]), (int)t[0], BUDGET);
	}
	rt_restore_pid_max();
}
