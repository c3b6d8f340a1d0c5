/* clone3.h - clone3 as CRIU calls it, through glibc's syscall() (where the preload steps in), for the test programs. */
#ifndef PIDCYCLE_TEST_PRELOAD_CLONE3_H
#define PIDCYCLE_TEST_PRELOAD_CLONE3_H

#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The kernel's struct clone_args up to set_tid_size (CLONE_ARGS_SIZE_VER1);
 * VER2 (88) adds cgroup. */
struct t_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size;
};

/* What CRIU passes as the size: 80, VER1. */
#define T_CLONE_ARGS_SIZE_CRIU 80

/*
 * CRIU's restore of one task: set_tid = { *pid } (one level), no stack, so
 * it returns twice as fork() does. errno is what the call left.
 */
static inline long t_clone3_set_tid(pid_t *pid, uint64_t flags, uint64_t exit_signal)
{
	struct t_clone_args a = {
		.flags = flags,
		.exit_signal = exit_signal,
		.set_tid = (uintptr_t)pid,
		.set_tid_size = 1,
	};

	return syscall(SYS_clone3, &a, T_CLONE_ARGS_SIZE_CRIU);
}

/* CRIU's set_tid probe (kerndat): set_tid -1 with no levels, which a kernel
 * with set_tid refuses with EINVAL; a child (0) should it ever succeed. */
static inline long t_settid_probe(void)
{
	struct t_clone_args a = { .set_tid = (uint64_t)-1 };

	return syscall(SYS_clone3, &a, sizeof(a));
}

#endif /* PIDCYCLE_TEST_PRELOAD_CLONE3_H */
