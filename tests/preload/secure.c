/* secure.c - a set-uid program with the preload linked in: it must ignore PIDCYCLE_* settings. */
/*
 * Usage (installed set-uid to another user): secure PID
 * Restores PID with clone3(set_tid) as CRIU does (the preload, linked in,
 * emulates it); prints whether the kernel marked us AT_SECURE. With
 * PIDCYCLE_LOG set in the environment, a preload that honours it would add
 * its line. Exit 0 when the child got PID, 77 when we are not AT_SECURE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone3.h"

/* Built with SANITIZE=address: LeakSanitizer cannot trace a set-uid
 * process at exit, and the environment (ASAN_OPTIONS) is not trusted here. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

int main(int argc, char **argv)
{
	pid_t want = argc == 2 ? atoi(argv[1]) : 0;
	int st;
	long r;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!getauxval(AT_SECURE)) {
		printf("secure: not AT_SECURE (uid %d euid %d)\n", (int)getuid(), (int)geteuid());
		return 77;
	}
	r = t_clone3_set_tid(&want, 0, SIGCHLD);
	if (r == 0)
		_exit(getpid() == want ? 0 : 1);
	if (r < 0) {
		printf("secure: clone3 with set_tid failed: %s\n", strerrorname_np(errno));
		return 2;
	}
	if (waitpid((pid_t)r, &st, 0) != r || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	printf("secure: AT_SECURE, restored pid %ld\n", r);
	return 0;
}
