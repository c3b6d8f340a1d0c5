/* engine_util.c - helpers for the engine tests: in-use holders, a model allocator, a load. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

/* ---- the in-use set, read straight from /proc ------------------------- */

static bool is_num(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

void eng_used_add(struct eng_used *u, pid_t pid)
{
	size_t i = u->n;

	if (pid <= 0 || eng_used_has(u, pid))
		return;
	assert_true(u->n < sizeof(u->v) / sizeof(u->v[0]));
	while (i > 0 && u->v[i - 1] > pid) {
		u->v[i] = u->v[i - 1];
		i--;
	}
	u->v[i] = pid;
	u->n++;
}

bool eng_used_has(const struct eng_used *u, pid_t pid)
{
	size_t lo = 0, hi = u->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->v[mid] == pid)
			return true;
		if (u->v[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

uint64_t eng_used_count(const struct eng_used *u, pid_t lo, pid_t hi)
{
	uint64_t n = 0;

	for (size_t i = 0; i < u->n; i++)
		n += u->v[i] >= lo && u->v[i] <= hi;
	return n;
}

/* pgrp and session of /proc/<pid>/stat (fields 5 and 6). */
static void add_groups(struct eng_used *u, const char *pid)
{
	char path[300], buf[512];
	const char *p;
	int fd, pgrp, sid;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (p && sscanf(p + 2, "%*c %*d %d %d", &pgrp, &sid) == 2) {
		eng_used_add(u, pgrp);
		eng_used_add(u, sid);
	}
}

/* Call fn(arg, name) for each numeric entry of a /proc directory. */
static int each_num(const char *dir, void (*fn)(void *, const char *), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (is_num(e->d_name)) {
			n++;
			if (fn)
				fn(arg, e->d_name);
		}
	closedir(d);
	return n;
}

static void add_tid(void *u, const char *tid)
{
	eng_used_add(u, atoi(tid));
}

static void add_process(void *u, const char *pid)
{
	char path[300];

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	eng_used_add(u, atoi(pid));
	each_num(path, add_tid, u);
	add_groups(u, pid);
}

void eng_used_scan(struct eng_used *u)
{
	u->n = 0;
	assert_true(each_num("/proc", add_process, u) > 0);
}

pid_t eng_alloc_after(const struct eng_used *u, pid_t last, pid_t pid_max)
{
	pid_t floor = last + 1 > 300 ? 300 : 1;
	pid_t start = last + 1 < floor ? floor : last + 1;

	for (pid_t p = start; p < pid_max; p++)
		if (!eng_used_has(u, p))
			return p;
	for (pid_t p = floor; p < start; p++)
		if (!eng_used_has(u, p))
			return p;
	fail_msg("model: no free number below pid_max %d", (int)pid_max);
	return -1;
}

pid_t eng_model_burn(struct eng_used *u, pid_t last, pid_t pid_max,
		     uint64_t n, unsigned int live)
{
	for (uint64_t i = 0; i < n; i++) {
		last = eng_alloc_after(u, last, pid_max);
		if (i < live)
			eng_used_add(u, last);
	}
	return last;
}

static void count_task_dir(void *n, const char *pid)
{
	char path[300];
	int k;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	k = each_num(path, NULL, NULL);
	*(int *)n += k > 0 ? k : 0;	/* gone meanwhile: counts nothing */
}

int eng_count_tasks(void)
{
	int n = 0;

	assert_true(each_num("/proc", count_task_dir, &n) > 0);
	return n;
}

/* ---- processes that hold numbers ------------------------------------- */

struct holder {
	pid_t pid;	/* the child we reap at release */
	int fd;		/* closing it lets the holder go; -1 for a zombie */
};

static struct holder holders[16];

static void remember(pid_t pid, int fd)
{
	for (size_t i = 0; i < sizeof(holders) / sizeof(holders[0]); i++)
		if (!holders[i].pid) {
			holders[i] = (struct holder){ pid, fd };
			hyg_own(pid);
			return;
		}
	fail_msg("too many holders");
}

void eng_release(pid_t pid)
{
	for (size_t i = 0; i < sizeof(holders) / sizeof(holders[0]); i++)
		if (holders[i].pid == pid) {
			if (holders[i].fd >= 0)
				close(holders[i].fd);
			holders[i].pid = 0;
			hyg_own(pid);	/* a new test may release it */
			ns_reap_ok(pid);
			return;
		}
	fail_msg("pid %d is not a holder", (int)pid);
}

/*
 * In a holder child: close every fd but a and b, above all other holders'
 * pipe ends, which would keep those holders from seeing EOF at release.
 */
static void keep_only(int a, int b)
{
	for (int fd = 3; fd < HYG_MAX_FD; fd++)
		if (fd != a && fd != b)
			close(fd);
}

static void *thread_wait(void *arg)
{
	int *io = arg;
	pid_t tid = gettid();
	char c;

	if (write(io[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(7);
	while (read(io[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* The holder: a second thread reports its TID, both wait for EOF. */
static void __attribute__((noreturn)) thread_holder_main(int up, int hold)
{
	int io[2] = { hold, up };
	pthread_t t;

	if (pthread_create(&t, NULL, thread_wait, io))
		_exit(6);
	pthread_join(t, NULL);
	_exit(0);
}

/* The group leader: a member in our new group, then leave. */
static void __attribute__((noreturn)) group_leader_main(int up, int hold)
{
	pid_t m;
	char c;

	setpgid(0, 0);
	m = fork();
	if (m == 0) {
		close(up);
		_exit(read(hold, &c, 1) == 0 ? 0 : 6);
	}
	_exit(write(up, &m, sizeof(m)) == sizeof(m) && m > 0 ? 0 : 4);
}

/* The session leader: a member in a group of its own, then leave. */
static void __attribute__((noreturn)) session_leader_main(int up, int hold)
{
	pid_t m;
	char c;

	if (setsid() < 0)
		_exit(4);
	m = fork();
	if (m == 0) {
		close(up);
		setpgid(0, 0);
		_exit(read(hold, &c, 1) == 0 ? 0 : 6);
	}
	/* Our own group must be empty when we go: wait until m left it. */
	while (m > 0 && getpgid(m) != m)
		usleep(100);
	_exit(write(up, &m, sizeof(m)) == sizeof(m) && m > 0 ? 0 : 4);
}

/*
 * Fork a child that runs child_main(up, hold) with no other fd and writes
 * one PID up, which lands in *got. What it makes lives until *hold_w (the
 * write end of hold) is closed.
 */
static pid_t spawn_reporting(void (*child_main)(int up, int hold), pid_t *got,
			     int *hold_w)
{
	int up[2], hold[2];
	pid_t pid;

	assert_int_equal(pipe2(up, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	pid = fork();
	if (pid == 0) {
		keep_only(up[1], hold[0]);
		child_main(up[1], hold[0]);
	}
	assert_true(pid > 0);
	hyg_own(pid);
	close(up[1]);
	close(hold[0]);
	assert_int_equal(read(up[0], got, sizeof(*got)), sizeof(*got));
	close(up[0]);
	*hold_w = hold[1];
	return pid;
}

pid_t eng_thread_holder(pid_t *tid)
{
	int hold;
	pid_t pid = spawn_reporting(thread_holder_main, tid, &hold);

	remember(pid, hold);
	assert_true(*tid > 0 && *tid != pid);
	return pid;
}

pid_t eng_orphan_group(pid_t *member)
{
	int hold;
	pid_t leader = spawn_reporting(group_leader_main, member, &hold);

	ns_reap_ok(leader);
	/* The member was orphaned to us: we are a child subreaper. */
	remember(*member, hold);
	assert_int_equal(getpgid(*member), leader);
	return leader;
}

pid_t eng_orphan_session(pid_t *member)
{
	int hold;
	pid_t leader = spawn_reporting(session_leader_main, member, &hold);

	ns_reap_ok(leader);
	remember(*member, hold);
	assert_int_equal(getsid(*member), leader);
	assert_int_equal(getpgid(*member), *member);
	return leader;
}

pid_t eng_zombie(void)
{
	pid_t z = ns_make_zombie();

	remember(z, -1);
	return z;
}

/* ---- moving the cursor ------------------------------------------------ */

pid_t eng_free_from(pid_t from)
{
	pid_t max = ns_pid_max(), p = from;

	for (pid_t k = 0; k < max; k++, p++) {
		if (p >= max || p < 300)
			p = 300;
		if (ns_pid_free(p))
			return p;
	}
	fail_msg("no free number in [300, %d)", (int)max);
	return -1;
}

void eng_move_last(pid_t last)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner());
	int rc;

	if (ns_last() == last)
		return;
	if (ns_info.ns_last_pid_writable) {
		ns_move_last(last);
		return;
	}
	assert_true(last + 1 < ns_pid_max());
	rc = pidcycle_set_next(last + 1, &o);
	if (rc)
		fail_msg("moving the cursor: pidcycle_set_next(%d) = %d",
			 (int)last + 1, rc);
	assert_int_equal(ns_last(), last);
}

void eng_need_low_pid_max(void)
{
	pid_t max = ns_pid_max();

	if (max <= 100000)
		return;
	print_message("[ SKIP-WHY ] pid_max is %d: a lap is too long for a test "
		      "(%s)\n", (int)max, ns_pid_max_private() ?
		      "run through tests/engine_ns.sh, which lowers it as root" :
		      "the kernel has no per-namespace pid_max before 6.14");
	skip();
}

/* ---- a background forker ---------------------------------------------- */

static _Atomic uint64_t *load_count;

static void __attribute__((noreturn)) load_main(unsigned int per_sec)
{
	long step = 1000000000L / (per_sec ? per_sec : 1);
	struct timespec next;

	signal(SIGCHLD, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		pid_t c = fork();

		if (c == 0)
			_exit(0);
		if (c > 0) {
			while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
				;
			(*load_count)++;
		}
		next.tv_nsec += step;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
}

pid_t eng_load_start(unsigned int per_sec)
{
	pid_t load;

	if (!load_count) {
		load_count = mmap(NULL, sizeof(*load_count), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		assert_true(load_count != MAP_FAILED);
	}
	*load_count = 0;
	load = fork();
	if (load == 0)
		load_main(per_sec);
	assert_true(load > 0);
	hyg_own(load);
	return load;
}

uint64_t eng_load_stop(pid_t load)
{
	uint64_t n = *load_count;
	pid_t r;
	int st;

	assert_int_equal(kill(load, SIGKILL), 0);
	ns_reap(load);
	/* A child it had not reaped yet was orphaned to us: reap it too. */
	while ((r = waitpid(-1, &st, __WALL)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			hyg_own(r);
	assert_int_equal(errno, ECHILD);
	return n;
}

/* ---- a fork_at that may lose but must never lie ----------------------- */

int eng_fork_at_try(pid_t target, const struct pidcycle_opts *o, int *err)
{
	pid_t r = pidcycle_fork_at(target, o);
	int st;

	if (r == 0)
		ns_child_exit_if(target);
	*err = r;
	if (r > 0) {
		hyg_own(r);
		st = ns_reap(r);
		if (r != target || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("FALSE SUCCESS: pidcycle_fork_at(%d, %s) = %d, "
				 "child status 0x%x (exit 3 = wrong getpid())",
				 (int)target, pidcycle_strategy_name(o->strategy),
				 (int)r, st);
		return 1;
	}
	if (r == -EAGAIN || r == -ETIMEDOUT)
		return 0;
	fail_msg("pidcycle_fork_at(%d, %s) = %d: only -EAGAIN/-ETIMEDOUT may "
		 "be a loss", (int)target, pidcycle_strategy_name(o->strategy),
		 (int)r);
	return 0;
}

double eng_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
