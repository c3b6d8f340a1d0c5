/* mount.c - the FUSE file over /proc/sys/kernel/ns_last_pid, with no FUSE mount point left anywhere. */
/*
 * /dev/fuse must be opened inside the user namespace the mount belongs to
 * (the kernel refuses a descriptor opened in another one). The superblock
 * is created with the new mount API as a detached mount; only its one file
 * is cloned (open_tree) and moved over the target, so the FUSE root is never
 * attached anywhere. The server must be answering by the time of the clone:
 * the kernel looks the file up through it. Kernels without the new mount
 * API get a short-lived mount on a private temporary directory instead,
 * detached and removed right after the bind.
 * The descriptor goes to the server as soon as the connection exists, and
 * this process keeps no copy: if the server dies, the connection aborts and
 * nothing here can wait for it forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emul.h"

#define FILE_NAME "ns_last_pid"

int emul_fuse_open(struct emul_err *e)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC), err;
	struct stat st;

	if (fd >= 0)
		return fd;
	err = -errno;
	if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
		return emul_fail(e, err, "no FUSE here: /dev/fuse: %s (the fuse "
				 "module or device is missing)", strerror(-err));
	if ((err == -EACCES || err == -EPERM) && stat("/dev/fuse", &st) == 0 &&
	    !(st.st_mode & S_IWOTH))
		return emul_fail(e, err, "cannot open /dev/fuse: %s (it is mode "
				 "%04o: Debian's fuse3 udev rule makes it 0666; as "
				 "root: chmod 0666 /dev/fuse)", strerror(-err),
				 (unsigned int)(st.st_mode & 07777));
	return emul_fail(e, err, "cannot open /dev/fuse: %s", strerror(-err));
}

/* allow_other: every task of the user namespace may use the file, whatever
 * uid a restored task has. mount(2) takes the options as one string. */
static void fuse_params(char *buf, size_t n, int fuse_fd)
{
	snprintf(buf, n, "fd=%d,rootmode=40000,user_id=%u,group_id=%u,allow_other",
		 fuse_fd, (unsigned int)geteuid(), (unsigned int)getegid());
}

int emul_fuse_config(int fs, int fuse_fd)
{
	char fd_str[16], uid[16], gid[16];

	snprintf(fd_str, sizeof(fd_str), "%d", fuse_fd);
	snprintf(uid, sizeof(uid), "%u", (unsigned int)geteuid());
	snprintf(gid, sizeof(gid), "%u", (unsigned int)getegid());
	if (fsconfig(fs, FSCONFIG_SET_STRING, "fd", fd_str, 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "rootmode", "40000", 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "user_id", uid, 0) ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "group_id", gid, 0) ||
	    fsconfig(fs, FSCONFIG_SET_FLAG, "allow_other", NULL, 0))
		return -errno;
	return 0;
}

static int hand_over(int fuse_fd, int sock, struct emul_err *e)
{
	int err = emul_send_fd(sock, fuse_fd);

	close(fuse_fd);
	return err ? emul_fail(e, err, "cannot pass /dev/fuse to the server: %s",
			       strerror(-err)) : 0;
}

/* The new mount API: a detached FUSE mount; its file alone goes over target. */
static int mount_new_api(int fs, int fuse_fd, int sock, struct emul_err *e)
{
	int err = emul_fuse_config(fs, fuse_fd), mnt, tree;

	if (!err && fsconfig(fs, FSCONFIG_SET_STRING, "source", "pidcycle", 0) < 0)
		err = -errno;
	if (!err && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		err = -errno;
	if (err) {
		close(fs);
		close(fuse_fd);
		return emul_fail(e, err, "cannot create the FUSE mount: %s",
				 strerror(-err));
	}
	err = hand_over(fuse_fd, sock, e);
	mnt = err ? -1 : fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
				 MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	close(fs);
	if (err)
		return err;
	if (mnt < 0)
		return emul_fail(e, -errno, "fsmount: %s", strerror(errno));
	tree = open_tree(mnt, FILE_NAME, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	err = tree < 0 ? -errno : 0;
	close(mnt);		/* the FUSE root: attached nowhere, now gone */
	if (err)
		return emul_fail(e, err, "the server did not answer (open_tree: %s)",
				 strerror(-err));
	if (move_mount(tree, "", AT_FDCWD, EMUL_TARGET, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		err = emul_fail(e, -errno, "cannot mount over %s: %s", EMUL_TARGET,
				strerror(errno));
	close(tree);
	return err;
}

/* mount(2) on a private temporary directory, bind, detach, remove. */
static int mount_old_api(int fuse_fd, int sock, struct emul_err *e)
{
	char dir[] = "/tmp/pidcycle-run.XXXXXX", params[160], src[64];
	int err;

	if (!mkdtemp(dir)) {
		err = -errno;
		close(fuse_fd);
		return emul_fail(e, err, "mkdtemp %s: %s", dir, strerror(-err));
	}
	fuse_params(params, sizeof(params), fuse_fd);
	if (mount("pidcycle", dir, "fuse", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  params) < 0) {
		err = emul_fail(e, -errno, "cannot mount FUSE: %s", strerror(errno));
		close(fuse_fd);
		rmdir(dir);
		return err;
	}
	err = hand_over(fuse_fd, sock, e);
	snprintf(src, sizeof(src), "%s/%s", dir, FILE_NAME);
	if (!err && mount(src, EMUL_TARGET, "none", MS_BIND, NULL) < 0)
		err = emul_fail(e, -errno, "cannot mount over %s: %s", EMUL_TARGET,
				strerror(errno));
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return err;
}

int emul_mount(int fuse_fd, int sock, struct emul_err *e)
{
	int fs = fsopen("fuse", FSOPEN_CLOEXEC);

	if (fs >= 0)
		return mount_new_api(fs, fuse_fd, sock, e);
	if (errno == ENODEV) {
		close(fuse_fd);
		return emul_fail(e, -ENODEV, "no FUSE here: the kernel has no "
				 "fuse file system");
	}
	return mount_old_api(fuse_fd, sock, e);
}
