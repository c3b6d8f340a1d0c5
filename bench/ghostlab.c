/* ghostlab.c - experiments on what parallel ghosts share in the kernel, one knob at a time. */
#include <errno.h>
#include <getopt.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"	/* the library's raw syscalls: helpers may share our TLS */

/*
 * bench/README.md ("What two workers share") explains why each knob exists.
 * Each worker is a helper process like the library's (lib/pool.c): it lowers
 * RLIMIT_NOFILE to 0 and burns ghosts - clone3(CLONE_THREAD|CLONE_VM|
 * CLONE_PIDFD|...) that fail with EMFILE after the kernel allocated a PID.
 * One knob changes one thing two workers' ghosts share:
 *   --mm own        helpers made without CLONE_VM: no shared mm_users
 *   --uids          (root) worker i runs as uid 65534-i: no shared ucounts
 *                   (the RLIMIT_NPROC counter every clone adds to)
 *   --sibling       (root) each worker in a PID namespace of its own: no
 *                   shared namespace refcount or inner IDR (pidmap_lock and
 *                   the outer levels stay shared)
 *   --depth D       (root) D more PID namespace levels: one more IDR
 *                   allocation and free under pidmap_lock per level
 *   --handoff local each worker burns its share; shared (the pool's way
 *                   before issue 13): a claim and a count on one shared
 *                   cache line per number
 *   --anchors       the library's anchors (lib/anchors.c): one shared
 *                   `anchor_at`, claimed by compare-and-swap
 *   --anchors-own   anchors per worker in disjoint 64-blocks: worker i of n
 *                   anchors every n-th block from its own count, nothing
 *                   shared (issue 13's candidate)
 *   --fpu init|dirty  (x86_64) the worker's vector registers in their init
 *                   state, or AVX-512 state in use: what copy_process's
 *                   XSAVE into the ghost's task_struct costs
 *   --yield K       sched_yield() every K numbers: a quiescent state for RCU,
 *                   which frees every ghost's task_struct after a grace period
 *   --control getppid|alu   no PIDs at all: the machine's own scaling
 *   --control bounce        every worker adds to one shared counter: with 2
 *                   workers the time per add is a cache line's trip between
 *                   CPUs, what each contended line of a ghost costs
 * Prints one JSON object: numbers, wall seconds, rate, the workers' CPU time
 * per number (wait4 rusage) and the machine's busy time per number
 * (/proc/stat) with its idle share. Run it inside a private PID namespace.
 */

#define MAX_WORKERS 64
#define STACK_SIZE (64 * 1024)
#define SPAN 64			/* PC_ANCHOR_SPAN */
#define KEPT 8			/* PC_ANCHORS_KEPT */
#define GHOST_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		     CLONE_THREAD | CLONE_SYSVSEM | CLONE_PIDFD)
#define ANCHOR_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_SYSVSEM)

enum control { CTL_NONE, CTL_GETPPID, CTL_ALU, CTL_BOUNCE };
enum fpu { FPU_INHERIT, FPU_INIT, FPU_DIRTY };

struct conf {
	unsigned int workers, depth;
	unsigned long long count;	/* per worker */
	unsigned int yield;		/* sched_yield every this many, 0 never */
	bool own_mm, uids, sibling, anchors, anchors_own, shared_handoff;
	enum control control;
	enum fpu fpu;
};

/* One per worker, a cache line pair of its own. */
struct slot {
	_Atomic uint64_t done;
	uint64_t t0_ns, t1_ns;
	long err;
	pid_t anchor[KEPT];
	uint64_t anchor_due;	/* --anchors-own: own count at the next one */
	int pidfd;
	char child_stack[256] __attribute__((aligned(16)));
} __attribute__((aligned(128)));

