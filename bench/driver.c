/* driver.c - in-process bench driver: times pidcycle calls where a process timer is too coarse. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pidcycle.h"
#include "internal.h"	/* pc_anchors: --no-anchors, linked from the .a */

/*
 * Modes (all print one JSON object on stdout; exit 0 on success):
 *   burn  COUNT  [-s S] [-t T] [--heap-mb M] [-r R] [--no-anchors]
 *                                       pidcycle_burn() R times (ghost anchors off:
 *                                       what they buy, lib/anchors.c)
 *   reach DIST   [-s S] [-t T] [-r R]   burn(DIST) vs set_next(DIST away), alternated
 *   exact CALLS  -s settid|lastpid      time per fork_at / set_next call
 *   estimate PID [-s S] [-t T]          the predictor's view for one strategy
 *                                       (the CLI's estimate only speaks for AUTO)
 * The process must already be inside a private PID namespace: it moves the cursor.
 */

struct args {
	const char *mode;
	unsigned long long n;
	int strategy;
	unsigned int threads;
	unsigned int heap_mb;
	unsigned int reps;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long read_long_file(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static long last_pid(void)
{
	return read_long_file("/proc/sys/kernel/ns_last_pid");
}

/* One JSON error object on a line of its own: the harness reads the last line. */
static int fail(const struct args *a, const char *what, int err)
{
	printf("\n{\"mode\":\"%s\",\"strategy\":\"%s\",\"error\":%d,"
	       "\"where\":\"%s\",\"message\":\"%s\"}\n", a->mode,
	       pidcycle_strategy_name(a->strategy) ?: "?", err, what,
	       strerror(err < 0 ? -err : err));
	return 1;
}

/* The touched heap that makes fork copy page tables (the "big parent" case). */
static char *touch_heap(unsigned int mb)
{
	size_t len = (size_t)mb << 20;
	char *p;

	if (!mb)
		return NULL;
	p = malloc(len);
	if (p)
		memset(p, 1, len);
	return p;
}

static int run_burn(const struct args *a)
{
	PIDCYCLE_OPTS(o, .strategy = a->strategy, .threads = a->threads);
	char *heap = touch_heap(a->heap_mb);
	unsigned int i;

	if (a->heap_mb && !heap)
		return fail(a, "malloc", -ENOMEM);
	printf("{\"mode\":\"burn\",\"strategy\":\"%s\",\"threads\":%u,"
	       "\"heap_mb\":%u,\"anchors\":%s,\"count\":%llu,\"reps\":[",
	       pidcycle_strategy_name(a->strategy), a->threads, a->heap_mb,
	       pc_anchors ? "true" : "false", a->n);
	for (i = 0; i < a->reps; i++) {
		struct pidcycle_stats st = { .sz = sizeof(st) };
		double t0 = now();
		int rc = pidcycle_burn(a->n, &o, &st);
		double wall = now() - t0;

		if (rc < 0) {
			printf("],\"error\":%d,\"message\":\"%s\"}\n", rc, strerror(-rc));
			free(heap);
			return 1;
		}
		printf("%s{\"burnt\":%llu,\"seconds\":%.6f,\"wall\":%.6f,"
		       "\"pids_per_sec\":%.1f,\"threads_ran\":%u,\"laps\":%u,"
		       "\"ran\":\"%s\"}", i ? "," : "", (unsigned long long)st.burnt,
		       st.seconds, wall, st.pids_per_sec, st.threads, st.laps,
		       pidcycle_strategy_name(st.strategy) ?: "?");
	}
	printf("]}\n");
	free(heap);
	return 0;
}

/*
 * The number `dist` free numbers ahead of the cursor, wrapping at pid_max to
 * the floor. A quiet private namespace has almost nothing in use up there, and
 * the estimate's own distance is reported beside it so a skip would show.
 */
static long target_ahead(unsigned long long dist)
{
	long last = last_pid(), max = read_long_file("/proc/sys/kernel/pid_max");
	long long t;

	if (last < 0 || max < 0)
		return last < 0 ? last : max;
	t = last + 1 + (long long)dist;
	if (t >= max)
		t = 300 + (t - max);
	return (long)t;
}

static int one_reach(const struct args *a, const struct pidcycle_opts *o,
		     int burn_first, int first)
{
	struct pidcycle_estimate est = { .sz = sizeof(est) };
	double tb = 0, tn = 0, t0;
	long target = 0;
	int rc, k;

	for (k = 0; k < 2; k++) {
		if ((k == 0) == burn_first) {
			t0 = now();
			rc = pidcycle_burn(a->n, o, NULL);
			tb = now() - t0;
			if (rc < 0)
				return fail(a, "burn", rc);
			continue;
		}
		target = target_ahead(a->n);
		if (target < 0)
			return fail(a, "cursor", (int)target);
		rc = pidcycle_estimate((pid_t)target, o, &est);
		t0 = now();
		rc = rc < 0 ? rc : pidcycle_set_next((pid_t)target, o);
		tn = now() - t0;
		if (rc < 0)
			return fail(a, "set_next", rc);
		if (last_pid() != target - 1)
			return fail(a, "set_next missed", -EPROTO);
	}
	printf("%s{\"target\":%ld,\"est_distance\":%llu,\"est_eta\":%.6f,"
	       "\"burn_seconds\":%.6f,\"next_seconds\":%.6f,\"ratio\":%.4f}",
	       first ? "" : ",", target, (unsigned long long)est.distance,
	       est.eta_sec, tb, tn, tn / tb);
	return 0;
}

static int run_reach(const struct args *a)
{
	PIDCYCLE_OPTS(o, .strategy = a->strategy, .threads = a->threads);
	unsigned int i;

	printf("{\"mode\":\"reach\",\"strategy\":\"%s\",\"threads\":%u,"
	       "\"distance\":%llu,\"reps\":[", pidcycle_strategy_name(a->strategy),
	       a->threads, a->n);
	fflush(stdout);
	/* Alternate the order so drift in machine load hits both sides. */
	for (i = 0; i < a->reps; i++)
		if (one_reach(a, &o, !(i & 1), i == 0))
			return 1;
	printf("]}\n");
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static void print_us(const char *name, double *v, unsigned int n)
{
	double sum = 0;
	unsigned int i;

	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf(",\"%s\":{\"calls\":%u,\"mean_us\":%.2f,\"median_us\":%.2f,"
	       "\"p90_us\":%.2f}", name, n, sum / n * 1e6, v[n / 2] * 1e6,
	       v[n * 9 / 10] * 1e6);
}

/* A child that leaves at once; the caller reaps it by PID. */
static int reap(pid_t pid)
{
	int st;

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return pid;
	return waitpid(pid, &st, __WALL) == pid ? 0 : -errno;
}

/* kind 0: fork_at, 1: set_next, 2: plain fork+waitpid (the floor under both). */
static int time_calls(const struct args *a, int kind, double *v)
{
	PIDCYCLE_OPTS(o, .strategy = a->strategy);
	unsigned int i;
	int rc = 0;

	for (i = 0; i < a->n && rc == 0; i++) {
		/* Rotate through free numbers well above anything in use. */
		pid_t target = 10000 + (pid_t)(i % 512) * 2;
		double t0 = now();

		if (kind == 0)
			rc = reap(pidcycle_fork_at(target, &o));
		else if (kind == 1)
			rc = pidcycle_set_next(target, &o);
		else
			rc = reap(fork());
		v[i] = now() - t0;
		if (rc == 0 && kind == 1 && last_pid() != target - 1)
			rc = -EPROTO;
	}
	return rc;
}

static int run_exact(const struct args *a)
{
	static const char *const names[] = { "fork_at", "set_next", "fork_wait" };
	double *v = calloc(a->n ? a->n : 1, sizeof(*v));
	int kind, rc;

	if (!v || !a->n)
		return fail(a, "args", -EINVAL);
	if (a->strategy != PIDCYCLE_SETTID && a->strategy != PIDCYCLE_LASTPID)
		return fail(a, "exact needs settid or lastpid", -EINVAL);
	printf("{\"mode\":\"exact\",\"strategy\":\"%s\"",
	       pidcycle_strategy_name(a->strategy));
	for (kind = 0; kind < 3; kind++) {
		/* set_tid does not move the cursor, so set_next is not its job. */
		if (kind == 1 && a->strategy == PIDCYCLE_SETTID)
			continue;
		rc = time_calls(a, kind, v);
		if (rc < 0) {
			printf(",\"error\":%d,\"where\":\"%s\",\"message\":\"%s\"}\n",
			       rc, names[kind], strerror(-rc));
			free(v);
			return 1;
		}
		print_us(names[kind], v, (unsigned int)a->n);
	}
	printf("}\n");
	free(v);
	return 0;
}

static int run_estimate(const struct args *a)
{
	PIDCYCLE_OPTS(o, .strategy = a->strategy, .threads = a->threads);
	struct pidcycle_estimate e = { .sz = sizeof(e) };
	int rc = pidcycle_estimate((pid_t)a->n, &o, &e);

	if (rc < 0)
		return fail(a, "estimate", rc);
	printf("{\"mode\":\"estimate\",\"target\":%d,\"last_pid\":%d,"
	       "\"reachable\":%s,\"why\":%d,\"wraps\":%s,\"distance\":%llu,"
	       "\"in_use\":%llu,\"strategy\":\"%s\",\"threads\":%u,\"rate\":%.1f,"
	       "\"eta_seconds\":%.6f}\n", (int)e.target, (int)e.last_pid,
	       e.reachable ? "true" : "false", e.why, e.wraps ? "true" : "false",
	       (unsigned long long)e.distance, (unsigned long long)e.in_use,
	       pidcycle_strategy_name(e.strategy) ?: "?", a->threads, e.rate, e.eta_sec);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: driver burn|reach|exact|estimate N [--strategy S] [--threads T]"
		" [--heap-mb M] [--reps R] [--no-anchors]\n");
	return 2;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option lo[] = {
		{ "strategy", 1, NULL, 's' }, { "threads", 1, NULL, 't' },
		{ "heap-mb", 1, NULL, 'm' }, { "reps", 1, NULL, 'r' },
		{ "no-anchors", 0, NULL, 'A' }, { 0, 0, 0, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:t:m:r:", lo, NULL)) != -1) {
		if (c == 's')
			a->strategy = pidcycle_strategy_parse(optarg);
		else if (c == 't')
			a->threads = (unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 'm')
			a->heap_mb = (unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 'r')
			a->reps = (unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 'A')
			pc_anchors = false;
		else
			return -1;
	}
	if (optind + 2 != argc || a->strategy < 0 || !a->reps)
		return -1;
	a->mode = argv[optind];
	a->n = strtoull(argv[optind + 1], NULL, 10);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { .strategy = PIDCYCLE_AUTO, .reps = 1 };

	if (parse(argc, argv, &a) < 0)
		return usage();
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (!strcmp(a.mode, "burn"))
		return run_burn(&a);
	if (!strcmp(a.mode, "reach"))
		return run_reach(&a);
	if (!strcmp(a.mode, "exact"))
		return run_exact(&a);
	if (!strcmp(a.mode, "estimate"))
		return run_estimate(&a);
	return usage();
}
