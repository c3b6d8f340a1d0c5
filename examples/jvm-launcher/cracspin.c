/* cracspin.c - the CRaC launcher's "PID at least N" fallback (fork+exit+waitpid), for benchmarks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pidcycle.h"

static const char cs_usage[] =
	"usage: cracspin [--heap MIB] [--spin-only | --lib [--strategy S]] [--quiet]\n"
	"                MIN [-- CMD [ARGS...]]\n"
	"Get a child with PID >= MIN, then run CMD in it (or print its PID).\n"
	"  default      write ns_last_pid as CRaC does; on EPERM/EACCES/EROFS spin\n"
	"               with fork()+_exit()+waitpid() until the PIDs reach MIN,\n"
	"               refusing to wrap\n"
	"  --spin-only  skip the ns_last_pid write and spin at once\n"
	"  --lib        use pidcycle_fork_min() instead (the comparison)\n"
	"  --heap MIB   first touch MIB MiB of private memory, as a big JVM parent has\n"
	"Prints \"cracspin: <forks> forks <sec> s, child <pid>\" on stderr unless --quiet.\n";

struct cs_args {
	long heap_mib;
	int spin_only, lib, quiet;
	const char *strategy;
	pid_t min;
	char **cmd;		/* NULL: the child prints its PID */
};

static double cs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Dirty every page, so that each fork() has page tables to copy. */
static int cs_touch_heap(long mib)
{
	size_t len = (size_t)mib << 20;
	char *p;

	if (mib <= 0)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	return 0;	/* kept mapped for the life of the process on purpose */
}

/* CRaC's first try: 0 if written, -errno (EPERM/EACCES/EROFS mean "spin"). */
static int cs_write_last_pid(pid_t min)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", (int)min - 1);
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		r = -errno;
	close(fd);
	return r;
}

/* fork()+_exit()+waitpid() until a child got >= min-1; -ERANGE on a wrap. */
static long cs_spin(pid_t min)
{
	pid_t prev = 0, pid = 0;
	long forks = 0;

	while (pid < min - 1) {
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0)
			_exit(0);
		forks++;
		waitpid(pid, NULL, 0);
		if (pid < prev)	/* went round pid_max: CRaC gives up here */
			return -ERANGE;
		prev = pid;
	}
	return forks;
}

/* The final child: run cmd, or report the PID it got. */
static void cs_child(char **cmd)
{
	if (cmd) {
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	dprintf(STDOUT_FILENO, "%d\n", (int)getpid());	/* _exit skips stdio */
	_exit(0);
}

static pid_t cs_fork_min(const struct cs_args *a, long *forks)
{
	PIDCYCLE_OPTS(o);
	int s, r;

	if (a->lib) {
		s = a->strategy ? pidcycle_strategy_parse(a->strategy) : PIDCYCLE_AUTO;
		if (s < 0)
			return s;
		o.strategy = (enum pidcycle_strategy)s;
		return pidcycle_fork_min(a->min, &o);
	}
	r = a->spin_only ? -EPERM : cs_write_last_pid(a->min);
	if (r == -EPERM || r == -EACCES || r == -EROFS) {
		*forks = cs_spin(a->min);
		if (*forks < 0)
			return (pid_t)*forks;
	} else if (r < 0) {
		return r;
	}
	return fork();
}

static int cs_parse(struct cs_args *a, int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--heap") && i + 1 < argc)
			a->heap_mib = atol(argv[++i]);
		else if (!strcmp(argv[i], "--strategy") && i + 1 < argc)
			a->strategy = argv[++i];
		else if (!strcmp(argv[i], "--spin-only"))
			a->spin_only = 1;
		else if (!strcmp(argv[i], "--lib"))
			a->lib = 1;
		else if (!strcmp(argv[i], "--quiet"))
			a->quiet = 1;
		else
			return -1;
	}
	if (i >= argc || (a->min = atoi(argv[i])) < 1)
		return -1;
	if (++i < argc) {
		if (strcmp(argv[i], "--") || i + 1 >= argc)
			return -1;
		a->cmd = argv + i + 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cs_args a = { 0 };
	long forks = 0;
	double t0;
	pid_t pid;
	int st, r;

	if (cs_parse(&a, argc, argv) < 0) {
		fputs(cs_usage, stderr);
		return 2;
	}
	if ((r = cs_touch_heap(a.heap_mib)) < 0) {
		fprintf(stderr, "cracspin: heap: %s\n", strerror(-r));
		return 1;
	}
	fflush(stdout);
	t0 = cs_now();
	pid = cs_fork_min(&a, &forks);
	if (pid == 0)
		cs_child(a.cmd);
	if (pid < 0) {
		fprintf(stderr, "cracspin: %s\n", pid == -ERANGE ?
			"PIDs wrapped before reaching the minimum" : strerror(-pid));
		return 1;
	}
	if (!a.quiet)
		fprintf(stderr, "cracspin: %ld forks %.3f s, child %d\n",
			forks, cs_now() - t0, (int)pid);
	if (pid < a.min)	/* lost a race to another process: CRaC would fail too */
		fprintf(stderr, "cracspin: child %d is below %d\n", (int)pid, (int)a.min);
	waitpid(pid, &st, 0);
	if (pid < a.min)
		return 1;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