struct lab {
	struct conf c;
	_Atomic int ready __attribute__((aligned(128)));
	_Atomic int go;
	_Atomic int64_t todo __attribute__((aligned(128)));	/* shared hand-off */
	_Atomic uint64_t done;
	_Atomic uint64_t anchor_at;
	struct slot s[MAX_WORKERS];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	pc_raw_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long futex(_Atomic int *addr, int op, int val)
{
	return pc_raw_syscall(SYS_futex, (long)addr, op, val, 0, 0, 0);
}

static long ghost(struct slot *s)
{
	struct pc_clone_args a = {
		.flags = GHOST_FLAGS,
		.pidfd = (uintptr_t)&s->pidfd,
		.stack = (uintptr_t)s->child_stack,
		.stack_size = sizeof(s->child_stack),
	};
	long r = pc_raw_clone3_exit(&a, sizeof(a));

	return r == -EMFILE ? 1 : r > 0 ? -ENOSYS : r;
}

static uint64_t done_total(struct lab *l)
{
	uint64_t d = l->done;

	if (!l->c.shared_handoff)
		for (unsigned int i = 0; i < l->c.workers; i++)
			d += l->s[i].done;
	return d;
}

/* The library's anchors, condensed: one real child at each 64-block's start. */
static long make_anchor(struct slot *s)
{
	long r = pc_raw_clone_exit(ANCHOR_FLAGS, s->child_stack + sizeof(s->child_stack),
				   NULL, NULL);

	if (r <= 0)
		return r;
	if (s->anchor[0])
		pc_raw_syscall(SYS_wait4, s->anchor[0], 0, __WALL, 0, 0, 0);
	memmove(s->anchor, s->anchor + 1, sizeof(s->anchor) - sizeof(pid_t));
	s->anchor[KEPT - 1] = (pid_t)r;
	return r;
}

/*
 * Worker i of n sees the cursor move about n numbers per number of its own:
 * after its anchor at r, its next block (n blocks on) starts
 * n * SPAN - r % SPAN numbers later, (that) / n of its own.
 */
static long anchor_own_or_ghost(struct lab *l, struct slot *s)
{
	unsigned int n = l->c.workers;
	long r;

	if (s->done < s->anchor_due)
		return ghost(s);
	r = make_anchor(s);
	if (r > 0)
		s->anchor_due = s->done + (n * SPAN - (uint64_t)r % SPAN) / n;
	return r > 0 ? 1 : r;
}

static long anchor_or_ghost(struct lab *l, struct slot *s)
{
	uint64_t at = l->anchor_at, done, next;
	long r;

	if (l->c.anchors_own)
		return anchor_own_or_ghost(l, s);
	done = done_total(l);
	if (!l->c.anchors || done < at ||
	    !atomic_compare_exchange_strong(&l->anchor_at, &at, at + SPAN))
		return ghost(s);
	r = make_anchor(s);
	if (r <= 0)
		return r;
	next = at + SPAN;
	atomic_compare_exchange_strong(&l->anchor_at, &next,
				       done + SPAN - (uint64_t)r % SPAN);
	return 1;
}

static long control_one(struct lab *l, enum control c)
{
	if (c == CTL_BOUNCE)
		return atomic_fetch_add(&l->todo, 1) > INT64_MIN;
	if (c == CTL_GETPPID)
		return pc_raw_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0) > 0 ? 1 : -EIO;
	/* A dependent chain in registers only: no memory two workers share. */
	uint64_t x = 88172645463325252ull;

	for (int i = 0; i < 200; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x ? 1 : -EIO;
}

static long one(struct lab *l, struct slot *s)
{
	if (l->c.yield && s->done % l->c.yield == l->c.yield - 1)
		pc_raw_syscall(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
	return l->c.control ? control_one(l, l->c.control) : anchor_or_ghost(l, s);
}

static void burn(struct lab *l, struct slot *s)
{
	long r = 1;

	if (l->c.shared_handoff) {
		while (atomic_fetch_sub(&l->todo, 1) > 0 && (r = one(l, s)) == 1)
			l->done++;
	} else {
		for (uint64_t i = 0; i < l->c.count && (r = one(l, s)) == 1; i++)
			s->done++;
	}
	s->err = r == 1 ? 0 : r;
}

/* Vector state in use (AVX-512 where there is one), or back to init. */
static void set_fpu(enum fpu how)
{
#if defined(__x86_64__)
	static const struct {
		unsigned char legacy[512];
		uint64_t xstate_bv, xcomp_bv, rest[6];
	} __attribute__((aligned(64))) init = { .legacy[24] = 0x80, .legacy[25] = 0x1f };

	if (how == FPU_INIT)
		__asm__ volatile("xrstor64 %0" : : "m"(init), "a"(-1), "d"(-1) : "memory");
	else if (how == FPU_DIRTY && __builtin_cpu_supports("avx512f"))
		__asm__ volatile("vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\t"
				 "vpternlogd $0xff, %%zmm1, %%zmm1, %%zmm1"
				 : : : "xmm1");
#else
	(void)how;
#endif
}

static int worker(void *arg)
{
	struct lab *l = arg;
	unsigned int i = (unsigned int)(long)atomic_fetch_add(&l->ready, 1);
	struct slot *s = &l->s[i];
	struct rlimit none = { 0, 0 }, cur;

	if (pc_raw_syscall(SYS_geteuid, 0, 0, 0, 0, 0, 0) == 0) {
		long uid = l->c.uids ? 65534 - i : 65534;

		pc_raw_syscall(SYS_setgroups, 0, 0, 0, 0, 0, 0);
		pc_raw_syscall(SYS_setresgid, uid, uid, uid, 0, 0, 0);
		pc_raw_syscall(SYS_setresuid, uid, uid, uid, 0, 0, 0);
	}
	pc_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&cur, 0, 0);
	none.rlim_max = cur.rlim_max;
	if (!l->c.control)
		pc_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, (long)&none, 0, 0, 0);
	while (!l->go)
		futex(&l->go, FUTEX_WAIT, 0);
	s->anchor_due = l->c.anchors_own ? i * SPAN / l->c.workers : UINT64_MAX;
	set_fpu(l->c.fpu);
	s->t0_ns = now_ns();
	burn(l, s);
	s->t1_ns = now_ns();
	for (unsigned int k = 0; k < KEPT; k++)
		if (s->anchor[k])
			pc_raw_syscall(SYS_wait4, s->anchor[k], 0, __WALL, 0, 0, 0);
	return 0;
}

