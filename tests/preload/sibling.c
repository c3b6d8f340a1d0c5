/* sibling.c - CRIU --restore-sibling: a task restores the root at PID as its parent's child (CLONE_PARENT). */
/*
 * Usage: sibling lastpid|clone3 PID
 * This process (the parent, as libcriu's caller or a container runtime
 * would be) forks R, which restores PID with CLONE_PARENT the way CRIU does:
 * ns_last_pid then glibc clone(), or syscall(SYS_clone3) with set_tid. The
 * restored task checks its PID and reports it; it is our child, not R's.
 * Candidates the preload rejected are our children too: we reap them and
 * count them. Exit 0: restored at PID as our child; 2: R's request failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone3.h"

static pid_t want;
static int report = -1;

static int restored(void *arg)
{
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "%d", (int)getpid());

	(void)arg;
	if (write(report, msg, (size_t)n) < 0)
		return 1;
	return getpid() == want ? 0 : 1;
}

static int by_lastpid(void)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR), len;
	char buf[16];

	len = snprintf(buf, sizeof(buf), "%d", (int)want - 1);
	if (fd < 0 || write(fd, buf, (size_t)len) != len) {
		printf("sibling: Can't set last_pid: %s\n", strerrorname_np(errno));
		return 2;
	}
	close(fd);
	if (clone(restored, stack + sizeof(stack), CLONE_PARENT | SIGCHLD, NULL) < 0) {
		printf("sibling: clone: %s\n", strerrorname_np(errno));
		return 2;
	}
	return 0;
}

static int by_clone3(void)
{
	/* As CRIU: clone3 refuses an exit signal with CLONE_PARENT (the
	 * parent's own is used). */
	long r = t_clone3_set_tid(&want, CLONE_PARENT, 0);

	if (r == 0)
		_exit(restored(NULL));
	if (r < 0) {
		printf("sibling: clone3 with set_tid failed: %s\n", strerrorname_np(errno));
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int p[2], st, rejected = 0;
	char msg[32] = "";
	pid_t r, got;

	if (argc != 3 || (want = atoi(argv[2])) <= 1 || pipe(p)) {
		fprintf(stderr, "usage: sibling lastpid|clone3 PID\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	report = p[1];
	r = fork();
	if (r == 0)
		_exit(!strcmp(argv[1], "clone3") ? by_clone3() : by_lastpid());
	close(p[1]);
	if (waitpid(r, &st, 0) != r || !WIFEXITED(st))
		return 1;
	if (WEXITSTATUS(st))
		return WEXITSTATUS(st);
	if (read(p[0], msg, sizeof(msg) - 1) <= 0)
		return 1;
	got = atoi(msg);
	if (waitpid(got, &st, 0) != got || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("sibling: the task at %d is not our child, or failed\n", (int)got);
		return 1;
	}
	while ((r = waitpid(-1, &st, 0)) > 0)
		rejected++;
	printf("sibling: %s restored pid %d as our child (%d rejected candidates reaped)\n",
	       argv[1], (int)got, rejected);
	return got == want ? 0 : 1;
}
