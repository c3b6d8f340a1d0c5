/* ns.c - a private mount namespace for CMD, inside a new user namespace when the caller needs one. */
/*
 * Mounting needs CAP_SYS_ADMIN over the mount namespace. A caller that has it
 * (root, or already root of a user namespace as under `unshare -Urm`) keeps
 * its user namespace and only gets a mount namespace of its own. Anyone else
 * gets a new user namespace too, in which its uid and gid map to 0 (the
 * mapping `unshare -Urm` makes): rootless CRIU needs exactly that. Either way
 * "/" becomes a slave tree, so our mounts never propagate back to the
 * caller's namespace, while the caller's later mounts still reach CMD.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "emul.h"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t len = (ssize_t)strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, (size_t)len) != len)
		err = -errno;
	close(fd);
	return err;
}

/* A sysctl's value, or -1 if it cannot be read. */
static long read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Why unshare(CLONE_NEWUSER) said err: name the switch that forbids it. */
static int userns_refused(struct emul_err *e, int err)
{
	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		return emul_fail(e, err, "user namespaces are disabled "
				 "(sysctl user.max_user_namespaces = 0)");
	if (read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return emul_fail(e, err, "unprivileged user namespaces are disabled "
				 "(sysctl kernel.unprivileged_userns_clone = 0)");
	if (read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		return emul_fail(e, err, "AppArmor restricts unprivileged user namespaces "
				 "(sysctl kernel.apparmor_restrict_unprivileged_userns = 1)");
	if (err == -ENOSPC)
		return emul_fail(e, err, "no user namespace left "
				 "(user.max_user_namespaces reached)");
	return emul_fail(e, err, "cannot create a user namespace (unshare: %s; "
			 "a seccomp filter or container may forbid it)",
			 strerror(-err));
}

/* Map our uid and gid to 0 in the new user namespace, as `unshare -Ur` does. */
static int map_to_root(uid_t uid, gid_t gid, struct emul_err *e)
{
	char map[64];
	int err = write_file("/proc/self/setgroups", "deny");

	if (err && err != -ENOENT)
		return emul_fail(e, err, "cannot write /proc/self/setgroups: %s",
				 strerror(-err));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	err = write_file("/proc/self/uid_map", map);
	if (err)
		return emul_fail(e, err, "cannot write /proc/self/uid_map: %s",
				 strerror(-err));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	err = write_file("/proc/self/gid_map", map);
	if (err)
		return emul_fail(e, err, "cannot write /proc/self/gid_map: %s",
				 strerror(-err));
	return 0;
}

int emul_enter_ns(struct emul_err *e)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int err;

	if (unshare(CLONE_NEWNS) < 0) {
		if (errno != EPERM)
			return emul_fail(e, -errno, "cannot create a mount namespace: %s",
					 strerror(errno));
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return userns_refused(e, -errno);
		err = map_to_root(uid, gid, e);
		if (err)
			return err;
	}
	/* The type is ignored here; "none" rather than NULL for valgrind. */
	if (mount(NULL, "/", "none", MS_REC | MS_SLAVE, NULL) < 0)
		return emul_fail(e, -errno, "cannot make / a slave mount tree: %s",
				 strerror(errno));
	return 0;
}
