/* probe.c - find out, without side effects, what this kernel and caller may do. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sys.h"

/*
 * Can clone3 be used at all, privilege apart? CRIU's probe: set_tid given
 * with set_tid_size 0 is EINVAL wherever clone3 works, for anyone; a seccomp
 * filter answers ENOSYS or EPERM instead. No task is created.
 */
static bool probe_clone3(void)
{
	struct pc_clone_args a = { .set_tid = ~0ull, .set_tid_size = 0 };
	long r = pc_sys_clone3(&a, sizeof(a));

	if (r > 0)	/* cannot happen; reap it anyway */
		pc_sys_wait_pid(r);
	return r == -EINVAL;
}

/*
 * clone3 with set_tid = our own PID: the number is in use, so a caller
 * allowed to choose PIDs gets EEXIST and no task is created; others get
 * EPERM. CLONE_VM keeps it from copying page tables first.
 */
static bool probe_set_tid(void)
{
	pid_t self = pc_sys_getpid();
	struct pc_clone_args a = {
		.flags = CLONE_VM,
		.set_tid = (uintptr_t)&self,
		.set_tid_size = 1,
	};
	long r = pc_sys_clone3(&a, sizeof(a));

	if (r > 0)	/* cannot happen: our PID is taken; reap it anyway */
		pc_sys_wait_pid(r);
	return r == -EEXIST;
}

/*
 * Writing -1 to ns_last_pid: the kernel checks the capability first (EPERM),
 * then the range (EINVAL). So EINVAL means the write is allowed, and neither
 * answer changes anything. Independent of clone3, which a filter may block.
 */
static bool probe_lastpid_write(void)
{
	struct pc_cursor c;
	bool ok;

	if (pc_cursor_open(&c, true))
		return false;
	ok = pc_cursor_set_last(&c, -1) == -EINVAL;
	pc_cursor_close(&c);
	return ok;
}

static bool can_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * The ghost form: CLONE_PIDFD fails after the PID is allocated (5.2+); with
 * CLONE_THREAD (6.9+) copy_process does the least work, so it is fastest.
 * The burners check the first call really answers EMFILE.
 */
static void probe_ghost(struct pc_features *f)
{
	f->ghost = kernel_at_least(5, 2);
	f->ghost_legacy = !f->clone3;
	if (kernel_at_least(6, 9))
		f->ghost_flags = CLONE_VM | CLONE_FS | CLONE_FILES |
				 CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
				 CLONE_PIDFD;
	else
		f->ghost_flags = CLONE_VM | CLONE_FS | CLONE_FILES |
				 CLONE_SIGHAND | CLONE_SYSVSEM | CLONE_PIDFD;
}

void pc_features_probe(struct pc_features *f)
{
	int saved = errno;

	memset(f, 0, sizeof(*f));
	f->clone3 = probe_clone3();
	f->set_tid = f->clone3 && probe_set_tid();
	f->lastpid_read = can_open("/proc/sys/kernel/ns_last_pid", O_RDONLY);
	f->lastpid_write = probe_lastpid_write();
	probe_ghost(f);
	errno = saved;
}

static struct pc_features cached;
static pthread_once_t cached_once = PTHREAD_ONCE_INIT;

static void probe_cached(void)
{
	pc_features_probe(&cached);
}

const struct pc_features *pc_features(void)
{
	pthread_once(&cached_once, probe_cached);
	return &cached;
}

unsigned int pc_strategy_mask(const struct pc_features *f)
{
	unsigned int m = 1u << PIDCYCLE_AUTO | 1u << PIDCYCLE_THREAD |
			 1u << PIDCYCLE_VFORK | 1u << PIDCYCLE_FORK;

	if (f->set_tid)
		m |= 1u << PIDCYCLE_SETTID;
	if (f->lastpid_write)
		m |= 1u << PIDCYCLE_LASTPID;
	if (f->ghost)
		m |= 1u << PIDCYCLE_GHOST;
	return m;
}

int pc_strategy_check(enum pidcycle_strategy s, enum pc_call c,
		      const struct pc_features *f)
{
	if (s == PIDCYCLE_SETTID && c != PC_CALL_AT)
		return -ENOSYS;	/* set_tid cannot move the cursor */
	if (s == PIDCYCLE_LASTPID && c == PC_CALL_BURN)
		return -ENOSYS;
	if ((s == PIDCYCLE_SETTID && !f->set_tid) ||
	    (s == PIDCYCLE_LASTPID && !f->lastpid_write))
		return -EPERM;
	if (s == PIDCYCLE_GHOST && !f->ghost)
		return -ENOSYS;
	return 0;
}

bool pc_strategy_privileged(enum pidcycle_strategy s)
{
	return s == PIDCYCLE_SETTID || s == PIDCYCLE_LASTPID;
}

enum pidcycle_strategy pc_auto_burner(const struct pc_features *f)
{
	return f->ghost ? PIDCYCLE_GHOST : PIDCYCLE_THREAD;
}

enum pidcycle_strategy pc_auto_strategy(const struct pc_features *f)
{
	if (f->set_tid)
		return PIDCYCLE_SETTID;
	return f->lastpid_write ? PIDCYCLE_LASTPID : pc_auto_burner(f);
}

int pidcycle_probe(struct pidcycle_info *info)
{
	struct pidcycle_info out = { .sz = sizeof(out) };
	struct pc_features f;
	struct pc_cursor c;
	struct utsname u;
	struct pc_geom g;
	int err;

	if (!info || info->sz < offsetof(struct pidcycle_info, kernel))
		return -EINVAL;
	pc_features_probe(&f);
	err = pc_cursor_open(&c, false);
	if (err)
		return err;
	err = pc_geom_read(&c, &g);
	pc_cursor_close(&c);
	if (err)
		return err;
	if (!uname(&u))
		snprintf(out.kernel, sizeof(out.kernel), "%s", u.release);
	out.pid_max = g.pid_max;
	out.last_pid = g.last;
	out.wrap_floor = g.floor;
	out.clone3 = f.clone3;
	out.set_tid = f.set_tid;
	out.ns_last_pid_readable = f.lastpid_read;
	out.ns_last_pid_writable = f.lastpid_write;
	out.ghost = f.ghost;
	out.strategies = pc_strategy_mask(&f);
	out.auto_strategy = pc_auto_strategy(&f);
	pc_copy_out(info, &out, sizeof(out));	/* an older caller: its prefix */
	return 0;
}
