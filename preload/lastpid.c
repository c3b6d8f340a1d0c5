/* lastpid.c - the preload's ns_last_pid path: the write, then the clone() it was for. */
/*
 * CRIU without clone3 writes "<pid-1>" to ns_last_pid (opened relative to an
 * O_PATH fd of /proc) and then calls glibc clone(). A refused write (EPERM)
 * is turned into steering plus an expectation for this thread: its next
 * fork-like clone() is made to get exactly that PID. Under `pidcycle run`
 * the write succeeds - the emulated file has steered - and sets the same
 * expectation, so the clone is checked, and retried through the file after
 * a lost race. See preload.c for the common part.
 * The expectation is for the thread's next clone() only. fork() and _Fork()
 * drop it (in the parent, so the child starts clean); a number found in use
 * longer than SHIM_BUSY_GRACE_SEC drops it too and the clone goes ahead as
 * the kernel would after such a write: with the next free number.
 */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <urcu-bp.h>

#include "preload.h"
#include "value.h"

/* Longer than any value the kernel would accept plus white space. */
#define VALUE_MAX 32

/* ---- the next definitions of what we interpose -------------------------- */

static ssize_t real_write(int fd, const void *buf, size_t n)
{
	static void *slot;
	ssize_t (*fn)(int, const void *, size_t) = shim_next_sym(&slot, "write");

	if (fn)
		return fn(fd, buf, n);
	return shim_sys_result(pc_raw_syscall(SYS_write, fd, (long)buf, n, 0, 0, 0));
}

static ssize_t real_pwrite(const char *name, int fd, const void *buf,
			   size_t n, off_t off)
{
	static void *slots[2];
	void **slot = &slots[strcmp(name, "pwrite") != 0];
	ssize_t (*fn)(int, const void *, size_t, off_t) = shim_next_sym(slot, name);

	if (fn)
		return fn(fd, buf, n, off);
	return shim_sys_result(pc_raw_syscall(SYS_pwrite64, fd, (long)buf, n, off, 0, 0));
}

static ssize_t real_writev(int fd, const struct iovec *iov, int cnt)
{
	static void *slot;
	ssize_t (*fn)(int, const struct iovec *, int) = shim_next_sym(&slot, "writev");

	if (fn)
		return fn(fd, iov, cnt);
	return shim_sys_result(pc_raw_syscall(SYS_writev, fd, (long)iov, cnt, 0, 0, 0));
}

typedef int (*clone_fn)(int (*)(void *), void *, int, void *, ...);

static clone_fn real_clone(void)
{
	static void *slot;

	return (clone_fn)shim_next_sym(&slot, "clone");
}

/* ---- the ns_last_pid path: which fd is it? ------------------------------ */

struct file_id {
	dev_t dev;
	ino_t ino;
};

/* Identity of /proc/sys/kernel/ns_last_pid, published once (urcu-bp). */
static struct file_id *lastpid_id;

static struct file_id *lastpid_identity(void)
{
	struct file_id *id = rcu_dereference(lastpid_id), *mine, *old;
	struct stat st;

	if (id || stat("/proc/sys/kernel/ns_last_pid", &st))
		return id;
	mine = malloc(sizeof(*mine));
	if (!mine)
		return NULL;
	mine->dev = st.st_dev;
	mine->ino = st.st_ino;
	old = rcu_cmpxchg_pointer(&lastpid_id, NULL, mine);
	if (!old)
		return mine;
	free(mine);	/* another thread won; ours was never seen */
	return old;
}

/*
 * Another proc mount (CRIU may mount its own) has other st_dev/st_ino for
 * the same file: then ask the kernel which file this is.
 */
static bool proc_path_is_lastpid(int fd)
{
	static const char tail[] = "/sys/kernel/ns_last_pid";
	char link[64], path[PATH_MAX];
	struct statfs sfs;
	ssize_t n;

	if (fstatfs(fd, &sfs) || sfs.f_type != PROC_SUPER_MAGIC)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < (ssize_t)sizeof(tail) - 1)
		return false;
	path[n] = '\0';
	return !strcmp(path + n - (sizeof(tail) - 1), tail);
}

