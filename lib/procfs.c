/* procfs.c - reading /proc: small files, the numbered entries of a directory, a process's groups. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

ssize_t pc_proc_read(const char *path, char *buf, size_t size)
{
	int saved = errno, fd = open(path, O_RDONLY | O_CLOEXEC), err = -EIO;
	size_t got = 0;

	if (fd < 0)
		err = -errno;
	/* A /proc file may come in more than one read; a sysctl in one. */
	while (fd >= 0 && got < size - 1) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	errno = saved;
	buf[got] = '\0';
	return got ? (ssize_t)got : err;
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

bool pc_proc_each(const char *dir, pc_proc_entry_fn fn, void *arg)
{
	int saved = errno;
	struct dirent *e;
	DIR *d = opendir(dir);
	bool stopped = false;

	while (d && !stopped && (e = readdir(d)))
		if (is_number(e->d_name))
			stopped = fn(arg, e->d_name);
	if (d)
		closedir(d);
	errno = saved;
	return stopped;
}

int pc_proc_groups(const char *pid, pid_t *pgrp, pid_t *sid)
{
	char path[300], buf[512], *p;
	int g, s;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if (pc_proc_read(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')');	/* comm may contain anything */
	if (!p || sscanf(p + 1, " %*c %*d %d %d", &g, &s) != 2)
		return -1;
	*pgrp = g;
	*sid = s;
	return 0;
}
