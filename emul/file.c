/* file.c - the emulated file's FUSE operations: one regular file, ns_last_pid, in a root directory. */
/*
 * What a reader or writer sees, as with the kernel's file (value.c has the
 * parsing): a read at offset 0 returns the real value of the server's - and
 * the caller's - PID namespace, "%d\n", cut to the size asked; at any other
 * offset it returns nothing. A write at offset 0 is parsed here and, if
 * valid, queued for the writer thread; the writer blocks until it is served.
 * Writes past offset 0 are ignored and succeed (sysctl_writes_strict = 1,
 * the default). Opens are direct I/O (no page cache: every read and write
 * reaches us) with parallel direct writes, so a second writer waits in our
 * queue, where an interrupt reaches it, rather than on the inode lock in
 * the kernel, where not even SIGKILL does; the size says 4096 so that writes
 * stay below it, which parallel writes need. No flush on close.
 * Requests from another PID namespace get EOPNOTSUPP: the file only knows
 * the server's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "server.h"
#include "value.h"

#define ROOT_INO 1
#define FILE_INO 2
#define FILE_NAME "ns_last_pid"
#define FILE_SIZE 4096
#define FOREVER 1e9

/* <linux/fuse.h>: the open reply, set by hand for the flags libfuse 3.14 lacks. */
struct open_out {
	uint64_t fh;
	uint32_t open_flags;
	uint32_t padding;
};
#define FOPEN_DIRECT_IO (1 << 0)
#define FOPEN_NOFLUSH (1 << 5)
#define FOPEN_PARALLEL_DIRECT_WRITES (1 << 6)

static struct srv *srv_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void fill_attr(const struct srv *s, fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = ino == ROOT_INO ? S_IFDIR | 0555 : S_IFREG | 0666;
	st->st_nlink = ino == ROOT_INO ? 2 : 1;
	st->st_size = ino == ROOT_INO ? 0 : FILE_SIZE;
	st->st_atime = st->st_mtime = st->st_ctime = (time_t)s->t_mount;
}

/* Is the requesting task in our PID namespace (or can we not tell)? */
static bool emul_same_pidns(const struct srv *s, fuse_req_t req)
{
	char path[48];
	struct stat st;

	if (!s->pidns)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)fuse_req_ctx(req)->pid);
	/* pid 0: not in our namespace at all. Gone meanwhile: no matter. */
	if (fuse_req_ctx(req)->pid == 0)
		return false;
	return stat(path, &st) != 0 || st.st_ino == s->pidns;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* Plain copies through memory; no cache; the kernel handles O_TRUNC. */
	conn->want &= ~(unsigned int)(FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE |
				      FUSE_CAP_SPLICE_MOVE | FUSE_CAP_WRITEBACK_CACHE |
				      FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_AUTO_INVAL_DATA);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != ROOT_INO || strcmp(name, FILE_NAME)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = FILE_INO;
	e.attr_timeout = FOREVER;
	e.entry_timeout = FOREVER;
	fill_attr(srv_of(req), FILE_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	fill_attr(srv_of(req), ino, &st);
	fuse_reply_attr(req, &st, FOREVER);
}

/* Like proc: no chmod or chown; a size change (O_TRUNC) is accepted and ignored. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)attr;
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	op_getattr(req, ino, fi);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct open_out out = {
		.open_flags = FOPEN_DIRECT_IO | FOPEN_NOFLUSH |
			      FOPEN_PARALLEL_DIRECT_WRITES,
	};
	struct iovec iov = { .iov_base = &out, .iov_len = sizeof(out) };

	(void)fi;
	if (ino != FILE_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fuse_reply_iov(req, &iov, 1);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct srv *s = srv_of(req);
	char buf[32];
	ssize_t n;

	(void)ino;
	(void)fi;
	if (!emul_same_pidns(s, req)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (off != 0) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	n = pread(s->lastpid_fd, buf, sizeof(buf), 0);
	if (n < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_buf(req, buf, (size_t)n < size ? (size_t)n : size);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct srv *s = srv_of(req);
	struct pending *p;
	long v = 0, len;
	pid_t max;

	(void)ino;
	(void)fi;
	if (!emul_same_pidns(s, req)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (off != 0 && s->strict) {
		fuse_reply_write(req, size);
		return;
	}
	max = pc_pid_max();
	len = max < 0 ? max : emul_parse_value(buf, size, max, &v);
	if (len == 0) {
		fuse_reply_write(req, 0);
		return;
	}
	p = len < 0 ? NULL : calloc(1, sizeof(*p));
	if (!p) {
		fuse_reply_err(req, len < 0 ? (int)-len : ENOMEM);
		return;
	}
	*p = (struct pending){ .req = req, .value = v, .len = len,
			       .writer = fuse_req_ctx(req)->pid, .t_in = pc_now() };
	emul_queue_write(s, p);
}

const struct fuse_lowlevel_ops emul_file_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.open = op_open,
	.read = op_read,
	.write = op_write,
};