/* user+nice+system+irq+softirq+steal, and idle+iowait, in clock ticks. */
static void cpu_ticks(unsigned long long *busy, unsigned long long *idle)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			 &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		memset(v, 0, sizeof(v));
	if (f)
		fclose(f);
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	*idle = v[3] + v[4];
}

static int run(struct lab *l)
{
	unsigned long flags = SIGCHLD | (l->c.own_mm ? 0 : CLONE_VM) |
			      (l->c.sibling ? CLONE_NEWPID : 0);
	unsigned long long b0, i0, b1, i1, numbers = 0;
	double cpu = 0, hz = (double)sysconf(_SC_CLK_TCK);
	uint64_t t0 = UINT64_MAX, t1 = 0;
	pid_t pids[MAX_WORKERS];
	long err = 0;

	l->todo = (int64_t)(l->c.count * l->c.workers);
	for (unsigned int i = 0; i < l->c.workers; i++) {
		char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		pids[i] = stack == MAP_FAILED ? -1 :
			  clone(worker, stack + STACK_SIZE, (int)flags, l);
		if (pids[i] < 0) {
			perror("ghostlab: clone");
			return 1;
		}
	}
	while (l->ready < (int)l->c.workers)
		usleep(1000);
	usleep(20000);		/* every worker is waiting on the futex */
	cpu_ticks(&b0, &i0);
	l->go = 1;
	futex(&l->go, FUTEX_WAKE, INT32_MAX);
	for (unsigned int i = 0; i < l->c.workers; i++) {
		struct rusage ru;
		int st;

		if (wait4(pids[i], &st, __WALL, &ru) != pids[i] || !WIFEXITED(st))
			err = -ECHILD;
		cpu += ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	}
	cpu_ticks(&b1, &i1);
	for (unsigned int i = 0; i < l->c.workers; i++) {
		struct slot *s = &l->s[i];

		t0 = s->t0_ns < t0 ? s->t0_ns : t0;
		t1 = s->t1_ns > t1 ? s->t1_ns : t1;
		numbers += s->done;
		if (s->err && !err)
			err = s->err;
	}
	numbers += l->done;
	double wall = (double)(t1 - t0) / 1e9;
	double busy = (double)(b1 - b0) / hz, idle = (double)(i1 - i0) / hz;

	printf("{\"mode\":\"%s\",\"workers\":%u,\"count\":%llu,\"numbers\":%llu,"
	       "\"mm\":\"%s\",\"uids\":%s,\"sibling\":%s,\"depth\":%u,\"anchors\":\"%s\","
	       "\"handoff\":\"%s\",\"fpu\":\"%s\",\"yield\":%u,\"wall\":%.6f,\"rate\":%.1f,\"cpu_us_per\":%.4f,"
	       "\"machine_us_per\":%.4f,\"idle_share\":%.4f,\"error\":%ld}\n",
	       l->c.control == CTL_GETPPID ? "getppid" : l->c.control == CTL_ALU ? "alu" :
	       l->c.control == CTL_BOUNCE ? "bounce" : "ghost", l->c.workers, l->c.count, numbers, l->c.own_mm ? "own" : "shared",
	       l->c.uids ? "true" : "false", l->c.sibling ? "true" : "false", l->c.depth,
	       l->c.anchors_own ? "own" : l->c.anchors ? "shared" : "off", l->c.shared_handoff ? "shared" : "local",
	       l->c.fpu == FPU_INIT ? "init" : l->c.fpu == FPU_DIRTY ? "dirty" : "inherit", l->c.yield, wall, wall > 0 ? numbers / wall : 0, numbers ? cpu * 1e6 / numbers : 0,
	       numbers ? busy * 1e6 / numbers : 0,
	       busy + idle > 0 ? idle / (busy + idle) : 0, err);
	return err ? 1 : 0;
}

