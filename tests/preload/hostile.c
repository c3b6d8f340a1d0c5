/* hostile.c - calls that used to break the preload: a bad iovec, fork() after an ns_last_pid write. */
/*
 * Usage: hostile writev | fork-clone PID | probe
 *   writev: writev() with a bad vector pointer, a bad buffer and no vector,
 *     on ns_last_pid and on /dev/null: the kernel's answers (EFAULT, 0), not
 *     a crash.
 *   fork-clone PID: write PID-1 to ns_last_pid (refused, then emulated by
 *     the preload), then fork() - which is not the clone() the write was
 *     for - and, in both the parent and the fork's child, an unrelated
 *     glibc clone(). Both must work at once, whatever PID they get; the
 *     fork's child stays alive meanwhile, so a clone forced toward PID
 *     would wait for it (until PIDCYCLE_TIMEOUT: ETIMEDOUT).
 *   probe: CRIU's set_tid probe (clone3 with set_tid -1 and no levels,
 *     through glibc's syscall()): prints the errno it got.
 * Prints what it saw; exit 0 when all is as the kernel would have it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone3.h"

static const char *result(ssize_t r)
{
	static char buf[32];

	if (r < 0)
		return strerrorname_np(errno);
	snprintf(buf, sizeof(buf), "%zd", r);
	return buf;
}

static int check(const char *what, ssize_t r, const char *want)
{
	const char *got = result(r);

	printf("hostile: %s: %s\n", what, got);
	return strcmp(got, want) != 0;
}

static int bad_writev(void)
{
	/* volatile: the compiler must not see (and refuse) the bad pointer. */
	struct iovec *volatile bad_vec = (struct iovec *)16;
	struct iovec bad_base = { .iov_base = (void *)16, .iov_len = 4 };
	int lp = open("/proc/sys/kernel/ns_last_pid", O_RDWR);
	int null = open("/dev/null", O_WRONLY), bad = 0;

	if (lp < 0 || null < 0)
		return 2;
	bad += check("ns_last_pid, vector at 0x10", writev(lp, bad_vec, 1), "EFAULT");
	bad += check("ns_last_pid, buffer at 0x10", writev(lp, &bad_base, 1), "EFAULT");
	bad += check("ns_last_pid, no vector", writev(lp, NULL, 0), "0");
	bad += check("/dev/null, vector at 0x10", writev(null, bad_vec, 1), "EFAULT");
	return bad != 0;
}

static int child_fn(void *arg)
{
	(void)arg;
	return 0;
}

/* An unrelated clone(): made at once, reaped. "ok" or the errno's name. */
static const char *plain_clone(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int st;
	pid_t p = clone(child_fn, stack + sizeof(stack), SIGCHLD, NULL);

	if (p < 0)
		return strerrorname_np(errno);
	return waitpid(p, &st, 0) == p ? "ok" : "waitpid failed";
}

static int fork_clone(pid_t want)
{
	char buf[16];
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR), p[2], st, bad;
	int len = snprintf(buf, sizeof(buf), "%d", (int)want - 1);
	pid_t kid;
	char msg[64] = "";

	if (fd < 0 || pipe(p))
		return 2;
	if (write(fd, buf, (size_t)len) != len) {
		printf("hostile: write to ns_last_pid: %s\n", strerrorname_np(errno));
		return 2;
	}
	close(fd);
	kid = fork();
	if (kid == 0) {
		const char *r = plain_clone();

		if (write(p[1], r, strlen(r)) < 0)
			_exit(2);
		close(p[1]);
		sleep(4);	/* holds its number while the parent clones */
		_exit(0);
	}
	close(p[1]);
	printf("hostile: fork() gave %d\n", (int)kid);
	bad = check("parent's clone after the fork", strcmp(plain_clone(), "ok") ? -1 : 0, "0");
	if (read(p[0], msg, sizeof(msg) - 1) < 0)
		return 2;
	printf("hostile: fork child's clone: %s\n", msg);
	bad += strcmp(msg, "ok") != 0;
	kill(kid, SIGKILL);
	waitpid(kid, &st, 0);
	return bad != 0;
}

static int settid_probe(void)
{
	long r = t_settid_probe();

	if (r == 0)
		_exit(0);
	printf("hostile: set_tid probe: %s\n", r < 0 ? strerrorname_np(errno) : "a child");
	return r >= 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "probe"))
		return settid_probe();
	if (argc == 2 && !strcmp(argv[1], "writev"))
		return bad_writev();
	if (argc == 3 && !strcmp(argv[1], "fork-clone"))
		return fork_clone(atoi(argv[2]));
	fprintf(stderr, "usage: hostile writev | fork-clone PID | probe\n");
	return 2;
}
