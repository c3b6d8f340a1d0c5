/* opts.c - option structs, strategy names and small shared helpers. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define PC_MAX_THREADS 1024

static const char *const names[PIDCYCLE_STRATEGY_MAX] = {
	[PIDCYCLE_AUTO] = "auto",     [PIDCYCLE_SETTID] = "settid",
	[PIDCYCLE_LASTPID] = "lastpid", [PIDCYCLE_GHOST] = "ghost",
	[PIDCYCLE_THREAD] = "thread", [PIDCYCLE_VFORK] = "vfork",
	[PIDCYCLE_FORK] = "fork",
};

const char *pidcycle_strategy_name(enum pidcycle_strategy s)
{
	return (unsigned int)s < PIDCYCLE_STRATEGY_MAX ? names[s] : NULL;
}

int pidcycle_strategy_parse(const char *name)
{
	for (int s = 0; name && s < PIDCYCLE_STRATEGY_MAX; s++)
		if (!strcmp(name, names[s]))
			return s;
	return -EINVAL;
}

void pc_copy_out(void *dst, const void *src, size_t ours)
{
	size_t theirs = *(const size_t *)dst;
	size_t n = theirs < ours ? theirs : ours;

	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       n - sizeof(size_t));
}

int pc_public_err(int err)
{
	return err == -PC_ELOST || err == -PC_ETAKEN ? -EAGAIN : err;
}

double pc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned int pc_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : (unsigned int)n;
}

/*
 * Every ghost takes the kernel's one global pidmap_lock, in alloc_pid and
 * in free_pid, and spends about a ninth of its time holding it (perf on the
 * 2-CPU VM of bench/README.md, "Many cores"). However many CPUs there are, no
 * more than about nine workers can add anything, and past that they spin on
 * a lock that every fork on the machine needs too. Callers who know better
 * ask for more (threads, up to PC_MAX_THREADS).
 */
#define PC_DEFAULT_THREADS_MAX 8

unsigned int pc_threads_for_cpus(unsigned int cpus)
{
	return cpus < 1 ? 1 : cpus > PC_DEFAULT_THREADS_MAX ? PC_DEFAULT_THREADS_MAX : cpus;
}

unsigned int pc_default_threads(void)
{
	return pc_threads_for_cpus(pc_cpus());
}

/* Bytes of *in beyond what we know must be zero: a newer caller's fields. */
static bool tail_is_zero(const struct pidcycle_opts *in)
{
	const unsigned char *p = (const unsigned char *)in;

	for (size_t i = sizeof(*in); i < in->sz; i++)
		if (p[i])
			return false;
	return true;
}

int pc_opts_load(const struct pidcycle_opts *in, struct pc_opts *out)
{
	struct pidcycle_opts o = { 0 };

	if (in) {
		if (in->sz < sizeof(in->sz) || !tail_is_zero(in))
			return -EINVAL;
		/* An older caller's smaller struct: missing fields stay 0. */
		memcpy(&o, in, in->sz < sizeof(o) ? in->sz : sizeof(o));
	}
	if ((unsigned int)o.strategy >= PIDCYCLE_STRATEGY_MAX ||
	    o.threads > PC_MAX_THREADS)
		return -EINVAL;
	out->strategy = o.strategy;
	out->threads = o.threads;	/* 0: the engine picks per request */
	out->timeout_ms = o.timeout_ms;
	out->max_burn = o.max_burn;
	out->progress = o.progress;
	out->progress_arg = o.progress_arg;
	out->progress_ms = o.progress_ms ? o.progress_ms : 100;
	return 0;
}
