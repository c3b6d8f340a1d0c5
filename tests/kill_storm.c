/* kill_storm.c - SIGKILL a library caller or the CLI at random moments: nothing it started may outlive it (issue 12 item 2). */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pidcycle.h"

/*
 * Run as PID 1 of a private PID namespace, so that every process a killed
 * caller leaves behind becomes ours and is seen:
 *   kill_storm [--cli PATH] KILLS WORKERS...
 * For each worker count, KILLS times: start a caller (a process that burns
 * and steers with the library in a loop, or `pidcycle burn` with --cli),
 * SIGKILL it after a random delay, then wait for the namespace to hold
 * nothing but us and the CPU hog that runs beside the caller on its CPU.
 * Whatever is still there after SETTLE_S seconds (a hang safety net: a
 * helper that outlives its caller waits for ever) is a leftover: counted,
 * killed and reaped. Exit status 1 if there was any.
 */
#define SETTLE_S 10

static pid_t hog;

static void pin_cpu0(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static pid_t start_hog(void)
{
	pid_t p = fork();

	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		pin_cpu0();
		for (volatile unsigned long n = 0;; n++)
			;
	}
	return p;
}

/* The library caller: burns and steers until it is killed. */
static void __attribute__((noreturn)) lib_caller(unsigned int workers)
{
	PIDCYCLE_OPTS(o, .threads = workers);
	uint64_t n = workers + 64;

	pin_cpu0();
	for (;;) {
		struct pidcycle_info i = { .sz = sizeof(i) };

		pidcycle_burn(n, &o, NULL);
		if (!pidcycle_probe(&i) && i.last_pid + (pid_t)n < i.pid_max)
			pidcycle_set_next(i.last_pid + (pid_t)n, &o);
		o.strategy = o.strategy == PIDCYCLE_THREAD ? PIDCYCLE_AUTO
							   : PIDCYCLE_THREAD;
	}
}

static void __attribute__((noreturn)) cli_caller(const char *cli,
						 unsigned int workers)
{
	char w[16];

	pin_cpu0();
	snprintf(w, sizeof(w), "%u", workers);
	execl(cli, cli, "burn", "100000000", "--threads", w, "--quiet",
	      (char *)NULL);
	_exit(127);
}

/* Tasks in the namespace other than us and the hog (threads count each). */
static int others(pid_t *first)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	*first = 0;
	while (d && (e = readdir(d))) {
		pid_t p = atoi(e->d_name);

		if (p > 1 && p != hog) {
			n++;
			*first = *first ? *first : p;
		}
	}
	if (d)
		closedir(d);
	return n;
}

static void reap_any(void)
{
	pid_t r;

	while ((r = waitpid(-1, NULL, WNOHANG | __WALL)) > 0 || (r < 0 && errno == EINTR))
		;
}

/* Wait until only we and the hog are left; the leftovers, killed and reaped. */
static int settle(void)
{
	const struct timespec tick = { 0, 1000000 };
	int left = 0;
	pid_t p;

	for (int t = 0; t < SETTLE_S * 1000; t++) {
		reap_any();
		if (!others(&p))
			return 0;
		nanosleep(&tick, NULL);
	}
	left = others(&p);
	for (; p; others(&p)) {
		kill(p, SIGCONT);
		kill(p, SIGKILL);
		nanosleep(&tick, NULL);
		reap_any();
	}
	return left;
}

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };

	nanosleep(&ts, NULL);
}

/* One kill: how many processes outlived the caller. */
static int one_kill(const char *cli, unsigned int workers)
{
	/* The window to hit: about one loop of the caller (helpers start slower with more). */
	double span = 2 + workers / 8.0;
	pid_t c = fork();

	if (c == 0) {
		if (cli)
			cli_caller(cli, workers);
		lib_caller(workers);
	}
	if (c < 0)
		return 0;
	sleep_ms(span * (rand() / (RAND_MAX + 1.0)) + (cli ? 1 : 0));
	kill(c, SIGKILL);
	waitpid(c, NULL, __WALL);
	return settle();
}

int main(int argc, char **argv)
{
	const char *cli = NULL;
	int kills, bad_total = 0;

	if (argc > 2 && !strcmp(argv[1], "--cli")) {
		cli = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 3 || getpid() != 1) {
		fprintf(stderr, "usage (as PID 1 of a private PID namespace): "
			"kill_storm [--cli PATH] KILLS WORKERS...\n");
		return 2;
	}
	kills = atoi(argv[1]);
	srand((unsigned int)time(NULL) ^ (unsigned int)getpid());
	hog = start_hog();
	for (int i = 2; i < argc; i++) {
		unsigned int w = (unsigned int)atoi(argv[i]);
		int bad = 0, left = 0;

		for (int k = 0; k < kills; k++) {
			int n = one_kill(cli, w);

			bad += n > 0;
			left += n;
		}
		printf("kill_storm: %s, %u workers, CPU hog beside it: %d kills, "
		       "%d left something behind (%d processes)\n",
		       cli ? "CLI" : "library caller", w, kills, bad, left);
		fflush(stdout);
		bad_total += bad;
	}
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);
	return bad_total ? 1 : 0;
}
