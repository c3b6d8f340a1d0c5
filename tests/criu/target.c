/* target.c - a process tree for the real-CRIU suite: threads, children, a zombie, all visibly running. */
/*
 * Usage: target [-t THREADS] [-c CHILDREN] [-z] [-f] STATUS_FILE
 *   -t: THREADS threads in all (the main one included), -c: children that
 *   run too, -z: one more child that exits at once and is never reaped,
 *   -f: one more child that forks and reaps all the time (the target's own
 *   fork loop). Every task counts in a shared page; the main thread rewrites
 *   STATUS_FILE every 10 ms with "tick N" and each task's count, so a reader
 *   sees whether all of them run (after a restore too). Start it detached:
 *   it makes itself a session leader.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TASKS 64

static volatile unsigned long *counts;	/* shared with the children */

static void nap(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

static void *count_forever(void *slot)
{
	for (;;) {
		counts[(long)slot]++;
		nap(5);
	}
	return NULL;
}

static void fork_forever(long slot)
{
	for (;;) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
		counts[slot]++;
		nap(2);
	}
}

int main(int argc, char **argv)
{
	int threads = 1, children = 0, zombie = 0, forker = 0, opt, tasks;
	char line[1024];
	pthread_t t;
	int fd;

	while ((opt = getopt(argc, argv, "t:c:zf")) != -1) {
		if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'c')
			children = atoi(optarg);
		else if (opt == 'z')
			zombie = 1;
		else if (opt == 'f')
			forker = 1;
		else
			return 2;
	}
	tasks = threads + children + forker;
	if (optind != argc - 1 || threads < 1 || tasks > MAX_TASKS)
		return 2;
	setsid();
	close_range(3, ~0U, 0);	/* nothing the starter had open */
	counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED)
		return 1;
	for (long i = 0; i < children; i++)
		if (fork() == 0)
			count_forever((void *)(long)(threads + i));
	if (forker && fork() == 0)
		fork_forever(threads + children);
	if (zombie && fork() == 0)
		_exit(0);
	for (long i = 1; i < threads; i++)
		pthread_create(&t, NULL, count_forever, (void *)i);
	/* One descriptor for the whole life: CRIU restores it by its path. */
	fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return 1;
	for (unsigned long tick = 0;; tick++) {
		int n = snprintf(line, sizeof(line), "tick %lu", tick);

		counts[0]++;
		for (int i = 0; i < tasks && n < (int)sizeof(line) - 24; i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %lu", counts[i]);
		/* Fixed width: a reader never sees the tail of a longer line. */
		memset(line + n, ' ', sizeof(line) - 1 - (size_t)n);
		line[sizeof(line) - 1] = '\n';
		if (pwrite(fd, line, sizeof(line), 0) < 0)
			return 1;
		nap(10);
	}
}
