/* restorer.c - replays CRIU's restorer making threads at chosen TIDs through ns_last_pid, exactly. */
/*
 * Usage: restorer TID [TID...]
 * What CRIU 4.2's restorer blob does (criu/pie/restorer.c, no clone3): it
 * has unmapped libc, so everything is a raw system call: openat(procfd,
 * "sys/kernel/ns_last_pid", O_RDWR) once (procfd: /proc, opened earlier
 * through libc), then per thread lseek(fd, 0), write "<tid-1>", and a raw
 * clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
 * CLONE_SYSVSEM); a TID other than the one asked for fails the restore
 * ("Unable to create a thread"). No retry. The numbers are formatted before
 * the first write, so nothing but raw calls runs between a write and its
 * clone. The threads stay alive (each holds its TID) until all are made.
 * Prints "restorer: threads at TIDS" and exits 0 when every TID matched; 1
 * and the first mismatch otherwise. RESTORER_TIMES=1 also prints, per
 * thread, CLOCK_MONOTONIC when the write returned and when the clone did.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 16
#define STACK_SIZE (64 * 1024)
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID)

static volatile int release;		/* the threads may exit */
static volatile int alive[MAX_THREADS];	/* cleared by the kernel at exit */

#if defined(__x86_64__)
static long raw(long nr, long a1, long a2, long a3)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
			 : "rcx", "r11", "memory");
	return ret;
}

/* The thread waits on `release` (its address in r12) and exits. */
static long raw_thread(void *stack, volatile int *ctid)
{
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = 0;
	register long r12 __asm__("r12") = (long)&release;
	long ret;

	__asm__ volatile("syscall\n\ttest %%rax, %%rax\n\tjnz 1f\n"
			 "2:\tmovl (%%r12), %%eax\n\ttest %%eax, %%eax\n\tjnz 3f\n\t"
			 "mov $202, %%eax\n\tmov %%r12, %%rdi\n\txor %%esi, %%esi\n\t"
			 "xor %%edx, %%edx\n\txor %%r10, %%r10\n\tsyscall\n\tjmp 2b\n"
			 "3:\tmov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall\n1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"((long)THREAD_FLAGS), "S"(stack),
			   "d"(0L), "r"(r10), "r"(r8), "r"(r12)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
static long raw(long nr, long a1, long a2, long a3)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}

/* arm64 clone(flags, stack, ptid, tls, ctid); `release` in x19. */
static long raw_thread(void *stack, volatile int *ctid)
{
	register long x8 __asm__("x8") = SYS_clone;
	register long x0 __asm__("x0") = THREAD_FLAGS;
	register long x1 __asm__("x1") = (long)stack;
	register long x2 __asm__("x2") = 0;
	register long x3 __asm__("x3") = 0;
	register long x4 __asm__("x4") = (long)ctid;
	register long x19 __asm__("x19") = (long)&release;

	__asm__ volatile("svc 0\n\tcbnz x0, 1f\n"
			 "2:\tldr w9, [x19]\n\tcbnz w9, 3f\n\tmov x8, #98\n\t"
			 "mov x0, x19\n\tmov x1, #0\n\tmov x2, #0\n\tmov x3, #0\n\t"
			 "svc 0\n\tb 2b\n"
			 "3:\tmov x8, #93\n\tmov x0, #0\n\tsvc 0\n1:"
			 : "+r"(x0), "+r"(x8)
			 : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x19)
			 : "x9", "memory");
	return x0;
}
#else
#error "restorer.c: written for x86_64 and aarch64"
#endif

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Let the threads go and wait until each has left (CLONE_CHILD_CLEARTID). */
static void end_threads(int n)
{
	release = 1;
	raw(SYS_futex, (long)&release, FUTEX_WAKE, n);
	for (int i = 0; i < n; i++)
		while (alive[i])
			raw(SYS_futex, (long)&alive[i], FUTEX_WAIT, alive[i]);
}

int main(int argc, char **argv)
{
	char buf[MAX_THREADS][16];
	int len[MAX_THREADS], n = argc - 1, procfd, made = 0, bad = -1;
	long want[MAX_THREADS], got[MAX_THREADS];
	double t_write[MAX_THREADS], t_clone[MAX_THREADS];
	bool times = getenv("RESTORER_TIMES") != NULL;
	char *stacks;
	long fd;

	if (n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "usage: restorer TID [TID...] (at most %d)\n", MAX_THREADS);
		return 2;
	}
	stacks = malloc((size_t)n * STACK_SIZE);
	procfd = open("/proc", O_DIRECTORY | O_PATH);
	if (!stacks || procfd < 0) {
		perror("restorer: setup");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		want[i] = atol(argv[i + 1]);
		len[i] = snprintf(buf[i], sizeof(buf[i]), "%ld", want[i] - 1);
		alive[i] = 1;
	}
	/* From here to the last clone: raw system calls only. */
	fd = raw(SYS_openat, procfd, (long)"sys/kernel/ns_last_pid", O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "restorer: can't open last pid fd %ld\n", fd);
		return 1;
	}
	for (; made < n; made++) {
		long w;

		raw(SYS_lseek, fd, 0, SEEK_SET);
		w = raw(SYS_write, fd, (long)buf[made], len[made]);
		if (times)
			t_write[made] = now();
		if (w < 0) {
			fprintf(stderr, "restorer: Can't set last_pid %ld/%s\n", w, buf[made]);
			break;
		}
		got[made] = raw_thread(stacks + (size_t)(made + 1) * STACK_SIZE,
				       &alive[made]);
		if (times)
			t_clone[made] = now();
		if (got[made] != want[made]) {
			bad = made;
			if (got[made] > 0)
				made++;	/* a thread was made: end it too */
			break;
		}
	}
	raw(SYS_close, fd, 0, 0);
	end_threads(made);
	for (int i = 0; times && i < made; i++)
		printf("restorer: thread %ld: write returned at %.6f, clone at %.6f\n",
		       want[i], t_write[i], t_clone[i]);
	if (bad >= 0) {
		printf("restorer: Unable to create a thread: %ld (wanted %ld)\n",
		       got[bad], want[bad]);
		return 1;
	}
	if (made < n)
		return 1;
	printf("restorer: threads at");
	for (int i = 0; i < n; i++)
		printf(" %ld", got[i]);
	printf("\n");
	return 0;
}
