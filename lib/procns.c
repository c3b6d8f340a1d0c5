/* procns.c - which PID namespace /proc shows, and our numbers as seen through an ancestor's /proc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Read a small /proc file whole: 0, or -errno (errno is left as it was). */
static int read_status(const char *path, char *buf, size_t size)
{
	int saved = errno, fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0) {
		err = -errno;
		errno = saved;
		return err;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	errno = saved;
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

/* How many numbers the line `name` ("NSpid:") lists; value `at` into *v. */
static int ns_field(const char *buf, const char *name, int at, pid_t *v)
{
	const char *p = strstr(buf, name);
	int n = 0;

	if (!p)
		return -1;
	p += strlen(name);
	for (;;) {
		char *end;
		long x = strtol(p, &end, 10);

		if (end == p || *p == '\n')
			break;
		if (n++ == at && v)
			*v = (pid_t)x;
		p = end;
	}
	return n;
}

/*
 * /proc/self resolves to us in the namespace of the /proc mount, and our
 * NSpid line lists our number in that namespace and in each below it, ours
 * last. One number: /proc is our namespace's. More: it is an ancestor's, and
 * our numbers are at that index of every NSpid-like line. /proc/self not
 * resolving: /proc is some other namespace's, which does not show us
 * (unshare --pid --fork without --mount-proc shows the parent's).
 */
int pc_proc_level(void)
{
	char buf[4096];
	int err = read_status("/proc/self/status", buf, sizeof(buf)), n;

	if (err)
		return err == -ENOENT ? -1 : 0;	/* unreadable otherwise: assume ours */
	n = ns_field(buf, "NSpid:", 0, NULL);
	return n > 1 ? n - 1 : 0;	/* no NSpid line (before 4.1): ours */
}

/* PID/TID, group and session of the task at `dir`, at `level`; 0 if none there. */
static void task_ids(const char *dir, int level, struct pc_proc_ids *ids)
{
	char path[700], buf[4096];

	memset(ids, 0, sizeof(*ids));
	snprintf(path, sizeof(path), "%s/status", dir);
	if (read_status(path, buf, sizeof(buf)))
		return;
	if (ns_field(buf, "NSpid:", level, &ids->pid) <= level)
		ids->pid = 0;	/* not in our namespace (nor below it) */
	if (ns_field(buf, "NSpgid:", level, &ids->pgid) <= level)
		ids->pgid = 0;
	if (ns_field(buf, "NSsid:", level, &ids->sid) <= level)
		ids->sid = 0;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void each_thread(const char *pid, int level, pc_proc_task_fn fn, void *arg)
{
	char path[300], dir[600];
	struct pc_proc_ids ids;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (!is_number(e->d_name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", path, e->d_name);
		task_ids(dir, level, &ids);
		if (ids.pid)
			fn(arg, &ids);
	}
	if (d)
		closedir(d);
}

void pc_proc_each_task(int level, pc_proc_task_fn fn, void *arg)
{
	int saved = errno;
	struct dirent *e;
	DIR *d = opendir("/proc");

	while (d && (e = readdir(d)))
		if (is_number(e->d_name))
			each_thread(e->d_name, level, fn, arg);
	if (d)
		closedir(d);
	errno = saved;
}
