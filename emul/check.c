/* check.c - can `pidcycle run` work here? The same steps, tried in a child that then vanishes. */
/*
 * A child process enters the namespaces as run would, opens /dev/fuse and
 * creates a FUSE superblock; nothing is mounted anywhere and nothing is
 * served. Its namespaces, descriptors and the half-made connection go with
 * it. It costs one PID of the caller's namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emul.h"

/* In the child: 0 if a FUSE superblock can be made, else why. */
static int try_superblock(struct emul_err *e)
{
	int err = emul_enter_ns(e), fuse_fd, fs;

	if (err)
		return err;
	fuse_fd = emul_fuse_open(e);
	if (fuse_fd < 0)
		return fuse_fd;
	fs = fsopen("fuse", FSOPEN_CLOEXEC);
	if (fs < 0)
		return errno == ENODEV ? emul_fail(e, -ENODEV, "no FUSE here: the "
						   "kernel has no fuse file system")
				       : 0;	/* run falls back to mount(2) */
	err = emul_fuse_config(fs, fuse_fd);
	if (!err && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		err = -errno;
	return err ? emul_fail(e, err, "cannot create a FUSE mount: %s",
			       strerror(-err)) : 0;
}

int emul_check(struct emul_err *e)
{
	int p[2], st = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return emul_fail(e, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		struct emul_err mine = { 0 };
		int err = try_superblock(&mine);

		close(p[0]);
		if (err && write(p[1], &mine, sizeof(mine)) < 0)
			err = -EIO;
		_exit(err ? 1 : 0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return emul_fail(e, -errno, "fork: %s", strerror(errno));
	}
	n = read(p[0], e, sizeof(*e));
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(*e))
		return e->err;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return emul_fail(e, -EIO, "the check itself failed");
	return 0;
}
