/* logsink.c - PIDCYCLE_LOG's lines: formatted, then sent nowhere, to standard error, or to the end of a file. */
/*
 * Shared by the preload and the run server. A value with a '/' in it names a
 * file: each line is appended with one write() on a descriptor opened for it
 * and closed at once, so lines from many processes do not mix, nothing stays
 * open in the host, and a task whose fd 2 is closed (CRIU closes it in
 * restored tasks) still logs. "0" or empty: off; anything else: fd 2.
 * Raw system calls: in the preload, write() and open() are our own wrappers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "logsink.h"
#include "sys.h"

enum logsink logsink_kind(const char *value)
{
	if (!value || !*value || !strcmp(value, "0"))
		return LOGSINK_OFF;
	return strchr(value, '/') ? LOGSINK_FILE : LOGSINK_STDERR;
}

/* Write one whole line where value says; errno may change. */
static void logsink_write(const char *value, const char *line, size_t len)
{
	enum logsink kind = logsink_kind(value);
	long fd = 2;

	switch (kind) {
	case LOGSINK_OFF:
		return;
	case LOGSINK_FILE:
		fd = pc_raw_syscall(SYS_openat, AT_FDCWD, (long)value,
				    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				    0644, 0, 0);
		if (fd < 0)
			return;
		break;
	case LOGSINK_STDERR:
		break;
	}
	pc_raw_syscall(SYS_write, fd, (long)line, (long)len, 0, 0, 0);
	/* Ours even if it is 2: a host that closed fd 2 got it from open. */
	if (kind == LOGSINK_FILE)
		pc_raw_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

void logsink_vline(const char *value, const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	if (logsink_kind(value) == LOGSINK_OFF)
		return;
	n = snprintf(line, sizeof(line), "%s", prefix);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	logsink_write(value, line, (size_t)n);
}
