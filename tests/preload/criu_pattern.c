/* criu_pattern.c - replays CRIU's two ways of restoring a process at a chosen PID. */
/*
 * Usage: criu_pattern MODE PID [MODE PID ...]
 *   MODE lastpid: open("/proc", O_PATH), openat(.., "sys/kernel/ns_last_pid"),
 *                 write "<PID-1>" (no newline), close, glibc clone(SIGCHLD).
 *   MODE clone3:  CRIU's set_tid probe, then syscall(SYS_clone3, &args, 80)
 *                 with set_tid_size 1, exit_signal SIGCHLD, stack 0.
 * Each further MODE PID pair is restored by the previous child (a restored
 * task restoring its own child). Besides the PID, it checks what CRIU relies
 * on: no SIGCHLD from any other child, same signal mask, fds, NOFILE limit,
 * one thread, no stray children, and that syscall() passes other calls through.
 * Exit 0: all good; 2: the PID request failed (the errno name is printed);
 * 1: anything else went wrong. CRIU_PATTERN_STRAY=1 in the environment adds
 * a stray child, to show that the checks catch one; CRIU_PATTERN_NO_CLONE3=1
 * blocks clone3 with ENOSYS first, as some container seccomp profiles do.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone3.h"

struct state {
	char **argv;		/* remaining MODE PID pairs */
	int argc;
	pid_t want;
	char fds[512];		/* the fd set at the moment of the clone */
	sigset_t mask;
};

static volatile sig_atomic_t expected_pid, chld_expected, chld_other;
static volatile sig_atomic_t other_pid;

static void on_chld(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_pid == expected_pid) {
		chld_expected++;
	} else {
		chld_other++;
		other_pid = si->si_pid;
	}
}

static int fail(const char *what)
{
	fprintf(stderr, "criu_pattern[%d]: FAIL: %s\n", (int)getpid(), what);
	return 1;
}

/* "0 1 2 " - the open fds, without the one readdir uses. */
static void fd_set_str(char *buf, size_t size)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	buf[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)) && n + 16 < size) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		n += snprintf(buf + n, size - n, "%s ", e->d_name);
	}
	closedir(d);
}

/* Only the kernel's 64 bits of a sigset_t are filled in; compare those. */
static int mask_eq(const sigset_t *a, const sigset_t *b)
{
	for (int sig = 1; sig < 65; sig++)
		if (sigismember(a, sig) != sigismember(b, sig))
			return 0;
	return 1;
}

static int threads_now(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* All 6 arguments and errno must go through the shim's syscall() untouched. */
static int check_passthrough(void)
{
	int word = 0, fd = memfd_create("t", 0);
	long r;
	char *p;

	errno = 4242;
	if (syscall(SYS_getpid) != getpid() || errno != 4242)
		return fail("syscall(SYS_getpid) or errno changed");
	r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
	if (r != -1 || errno != EAGAIN)
		return fail("futex did not answer EAGAIN");
	if (fd < 0 || ftruncate(fd, 8192) || pwrite(fd, "sixth", 5, 4096) != 5)
		return fail("memfd setup");
	p = (char *)syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED, fd,
			    4096);
	if (p == MAP_FAILED || memcmp(p, "sixth", 5))
		return fail("6-argument syscall(SYS_mmap) lost its offset");
	munmap(p, 4096);
	close(fd);
	errno = 0;
	r = t_settid_probe();
	if (r == 0)
		_exit(0);
	if (r != -1 || (errno != EINVAL && errno != ENOSYS))
		return fail("CRIU's set_tid probe did not answer EINVAL");
	return 0;
}

static int run(struct state *s);

/* clone3 answers ENOSYS from now on (no_new_privs lets anyone do this). */
static int block_clone3(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return fail("seccomp filter");
	return 0;
}

/*
 * Self-test of the checks (CRIU_PATTERN_STRAY set): a child of our own that
 * exits with SIGCHLD and is left unreaped, as a careless shim's helper would.
 * The run must then fail.
 */
static void stray_child(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	while (pid > 0 && !chld_other)
		usleep(1000);
}

/* The restored task: the PID check CRIU's child does, then its own children. */
static int child_main(void *arg)
{
	struct state *s = arg;
	char fds[512];
	sigset_t m;

	if (getpid() != s->want) {
		fprintf(stderr, "Pid %d do not match expected %d\n",
			(int)getpid(), (int)s->want);
		return 1;
	}
	fd_set_str(fds, sizeof(fds));
	if (strcmp(fds, s->fds))
		return fail("child has other fds than its parent had");
	sigprocmask(SIG_BLOCK, NULL, &m);
	if (!mask_eq(&m, &s->mask))
		return fail("child's signal mask differs");
	return s->argc >= 2 ? run(s) : 0;
}