/* D more PID namespace levels: each a child that is PID 1 of the next. */
static int descend(struct lab *l, unsigned int levels)
{
	pid_t pid;
	int st;

	if (!levels)
		return run(l);
	if (unshare(CLONE_NEWPID)) {
		perror("ghostlab: unshare(CLONE_NEWPID) (needs root)");
		return 1;
	}
	pid = fork();
	if (pid == 0)
		_exit(descend(l, levels - 1));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: ghostlab COUNT [-w WORKERS] [--mm shared|own] [--uids] "
		"[--sibling] [--depth D] [--handoff local|shared] [--anchors] [--anchors-own] "
		"[--fpu init|dirty] [--yield K] [--control getppid|alu|bounce]\n  COUNT numbers per worker\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "workers", 1, NULL, 'w' }, { "mm", 1, NULL, 'm' }, { "uids", 0, NULL, 'u' },
		{ "sibling", 0, NULL, 's' }, { "depth", 1, NULL, 'd' },
		{ "handoff", 1, NULL, 'h' }, { "anchors", 0, NULL, 'a' },
		{ "anchors-own", 0, NULL, 'A' },
		{ "control", 1, NULL, 'c' }, { "fpu", 1, NULL, 'f' }, { "yield", 1, NULL, 'y' },
		{ 0, 0, 0, 0 }
	};
	struct lab *l = mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int o;

	if (l == MAP_FAILED)
		return 1;
	l->c.workers = 1;
	while ((o = getopt_long(argc, argv, "w:", lo, NULL)) != -1) {
		if (o == 'w')
			l->c.workers = (unsigned int)strtoul(optarg, NULL, 10);
		else if (o == 'm' && (!strcmp(optarg, "own") || !strcmp(optarg, "shared")))
			l->c.own_mm = !strcmp(optarg, "own");
		else if (o == 'u')
			l->c.uids = true;
		else if (o == 's')
			l->c.sibling = true;
		else if (o == 'd')
			l->c.depth = (unsigned int)strtoul(optarg, NULL, 10);
		else if (o == 'h' && (!strcmp(optarg, "local") || !strcmp(optarg, "shared")))
			l->c.shared_handoff = !strcmp(optarg, "shared");
		else if (o == 'a')
			l->c.anchors = true;
		else if (o == 'A')
			l->c.anchors_own = true;
		else if (o == 'c' && !strcmp(optarg, "getppid"))
			l->c.control = CTL_GETPPID;
		else if (o == 'c' && !strcmp(optarg, "alu"))
			l->c.control = CTL_ALU;
		else if (o == 'c' && !strcmp(optarg, "bounce"))
			l->c.control = CTL_BOUNCE;
		else if (o == 'y')
			l->c.yield = (unsigned int)strtoul(optarg, NULL, 10);
		else if (o == 'f' && (!strcmp(optarg, "init") || !strcmp(optarg, "dirty")))
			l->c.fpu = !strcmp(optarg, "init") ? FPU_INIT : FPU_DIRTY;
		else
			return usage();
	}
	if (optind + 1 != argc || !l->c.workers || l->c.workers > MAX_WORKERS)
		return usage();
	l->c.count = strtoull(argv[optind], NULL, 10);
	if (((l->c.anchors || l->c.anchors_own) && l->c.control) ||
	    (l->c.anchors_own && (l->c.anchors || l->c.shared_handoff)))
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	return descend(l, l->c.depth);
}
