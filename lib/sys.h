/* sys.h - the raw system calls, wrapped once (tests can -Wl,--wrap them). */
#ifndef PIDCYCLE_SYS_H
#define PIDCYCLE_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

/* struct clone_args as of Linux 5.5 (CLONE_ARGS_SIZE_VER1, 80 bytes). */
struct pc_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
};

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/*
 * Calls that may run in the caller's thread: they return -errno and leave
 * errno as it was.
 */
PC_HIDDEN long pc_sys_clone3(struct pc_clone_args *a, size_t size);
PC_HIDDEN pid_t pc_sys_gettid(void);
PC_HIDDEN pid_t pc_sys_getpid(void);
PC_HIDDEN int pc_sys_wait_pid(pid_t pid);	/* __WALL, retries EINTR */
PC_HIDDEN int pc_sys_sigqueue_self(int sig, const void *siginfo);

/*
 * Calls for helper processes. Those share our memory and TLS, so they must
 * not write errno: these go straight to the kernel and return -errno.
 * pc_raw_clone_exit() is a clone whose child (if one is ever created) calls
 * SYS_exit at once without touching memory.
 */
PC_HIDDEN long pc_raw_syscall(long nr, long a1, long a2, long a3, long a4,
			      long a5, long a6);
PC_HIDDEN long pc_raw_clone3_exit(struct pc_clone_args *a, size_t size);
/* Legacy clone(flags, stack, parent_tid, child_tid) with the same rule. */
PC_HIDDEN long pc_raw_clone_exit(unsigned long flags, void *stack,
				 int *parent_tid, int *child_tid);

#endif /* PIDCYCLE_SYS_H */
