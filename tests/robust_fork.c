/* robust_fork.c - issue 12 items 3 and 6: the candidate hides no SIGCHLD of the host's and runs no atfork handler. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"	/* pc_candidate, pc_make_fork, PC_ELOST */
#include "robust.h"

/* ---- a SIGCHLD recorder of our own, in place of hygiene's --------------- */

static volatile sig_atomic_t chld_n;
static volatile pid_t chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_n++;
	chld_pid = si->si_pid;
}

static void record_sigchld(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &sa, old), 0);
	chld_n = 0;
	chld_pid = 0;
}

static void zombie_wait(pid_t pid)
{
	siginfo_t si;

	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) < 0)
		assert_int_equal(errno, EINTR);
}

/* A number no candidate can get: PID 1 of the namespace is taken. */
#define NEVER 1

/*
 * A maker for pc_candidate(): the candidate first (it will be rejected:
 * it cannot be NEVER), then, once it is a zombie, a child of the host's
 * own that exits too. Both SIGCHLDs are pending while the candidate runs
 * and merge into one, which carries the candidate's si_pid: the one the
 * library takes back. With host_first the host's child goes first.
 */
struct merge {
	bool host_first;
	pid_t host;
};

static pid_t host_child(struct merge *m)
{
	m->host = fork();
	if (m->host == 0)
		_exit(0);
	if (m->host > 0)
		zombie_wait(m->host);
	return m->host;
}

static pid_t merging_maker(void *arg)
{
	struct merge *m = arg;
	pid_t c;

	if (m->host_first && host_child(m) < 0)
		return -EAGAIN;
	c = pc_make_fork(NULL);
	if (c <= 0)
		return c;	/* the child: pc_candidate rejects it */
	zombie_wait(c);
	if (!m->host_first)
		host_child(m);
	return c;
}

/* Run the merge; what the host saw is in chld_n/chld_pid. No assert here:
 * this runs in a second thread too, where cmocka cannot fail a test. */
static pid_t merged_run(struct merge *m)
{
	struct sigaction old;
	pid_t r;

	record_sigchld(&old);
	r = pc_candidate(merging_maker, m, NEVER, PC_GOAL_NEXT);
	/* The mask is back: whatever is pending has been delivered. */
	sigaction(SIGCHLD, &old, NULL);
	return r;
}

static void merged_check(struct merge *m, pid_t r)
{
	assert_int_equal(r, -PC_ELOST);
	assert_true(m->host > 0);
	hyg_own(m->host);
	print_message("host child %d exited %s the rejected candidate: %d "
		      "SIGCHLD seen, from %d\n", (int)m->host,
		      m->host_first ? "before" : "after", (int)chld_n,
		      (int)chld_pid);
	ns_reap_ok(m->host);
	if (chld_n != 1 || chld_pid != m->host)
		fail_msg("the host's child %d exited and its SIGCHLD was %s",
			 (int)m->host, chld_n ? "not its own" : "swallowed");
}

static void merged_case(struct merge *m)
{
	merged_check(m, merged_run(m));
}

/* The old take-back consumed the merged signal: the host never heard. */
HYG_TEST(sigchld_merged_kept)
{
	struct merge m = { .host_first = false };

	merged_case(&m);
}

struct in_thread {
	struct merge m;
	pid_t r, tid;
};

static void *merged_in_thread(void *arg)
{
	struct in_thread *t = arg;
	sigset_t chld;

	t->tid = gettid();
	/* Only this thread takes SIGCHLD: the main thread blocks it. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_UNBLOCK, &chld, NULL);
	t->r = merged_run(&t->m);
	return NULL;
}

/*
 * The host's child first: the signal taken back is the host's, queued again
 * unchanged. From a thread other than the main one the old code could not:
 * rt_sigqueueinfo() with a kernel-like si_code must name the caller's own
 * thread (it named getpid() and got EPERM), so the SIGCHLD was lost.
 */
HYG_TEST(sigchld_thread_requeue)
{
	struct in_thread t = { .m = { .host_first = true } };
	sigset_t chld, old;
	pthread_t th;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &chld, &old), 0);
	assert_int_equal(pthread_create(&th, NULL, merged_in_thread, &t), 0);
	hyg_join(th, &t.tid);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
	merged_check(&t.m, t.r);
}

/* ---- pthread_atfork ------------------------------------------------------ */

static _Atomic int forks_prepared, forks_parent;
static bool atfork_armed;
static int atfork_pipe[2] = { -1, -1 };

static void on_prepare(void)
{
	if (atfork_armed)
		forks_prepared++;
}

static void on_parent(void)
{
	if (atfork_armed)
		forks_parent++;
}

/* In the child, with its (wrong or right) PID: report through the pipe. */
static void on_child(void)
{
	pid_t me = getpid();

	if (atfork_armed && write(atfork_pipe[1], &me, sizeof(me)) < 0)
		_exit(9);
}

static int child_reports(void)
{
	pid_t v;
	int n = 0;

	while (read(atfork_pipe[0], &v, sizeof(v)) == sizeof(v))
		n++;
	return n;
}

static void fork_at_target(void)
{
	pid_t target = eng_free_from(ns_last() + 10);
	PIDCYCLE_OPTS(o, .strategy = ns_has(PIDCYCLE_LASTPID) ? PIDCYCLE_LASTPID
							      : ns_fast_burner());

	assert_int_equal(ns_fork_at(target, &o), target);
}

/*
 * pidcycle_fork_at(3): no pthread_atfork() handler runs, in the parent, in
 * a rejected candidate (which would run the caller's code with a wrong PID)
 * or in the child that is kept. The old candidate was a fork(): prepare and
 * parent ran once per candidate, child handlers in every one.
 */
HYG_TEST(atfork_not_run)
{
	static bool registered;
	int reports;

	/* Handlers stay registered for the process's life; armed only here. */
	if (!registered)
		assert_int_equal(pthread_atfork(on_prepare, on_parent, on_child), 0);
	registered = true;
	assert_int_equal(pipe2(atfork_pipe, O_CLOEXEC | O_NONBLOCK), 0);
	forks_prepared = forks_parent = 0;
	atfork_armed = true;
	/* Lost races: candidates rejected for a number they cannot have. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(pc_candidate(pc_make_fork, NULL, NEVER,
					      PC_GOAL_NEXT), -PC_ELOST);
	fork_at_target();
	atfork_armed = false;
	reports = child_reports();
	close(atfork_pipe[0]);
	close(atfork_pipe[1]);
	print_message("pthread_atfork handlers run: prepare %d, parent %d, "
		      "child %d\n", (int)forks_prepared, (int)forks_parent, reports);
	assert_int_equal(forks_prepared, 0);
	assert_int_equal(forks_parent, 0);
	assert_int_equal(reports, 0);
}