static bool is_lastpid(int fd)
{
	int saved = errno;
	struct file_id *id;
	struct stat st;
	bool same;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		errno = saved;
		return false;
	}
	rcu_read_lock();
	id = lastpid_identity();
	same = id && id->dev == st.st_dev && id->ino == st.st_ino;
	rcu_read_unlock();
	same = same || proc_path_is_lastpid(fd);
	errno = saved;
	return same;
}

/* ---- the ns_last_pid path: the write ------------------------------------ */

/* The refused write of len bytes in val: steer to value+1 instead. */
static ssize_t lastpid_emulate(int fd, const char *val, size_t len)
{
	int err = errno;
	pid_t pid_max, want;
	long v, used;
	long r;

	if (in_shim || (err != EPERM && err != EACCES) || !is_lastpid(fd)) {
		errno = err;
		return -1;
	}
	pid_max = pc_pid_max();
	used = pid_max < 0 ? pid_max : emul_parse_value(val, len, pid_max, &v);
	if (used <= 0) {
		errno = used < 0 ? (int)-used : err;
		return -1;
	}
	want = pc_write_target(v, pid_max);
	if (want < 0) {
		errno = (int)-want;
		return -1;
	}
	shim_cfg_get();
	in_shim++;
	r = shim_place(&(struct place){ .how = "ns_last_pid", .want = want });
	in_shim--;
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	expect_next = want;
	return (ssize_t)used;	/* the caller restores errno */
}

/* Under run: a write to the emulated file succeeded, so the number it asked
 * for is next; the clone that follows is checked. */
static void lastpid_written(int fd, const char *val, size_t len)
{
	int saved = errno;
	long v;

	if (shim_run && !in_shim && len < VALUE_MAX && is_lastpid(fd) &&
	    emul_parse_value(val, len, INT_MAX, &v) > 0 && v < INT_MAX - 1)
		expect_next = (pid_t)v + 1;
	errno = saved;
}

SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	int saved = errno;
	ssize_t r = real_write(fd, buf, n);

	if (r > 0) {
		lastpid_written(fd, buf, (size_t)r);
		return r;
	}
	if (r >= 0 || n >= VALUE_MAX)
		return r;
	r = lastpid_emulate(fd, buf, n);
	if (r >= 0)
		errno = saved;
	return r;
}

static ssize_t pwrite_common(const char *name, int fd, const void *buf,
			     size_t n, off_t off)
{
	int saved = errno;
	ssize_t r = real_pwrite(name, fd, buf, n, off);

	/* The kernel ignores sysctl writes past offset 0; so do we. */
	if (r > 0 && off == 0) {
		lastpid_written(fd, buf, (size_t)r);
		return r;
	}
	if (r >= 0 || n >= VALUE_MAX || off != 0)
		return r;
	r = lastpid_emulate(fd, buf, n);
	if (r >= 0)
		errno = saved;
	return r;
}

SHIM_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite_common("pwrite", fd, buf, n, off);
}

SHIM_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return pwrite_common("pwrite64", fd, buf, n, off);
}

/*
 * The bytes of iov as one short string, or -1 if they are too many. Called
 * only after the kernel itself has read the whole vector (it failed with
 * EPERM/EACCES, or succeeded): a bad vector fails with EFAULT first, and
 * that never reaches here.
 */
static ssize_t gather(const struct iovec *iov, int cnt, char *buf)
{
	size_t len = 0;

	if (cnt <= 0 || cnt > IOV_MAX)
		return -1;
	for (int i = 0; i < cnt; i++) {
		if (iov[i].iov_len >= VALUE_MAX - len)
			return -1;
		memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return (ssize_t)len;
}

SHIM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	int saved = errno;
	ssize_t r = real_writev(fd, iov, cnt), len;
	char buf[VALUE_MAX];

	if (r > 0) {
		if (shim_run && (len = gather(iov, cnt, buf)) > 0)
			lastpid_written(fd, buf, (size_t)(r < len ? r : len));
		return r;
	}
	if (r >= 0 || (errno != EPERM && errno != EACCES))
		return r;
	len = gather(iov, cnt, buf);
	if (len < 0)
		return r;	/* too long to be a PID; errno is intact */
	r = lastpid_emulate(fd, buf, (size_t)len);
	if (r >= 0)
		errno = saved;
	return r;
}

