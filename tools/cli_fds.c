/* cli_fds.c - placeholders for closed standard fds (O_PATH: reads and writes fail EBADF). */
#include "cli_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int cli_fds_guard(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free fd: this one, since the lower ones are open. */
		got = open("/", O_PATH | O_CLOEXEC);
		if (got < 0)
			return -errno;
		if (got != fd) {
			int ret = dup3(got, fd, O_CLOEXEC);

			close(got);
			if (ret < 0)
				return -errno;
		}
	}
	return 0;
}
