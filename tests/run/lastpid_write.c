/* lastpid_write.c - write one string to /proc/sys/kernel/ns_last_pid and say what the write returned. */
/*
 * Usage: lastpid_write [-o OFFSET] [-a SECONDS] STRING
 * Prints "ok N" (bytes written) or the errno's name (EINVAL, ERANGE...).
 * -o: pwrite at OFFSET. -a: a SIGALRM handler (without SA_RESTART) and an
 * alarm after SECONDS: an interrupted write says EINTR. Exit 0 either way,
 * 2 if the file cannot be opened.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static void on_alarm(int sig)
{
	(void)sig;
}

static void arm(double sec)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval t = { .it_value = { (time_t)sec,
					     (suseconds_t)((sec - (time_t)sec) * 1e6) } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
}

int main(int argc, char **argv)
{
	long off = 0;
	int opt, fd;
	ssize_t n;

	while ((opt = getopt(argc, argv, "o:a:")) != -1) {
		if (opt == 'o')
			off = atol(optarg);
		else if (opt == 'a')
			arm(atof(optarg));
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: lastpid_write [-o OFFSET] [-a SECONDS] STRING\n");
		return 2;
	}
	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	if (fd < 0) {
		printf("open: %s\n", strerrorname_np(errno));
		return 2;
	}
	n = pwrite(fd, argv[optind], strlen(argv[optind]), off);
	if (n < 0)
		printf("%s\n", strerrorname_np(errno));
	else
		printf("ok %zd\n", n);
	close(fd);
	return 0;
}