/* CRIU's ns_last_pid path. Returns the child's pid or -1 (errno set). */
static pid_t via_lastpid(struct state *s, void *stack_top)
{
	int procfd = open("/proc", O_DIRECTORY | O_PATH);
	char buf[32];
	int fd, len;
	ssize_t w;

	if (procfd < 0)
		return -1;
	fd = openat(procfd, "sys/kernel/ns_last_pid", O_RDWR);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%d", (int)s->want - 1);
	errno = 4242;	/* a successful call leaves errno alone */
	w = write(fd, buf, len);
	if (w == len && errno != 4242) {
		fail("write to ns_last_pid succeeded but changed errno");
		errno = EIO;
		return -1;
	}
	if (w != len) {
		int e = errno;

		fprintf(stderr, "Can't set last_pid: %s\n",
			w < 0 ? strerrorname_np(e) : "short write");
		close(fd);
		close(procfd);
		errno = w < 0 ? e : EIO;
		return -2;
	}
	close(fd);
	close(procfd);
	fd_set_str(s->fds, sizeof(s->fds));
	errno = 4242;
	w = clone(child_main, stack_top, SIGCHLD, s);
	if (w > 0 && errno != 4242) {
		fail("clone succeeded but changed errno");
		errno = EIO;
		return -1;
	}
	return w;
}

/* CRIU's clone3 path: syscall() with set_tid, fork-like, stack 0. */
static pid_t via_clone3(struct state *s)
{
	pid_t want = s->want;
	long r;

	fd_set_str(s->fds, sizeof(s->fds));
	errno = 4242;
	r = t_clone3_set_tid(&want, 0, SIGCHLD);
	if (r == 0)
		exit(child_main(s));
	if (r > 0 && errno != 4242) {
		fail("clone3 succeeded but changed errno");
		errno = EIO;
		return -1;
	}
	if (r < 0)
		fprintf(stderr, "clone3 with set_tid failed: %s\n",
			strerrorname_np(errno));
	return r < 0 ? -2 : (pid_t)r;
}

static int check_after(struct state *s, pid_t got, struct rlimit *rl)
{
	char fds[512];
	struct rlimit rl2;
	sigset_t m;
	int st = 0;

	if (got != s->want)
		return fail("clone returned a different PID");
	if (waitpid(got, &st, 0) != got)
		return fail("waitpid on the child");
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return fail("the restored child failed");
	if (chld_other) {
		fprintf(stderr, "SIGCHLD from unexpected pid %d\n", (int)other_pid);
		return fail("SIGCHLD from a child other than the restored one");
	}
	if (waitpid(-1, NULL, __WALL | WNOHANG) != -1 || errno != ECHILD)
		return fail("a stray child is left");
	if (chld_expected != 1)
		return fail("not exactly one SIGCHLD from the restored child");
	fd_set_str(fds, sizeof(fds));
	sigprocmask(SIG_BLOCK, NULL, &m);
	getrlimit(RLIMIT_NOFILE, &rl2);
	if (strcmp(fds, s->fds))
		return fail("fds changed");
	if (!mask_eq(&m, &s->mask))
		return fail("signal mask changed");
	if (rl->rlim_cur != rl2.rlim_cur || rl->rlim_max != rl2.rlim_max)
		return fail("RLIMIT_NOFILE changed");
	if (threads_now() != 1)
		return fail("threads left running");
	return 0;
}

/* Restore argv[0..1] (MODE PID) as our child, which restores the rest. */
static int restore(struct state *s, char *stack, size_t stack_size)
{
	struct sigaction sa = { .sa_sigaction = on_chld,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	const char *mode = s->argv[0];
	struct rlimit rl;
	pid_t got;

	s->want = atoi(s->argv[1]);
	s->argv += 2;
	s->argc -= 2;
	expected_pid = s->want;
	chld_expected = chld_other = 0;
	sigaction(SIGCHLD, &sa, NULL);
	sigprocmask(SIG_BLOCK, NULL, &s->mask);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (check_passthrough())
		return 1;
	if (getenv("CRIU_PATTERN_STRAY"))
		stray_child();
	if (!strcmp(mode, "lastpid"))
		got = via_lastpid(s, stack + stack_size);
	else if (!strcmp(mode, "clone3"))
		got = via_clone3(s);
	else
		return fail("unknown mode");
	if (got == -2)
		return 2;
	if (got < 0)
		return fail(strerror(errno));
	if (check_after(s, got, &rl))
		return 1;
	printf("criu_pattern[%d]: %s restored pid %d\n", (int)getpid(), mode,
	       (int)got);
	return 0;
}

/* A fresh stack per level: a restored child clones from its own stack. */
static int run(struct state *s)
{
	size_t stack_size = 256 * 1024;
	char *stack = malloc(stack_size);
	int rc = stack ? restore(s, stack, stack_size) : 1;

	free(stack);
	return rc;
}

int main(int argc, char **argv)
{
	struct state s = { .argv = argv + 1, .argc = argc - 1 };

	if (getenv("CRIU_PATTERN_NO_CLONE3") && block_clone3())
		return 1;

	if (argc < 3 || argc % 2 == 0) {
		fprintf(stderr, "usage: %s lastpid|clone3 PID [MODE PID ...]\n",
			argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	return run(&s);
}
