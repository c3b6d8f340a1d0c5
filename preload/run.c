/* run.c - the preload under `pidcycle run`: the emulated ns_last_pid steers, CRIU is told to use it. */
/*
 * `pidcycle run` sets PIDCYCLE_RUN=1 for CMD, whose /proc/sys/kernel/
 * ns_last_pid is then a file served by run: a write of v returns once v+1
 * is the next PID. Three things follow here:
 *  - steering is a write to that file (the server burns, in its own
 *    namespaces; no cursor or helper of ours);
 *  - CRIU's set_tid probe (clone3 with set_tid = -1 and no levels) answers
 *    ENOSYS, so CRIU restores processes AND threads through ns_last_pid -
 *    threads come from CRIU's restorer, which no preload reaches, but which
 *    writes the file with raw system calls;
 *  - CRIU's kerndat cache (criu.kdat, in $XDG_RUNTIME_DIR for
 *    --unprivileged, /run for root) may hold an earlier answer to that probe.
 *    Under run it looks absent (open for reading: ENOENT), and the new copy
 *    CRIU would save fails to be created (O_EXCL: EEXIST, which CRIU takes
 *    for another CRIU racing it and ignores): CRIU neither trusts nor
 *    overwrites the cache. Only the names criu.kdat and criu.kdat.tmp, only
 *    under run, only through open/open64/openat/openat64.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

#define LASTPID "/proc/sys/kernel/ns_last_pid"
#define KDAT "criu.kdat"
#define KDAT_TMP "criu.kdat.tmp"

/* Raw calls: write() and open() are our own wrappers here. */
int shim_steer_by_file(pid_t want)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", (int)want - 1);
	long fd = pc_raw_syscall(SYS_openat, AT_FDCWD, (long)LASTPID,
				 O_WRONLY | O_CLOEXEC, 0, 0, 0), r;

	if (fd < 0)
		return (int)fd;
	r = pc_raw_syscall(SYS_write, fd, (long)buf, len, 0, 0, 0);
	pc_raw_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
	if (r < 0)
		return (int)r;
	return r == len ? 0 : -EIO;
}

bool shim_is_settid_probe(const struct pc_clone_args *a, size_t size)
{
	return a && size >= sizeof(*a) && a->set_tid == (uint64_t)-1 &&
	       a->set_tid_size == 0;
}

/* ---- the kerndat cache -------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The errno an open of path must fail with under run, or 0. */
static int kdat_refusal(const char *path, int flags)
{
	const char *name;

	if (!shim_run || !path)
		return 0;
	name = base_name(path);
	if (!strcmp(name, KDAT) && (flags & O_ACCMODE) == O_RDONLY &&
	    !(flags & O_CREAT))
		return ENOENT;
	if (!strcmp(name, KDAT_TMP) && (flags & O_CREAT) && (flags & O_EXCL))
		return EEXIST;
	return 0;
}

static bool needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);

static int open_common(const char *name, void **slot, const char *path,
		       int flags, mode_t mode)
{
	open_fn fn = (open_fn)shim_next_sym(slot, name);
	int refuse = kdat_refusal(path, flags);

	if (refuse || !fn) {
		errno = refuse ? refuse : ENOSYS;
		return -1;
	}
	return fn(path, flags, mode);
}

static int openat_common(const char *name, void **slot, int dirfd,
			 const char *path, int flags, mode_t mode)
{
	openat_fn fn = (openat_fn)shim_next_sym(slot, name);
	int refuse = kdat_refusal(path, flags);

	if (refuse || !fn) {
		errno = refuse ? refuse : ENOSYS;
		return -1;
	}
	return fn(dirfd, path, flags, mode);
}

#define MODE_ARG(flags, last, mode)				\
	do {							\
		va_list ap;					\
		if (needs_mode(flags)) {			\
			va_start(ap, last);			\
			mode = va_arg(ap, mode_t);		\
			va_end(ap);				\
		}						\
	} while (0)

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	static void *slot;
	mode_t mode = 0;

	MODE_ARG(flags, flags, mode);
	return open_common("open", &slot, path, flags, mode);
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	static void *slot;
	mode_t mode = 0;

	MODE_ARG(flags, flags, mode);
	return open_common("open64", &slot, path, flags, mode);
}

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	static void *slot;
	mode_t mode = 0;

	MODE_ARG(flags, flags, mode);
	return openat_common("openat", &slot, dirfd, path, flags, mode);
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	static void *slot;
	mode_t mode = 0;

	MODE_ARG(flags, flags, mode);
	return openat_common("openat64", &slot, dirfd, path, flags, mode);
}
