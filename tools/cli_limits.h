/* cli_limits.h - name the limit on tasks that refused a clone (the library's ENOSPC). */
#ifndef PIDCYCLE_CLI_LIMITS_H
#define PIDCYCLE_CLI_LIMITS_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Where to look: the real system, or a fake tree in the tests. */
struct cli_limit_env {
	const char *proc;	/* "/proc": self/cgroup, self/mountinfo, self/status,
				 * N/status, sys/kernel/threads-max, loadavg */
	struct rlimit nproc;	/* RLIMIT_NPROC of the caller */
	uid_t uid;		/* its real uid */
};

/*
 * Write into buf the limit with the least room left, as a phrase for an
 * error message: "pids cgroup /a/b: pids.max 5, pids.current 5",
 * "RLIMIT_NPROC 4, uid 65534 has 4 tasks", "kernel.threads-max ...", or
 * "no limit on tasks is near; a seccomp filter answering EAGAIN?" when
 * none found has little room left. Looks at every pids cgroup from the
 * caller's up to the root (v1 and v2), RLIMIT_NPROC (unless the caller is
 * exempt: root, CAP_SYS_RESOURCE or CAP_SYS_ADMIN) and threads-max.
 */
void cli_task_limit(const struct cli_limit_env *env, char *buf, size_t n);

/* The same for this process, on this system. */
void cli_task_limit_now(char *buf, size_t n);

#endif /* PIDCYCLE_CLI_LIMITS_H */
