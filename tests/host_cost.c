/* host_cost.c - how many PIDs a command takes from the machine's own namespace: the host's ns_last_pid, read (never written) while it runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 *   unshare --pid --fork --mount-proc host_cost CMD [ARG...]
 * Run CMD and sample this namespace's cursor every SAMPLE_US until it ends;
 * print how far the cursor advanced (across wraps, which land on 300) and
 * how long it took. A task gets a number in its own PID namespace and in
 * each above it, so CMD costs the machine's own namespace exactly what it
 * costs this one; in a namespace of its own (as above, PID 1 there, reaping
 * orphans) nothing else on the machine is counted. Run in the machine's own
 * namespace it also counts everyone else's numbers.
 */
#define SAMPLE_US 200

static long read_num(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	return atol(buf);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, SAMPLE_US * 1000 };
	int cur = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	int max = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);
	long last, pid_max, advanced = 0, wraps = 0;
	double t0 = now();
	pid_t c;
	int st = 0;

	if (argc < 2 || cur < 0 || max < 0) {
		fprintf(stderr, "usage: host_cost CMD [ARG...] (needs ns_last_pid)\n");
		return 2;
	}
	pid_max = read_num(max);
	last = read_num(cur);
	c = fork();
	if (c == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	for (;;) {
		int s;
		pid_t r;
		long v;

		/* PID 1 of a namespace of our own: orphans come to us. */
		while ((r = waitpid(-1, &s, WNOHANG)) > 0)
			if (r == c)
				st = s;
		if (r < 0 && errno == ECHILD)
			break;
		v = read_num(cur);

		if (v >= last) {
			advanced += v - last;
		} else if (v >= 0) {	/* wrapped: to 300 once past it */
			advanced += pid_max - 1 - last + v - 299;
			wraps++;
		}
		last = v >= 0 ? v : last;
		nanosleep(&tick, NULL);
	}
	advanced += read_num(cur) - last;	/* the last moments, no wrap */
	fprintf(stderr, "host_cost: %ld numbers taken in this namespace (pid_max %ld, "
		"%ld wraps) in %.1f s while `%s` ran (exit %d)\n", advanced, pid_max,
		wraps, now() - t0, argv[1], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
