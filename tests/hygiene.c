/* hygiene.c - snapshot + compare of threads, fds, limits, signals and children around a test. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hygiene.h"

#define HYG_MAX_SEEN 64

/* SIGCHLD senders seen since the last check (written by the handler only). */
static volatile sig_atomic_t seen_n;
static volatile pid_t seen[HYG_MAX_SEEN];
/* Children the current test made itself. */
static pid_t own[256];
static size_t own_n;

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (seen_n < HYG_MAX_SEEN)
		seen[seen_n] = si->si_pid;
	if (seen_n < HYG_MAX_SEEN + 1)
		seen_n++;
}

void hyg_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigchld;
	/* Like CRIU: a real handler; SA_RESTART keeps our own waits simple. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
		perror("hygiene: init");
		exit(99);
	}
}

void hyg_own(pid_t pid)
{
	if (pid > 0 && own_n < sizeof(own) / sizeof(own[0]))
		own[own_n++] = pid;
}

/* Count a /proc directory's entries (minus . and ..); mark fds if asked. */
static int count_dir(const char *path, unsigned char *bits, int skip_fd)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		int v = atoi(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		if (bits && v == dirfd(d) && skip_fd)
			continue;	/* the directory stream itself */
		n++;
		if (bits && v >= 0 && v < HYG_MAX_FD)
			bits[v / 8] |= 1u << (v % 8);
	}
	closedir(d);
	return n;
}

static void snap(struct hyg_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->tasks = count_dir("/proc/self/task", NULL, 0);
	s->nfds = count_dir("/proc/self/fd", s->fds, 1);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &s->nofile), 0);
	assert_int_equal(getrlimit(RLIMIT_NPROC, &s->nproc), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &s->mask), 0);
	assert_int_equal(sigpending(&s->pending), 0);
}

void hyg_take(struct hyg_snap *s)
{
	snap(s);
	/* SIGCHLDs before the test are not the test's business. */
	seen_n = 0;
	own_n = 0;
}

static bool is_own(pid_t pid)
{
	for (size_t i = 0; i < own_n; i++)
		if (own[i] == pid)
			return true;
	return false;
}

static void check_sigsets(const struct hyg_snap *b, const struct hyg_snap *a)
{
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigismember(&b->mask, sig) != sigismember(&a->mask, sig))
			fail_msg("signal mask changed for signal %d", sig);
		if (sigismember(&a->pending, sig) &&
		    !sigismember(&b->pending, sig))
			fail_msg("signal %d left pending", sig);
	}
}

static void check_children(void)
{
	int st;
	pid_t r = waitpid(-1, &st, WNOHANG | __WALL);

	if (r > 0)
		fail_msg("a child (pid %d, status 0x%x) was left to reap", r, st);
	if (r == 0)
		fail_msg("a child process is still running");
	assert_int_equal(errno, ECHILD);
}

static void check_sigchld_senders(void)
{
	int n = seen_n;

	if (n > HYG_MAX_SEEN)
		fail_msg("more than %d SIGCHLDs during one test", HYG_MAX_SEEN);
	for (int i = 0; i < n; i++)
		if (!is_own(seen[i]))
			fail_msg("SIGCHLD from pid %d, not a child of the test",
				 (int)seen[i]);
}

void hyg_check(const struct hyg_snap *before)
{
	struct hyg_snap after;

	snap(&after);
	assert_int_equal(after.tasks, before->tasks);
	assert_int_equal(after.nfds, before->nfds);
	if (memcmp(after.fds, before->fds, sizeof(after.fds)))
		fail_msg("the set of open fds changed");
	assert_true(after.nofile.rlim_cur == before->nofile.rlim_cur);
	assert_true(after.nofile.rlim_max == before->nofile.rlim_max);
	assert_true(after.nproc.rlim_cur == before->nproc.rlim_cur);
	assert_true(after.nproc.rlim_max == before->nproc.rlim_max);
	check_sigsets(before, &after);
	check_children();
	check_sigchld_senders();
}

void hyg_sigchld_checkpoint(void)
{
	check_sigchld_senders();
	seen_n = 0;
	own_n = 0;
}

void hyg_join(pthread_t th, const pid_t *tidp)
{
	const struct timespec tick = { 0, 100000 };
	pid_t self = getpid(), tid;

	assert_int_equal(pthread_join(th, NULL), 0);
	tid = *tidp;
	assert_true(tid > 0);
	for (int i = 0; tgkill(self, tid, 0) == 0; i++) {
		if (i == 100000)
			fail_msg("thread %d still in the thread group 10 s after "
				 "pthread_join", (int)tid);
		nanosleep(&tick, NULL);
	}
	assert_int_equal(errno, ESRCH);
}
