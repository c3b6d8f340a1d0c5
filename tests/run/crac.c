/* crac.c - CRaC's launcher pattern: write ns_last_pid through libc, then fork(); the child is PID. */
/*
 * Usage: crac PID. Opens /proc/sys/kernel/ns_last_pid, writes "<PID-1>",
 * closes it and forks; the child reports getpid(). Exit 0 if it was PID,
 * 1 if another, 2 if the write failed (the errno name is printed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd, len, st, p[2];
	pid_t want, child, seen = 0;
	char buf[16];

	if (argc != 2 || (want = atoi(argv[1])) <= 1) {
		fprintf(stderr, "usage: crac PID\n");
		return 3;
	}
	len = snprintf(buf, sizeof(buf), "%d", (int)want - 1);
	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	if (fd < 0 || write(fd, buf, (size_t)len) != len) {
		printf("crac: cannot set ns_last_pid: %s\n", strerrorname_np(errno));
		return 2;
	}
	close(fd);
	if (pipe(p))
		return 3;
	child = fork();
	if (child == 0) {
		pid_t me = getpid();

		_exit(write(p[1], &me, sizeof(me)) == sizeof(me) ? 0 : 1);
	}
	close(p[1]);
	if (child < 0 || read(p[0], &seen, sizeof(seen)) != sizeof(seen) ||
	    waitpid(child, &st, 0) != child)
		return 3;
	printf("crac: child pid %d (wanted %d)\n", (int)seen, (int)want);
	return seen == want ? 0 : 1;
}