/* ---- fork() drops the expectation --------------------------------------- */

typedef pid_t (*fork_fn)(void);

static pid_t forward_fork(const char *name, void **slot)
{
	fork_fn fn = (fork_fn)shim_next_sym(slot, name);

	expect_next = 0;	/* a fork is not the clone() it was for */
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn();
}

SHIM_EXPORT pid_t fork(void)
{
	static void *slot;

	return forward_fork("fork", &slot);
}

SHIM_EXPORT pid_t _Fork(void)
{
	static void *slot;

	return forward_fork("_Fork", &slot);
}

/* ---- the ns_last_pid path: the clone that follows ----------------------- */

struct clone_call {
	int (*fn)(void *);
	void *stack;
	int flags;
	void *arg;
	pid_t *ptid;
	void *tls;
	pid_t *ctid;
	pid_t want;
	int cursor_fd;
	sigset_t mask;		/* the caller's, for its child */
};

/*
 * A glibc clone() child runs fn on its own stack and never comes back to
 * pc_candidate(), so it checks its PID here, before fn runs, and does what
 * pc_candidate() and shim_place() would have done in the child.
 */
static int clone_tramp(void *arg)
{
	struct clone_call *c = arg;

	if (pc_sys_getpid() != c->want)
		pc_raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	urcu_bp_after_fork_child();
	if (c->cursor_fd >= 0)
		pc_raw_syscall(SYS_close, c->cursor_fd, 0, 0, 0, 0, 0);
	in_shim = 0;
	expect_next = 0;
	pthread_sigmask(SIG_SETMASK, &c->mask, NULL);
	return c->fn(c->arg);
}

static pid_t make_clone(void *arg)
{
	struct clone_call *c = arg;
	int saved = errno;
	pid_t pid;

	urcu_bp_before_fork();
	pid = real_clone()(clone_tramp, c->stack, c->flags, c, c->ptid, c->tls,
			   c->ctid);
	if (pid < 0)
		pid = -errno;
	urcu_bp_after_fork_parent();
	errno = saved;
	return pid;
}

static int plain_clone(const struct clone_call *c)
{
	return real_clone()(c->fn, c->stack, c->flags, c->arg, c->ptid, c->tls,
			    c->ctid);
}

static int clone_emulate(struct clone_call *c, bool steered)
{
	int saved = errno;
	struct place p = { .how = "clone", .want = c->want, .make = make_clone,
			   .arg = c, .cursor_fd = &c->cursor_fd,
			   .steered = steered };
	long r;

	if (c->flags & CLONE_PIDFD)
		p.pidfd = c->ptid;
	pthread_sigmask(SIG_BLOCK, NULL, &c->mask);
	shim_cfg_get();
	in_shim++;
	r = shim_place(&p);
	in_shim--;
	if (r == -EEXIST) {
		/* Held by someone else: the kernel gives the next free number. */
		errno = saved;
		return plain_clone(c);
	}
	errno = r < 0 ? (int)-r : saved;
	return r < 0 ? -1 : (int)r;
}

SHIM_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	struct clone_call c = { .fn = fn, .stack = stack, .flags = flags,
				.arg = arg, .cursor_fd = -1 };
	int sig = flags & CSIGNAL;
	va_list ap;

	/* glibc uses these three only for some flags; we pass all three on. */
	va_start(ap, arg);
	c.ptid = va_arg(ap, pid_t *);
	c.tls = va_arg(ap, void *);
	c.ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (!in_shim) {
		c.want = expect_next;
		expect_next = 0;	/* an expectation is for the next clone only */
	}
	if (!real_clone()) {
		errno = ENOSYS;
		return -1;
	}
	if (!c.want || !fn || !stack || (flags & NOT_FORKLIKE) ||
	    (sig != 0 && sig != SIGCHLD))
		return plain_clone(&c);
	return clone_emulate(&c, shim_run);
}
