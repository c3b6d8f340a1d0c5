/* cursor.c - read and move the PID allocator's cursor (ns_last_pid, loadavg). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "internal.h"

#define NS_LAST_PID "/proc/sys/kernel/ns_last_pid"
#define LOADAVG "/proc/loadavg"
#define PID_MAX "/proc/sys/kernel/pid_max"

int pc_parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v > INT_MAX)
		return -ERANGE;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

/* pread the whole small file at fd into buf; -errno on failure. */
static int read_small(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int pc_cursor_open(struct pc_cursor *c, bool write)
{
	int saved = errno;

	memset(c, 0, sizeof(*c));
	c->fd = open(NS_LAST_PID, (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (c->fd >= 0) {
		c->writable = write;
	} else if (write) {
		int err = -errno;

		errno = saved;
		return err;
	} else {
		/* No CONFIG_CHECKPOINT_RESTORE: the 5th field of loadavg. */
		c->fd = open(LOADAVG, O_RDONLY | O_CLOEXEC);
		c->loadavg = true;
		if (c->fd < 0) {
			int err = -errno;

			errno = saved;
			return err;
		}
	}
	errno = saved;
	return 0;
}

void pc_cursor_close(struct pc_cursor *c)
{
	if (c->fd < 0)
		return;
	pc_cursor_unlock(c);
	close(c->fd);
	c->fd = -1;
}

pid_t pc_cursor_last(struct pc_cursor *c)
{
	char buf[128], *p = buf;
	int saved = errno, err;
	pid_t v;

	err = read_small(c->fd, buf, sizeof(buf));
	errno = saved;
	if (err)
		return err;
	if (c->loadavg) {
		p = strrchr(buf, ' ');
		if (!p)
			return -EIO;
	}
	return pc_parse_pid(p, &v) ? -EIO : v;
}

int pc_cursor_set_last(struct pc_cursor *c, pid_t last)
{
	char buf[16];
	int saved = errno, len = snprintf(buf, sizeof(buf), "%d", (int)last);
	ssize_t n = pwrite(c->fd, buf, len, 0);
	int err = n == len ? 0 : n < 0 ? -errno : -EIO;

	errno = saved;
	return err;
}

static int take_lock(struct pc_cursor *c, int how)
{
	int saved = errno, err = 0;

	while (flock(c->fd, how) < 0) {
		if (errno != EINTR) {
			err = -errno;
			break;
		}
	}
	c->locked = !err;
	errno = saved;
	return err;
}

int pc_cursor_lock(struct pc_cursor *c)
{
	return take_lock(c, LOCK_EX);
}

int pc_cursor_trylock(struct pc_cursor *c)
{
	return take_lock(c, LOCK_EX | LOCK_NB);
}

void pc_cursor_drop(struct pc_cursor *c)
{
	c->locked = false;	/* the lock belongs to the parent's call */
	pc_cursor_close(c);
}

void pc_cursor_unlock(struct pc_cursor *c)
{
	int saved = errno;

	if (c->locked)
		flock(c->fd, LOCK_UN);
	c->locked = false;
	errno = saved;
}

pid_t pc_pid_max(void)
{
	char buf[32];
	int saved = errno, fd = open(PID_MAX, O_RDONLY | O_CLOEXEC), err;
	pid_t v;

	if (fd < 0) {
		err = -errno;
		errno = saved;
		return err;
	}
	err = read_small(fd, buf, sizeof(buf));
	close(fd);
	errno = saved;
	if (err)
		return err;
	return pc_parse_pid(buf, &v) ? -EIO : v;
}
