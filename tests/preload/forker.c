/* forker.c - someone else taking numbers: about RATE fork+_exit+wait per second, until killed. */
/* Usage: forker RATE (0: as fast as it can). On SIGTERM it says how many
 * forks it made, and how fast, on standard error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
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

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Forks at least 1/RATE seconds apart: a late one is not made up for with a
 * burst (nor is one in a shell loop). The rate reached is a little lower. */
int main(int argc, char **argv)
{
	double rate = argc > 1 ? atof(argv[1]) : 0, t0 = now();
	unsigned long n = 0;

	signal(SIGTERM, on_term);
	while (!stop) {
		double t = now(), ahead;
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0) {
			waitpid(p, NULL, 0);
			n++;
		}
		if (rate <= 0)
			continue;
		ahead = t + 1 / rate - now();
		if (ahead > 0)
			nanosleep(&(struct timespec){ (time_t)ahead,
						      (long)((ahead - (time_t)ahead) * 1e9) }, NULL);
	}
	fprintf(stderr, "forker: %lu forks in %.1f s: %.0f/s\n", n, now() - t0,
		n / (now() - t0));
	return 0;
}
