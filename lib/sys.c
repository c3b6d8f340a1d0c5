/* sys.c - every raw system call the library makes, in one place. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* Run a libc syscall() and turn its result into -errno, errno untouched. */
static long keep_errno(long r)
{
	return r < 0 ? -errno : r;
}

long pc_sys_clone3(struct pc_clone_args *a, size_t size)
{
	int saved = errno;
	long r = keep_errno(syscall(SYS_clone3, a, size));

	if (r != 0)
		errno = saved;
	return r;
}

pid_t pc_sys_gettid(void)
{
	return (pid_t)pc_raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

pid_t pc_sys_getpid(void)
{
	return (pid_t)pc_raw_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

int pc_sys_wait_pid(pid_t pid)
{
	int saved = errno, st = 0;
	pid_t r;

	do
		r = waitpid(pid, &st, __WALL);
	while (r < 0 && errno == EINTR);
	r = r < 0 ? -errno : 0;
	errno = saved;
	return r;
}

/*
 * Queued to the whole process, like any kill(). The kernel lets a caller
 * forge a kernel-sent siginfo (si_code > 0, as CLD_EXITED) only when the pid
 * it names is its own thread's, hence gettid() and not getpid().
 */
int pc_sys_sigqueue_self(int sig, const void *siginfo)
{
	int saved = errno;
	long r = keep_errno(syscall(SYS_rt_sigqueueinfo, pc_sys_gettid(), sig,
				    siginfo));

	errno = saved;
	return (int)r;
}

#if defined(__x86_64__)

long pc_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
		    long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
			   "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* The child sees 0 in rax and leaves through SYS_exit before any load/store. */
#define CHILD_EXIT_X86 \
	"syscall\n\ttest %%rax, %%rax\n\tjnz 1f\n\t" \
	"mov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall\n1:"

long pc_raw_clone3_exit(struct pc_clone_args *a, size_t size)
{
	long ret;

	__asm__ volatile(CHILD_EXIT_X86
			 : "=a"(ret)
			 : "a"((long)SYS_clone3), "D"(a), "S"(size)
			 : "rcx", "r11", "memory");
	return ret;
}

long pc_raw_clone_exit(unsigned long flags, void *stack, int *parent_tid,
		       int *child_tid)
{
	register long r10 __asm__("r10") = (long)child_tid;
	register long r8 __asm__("r8") = 0;
	long ret;

	__asm__ volatile(CHILD_EXIT_X86
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(flags), "S"(stack),
			   "d"(parent_tid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

#elif defined(__aarch64__)

long pc_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
		    long a6)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;
	register long x3 __asm__("x3") = a4;
	register long x4 __asm__("x4") = a5;
	register long x5 __asm__("x5") = a6;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

#define CHILD_EXIT_ARM \
	"svc 0\n\tcbnz x0, 1f\n\tmov x8, #93\n\tmov x0, #0\n\tsvc 0\n1:"

long pc_raw_clone3_exit(struct pc_clone_args *a, size_t size)
{
	register long x8 __asm__("x8") = SYS_clone3;
	register long x0 __asm__("x0") = (long)a;
	register long x1 __asm__("x1") = (long)size;

	__asm__ volatile(CHILD_EXIT_ARM : "+r"(x0), "+r"(x8) : "r"(x1)
			 : "memory");
	return x0;
}

/* arm64 clone(flags, stack, parent_tid, tls, child_tid). */
long pc_raw_clone_exit(unsigned long flags, void *stack, int *parent_tid,
		       int *child_tid)
{
	register long x8 __asm__("x8") = SYS_clone;
	register long x0 __asm__("x0") = (long)flags;
	register long x1 __asm__("x1") = (long)stack;
	register long x2 __asm__("x2") = (long)parent_tid;
	register long x3 __asm__("x3") = 0;
	register long x4 __asm__("x4") = (long)child_tid;

	__asm__ volatile(CHILD_EXIT_ARM
			 : "+r"(x0), "+r"(x8)
			 : "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			 : "memory");
	return x0;
}

#else
#error "pidcycle: raw syscalls are written for x86_64 and aarch64 only"
#endif
