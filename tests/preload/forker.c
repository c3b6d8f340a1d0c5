/* forker.c - someone else taking numbers: about RATE fork+_exit+wait per second, until killed. */
/* Usage: forker RATE (0: as fast as it can). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One fork per 1/RATE seconds at most; a late one is not made up for with
 * a burst (a shell loop does not catch up either). */
int main(int argc, char **argv)
{
	double rate = argc > 1 ? atof(argv[1]) : 0, next = now();

	for (;;) {
		pid_t p = fork();
		double ahead;

		if (p == 0)
			_exit(0);
		if (p > 0)
			waitpid(p, NULL, 0);
		if (rate <= 0)
			continue;
		next += 1 / rate;
		ahead = next - now();
		if (ahead <= 0) {
			next = now();
			continue;
		}
		nanosleep(&(struct timespec){ (time_t)ahead,
					      (long)((ahead - (time_t)ahead) * 1e9) }, NULL);
	}
}
