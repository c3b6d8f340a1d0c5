/* criu_image.c - a careful reader of CRIU's pstree.img: magic, then length-prefixed protobuf entries. */
#include "criu_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "criu_pstree.pb-c.h"

/* The processes as the image lists them, before they are put in restore order. */
struct procs {
	size_t n, cap, tasks;
	PstreeEntry **v;
};

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Images are written in the host's byte order (CRIU restores on the same arch). */
static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The magic: its length in bytes, or -EBADMSG saying what the file is instead. */
static int check_magic(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	uint32_t first, second;

	if (len == 0)
		return fail(err, errlen, -EBADMSG, "empty file, not a CRIU image");
	if (len < 4)
		return fail(err, errlen, -EBADMSG,
			    "truncated: %zu bytes, shorter than the magic", len);
	first = u32_at(buf);
	if (first == CRIU_PSTREE_MAGIC)
		return 4;	/* images before CRIU 1.1 have no head magic */
	if (first == CRIU_IMG_SERVICE_MAGIC)
		return fail(err, errlen, -EBADMSG,
			    "a CRIU service file (magic 0x%08x), not pstree.img", first);
	if (first != CRIU_IMG_COMMON_MAGIC)
		return fail(err, errlen, -EBADMSG,
			    "not a CRIU image (it starts with 0x%08x)", first);
	if (len < 8)
		return fail(err, errlen, -EBADMSG,
			    "truncated: %zu bytes, shorter than the magic", len);
	second = u32_at(buf + 4);
	if (second != CRIU_PSTREE_MAGIC)
		return fail(err, errlen, -EBADMSG,
			    "a CRIU image of another kind (magic 0x%08x), not pstree.img",
			    second);
	return 8;
}

static void procs_free(struct procs *p)
{
	for (size_t i = 0; i < p->n; i++)
		pstree_entry__free_unpacked(p->v[i], NULL);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int procs_push(struct procs *p, PstreeEntry *e)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		PstreeEntry **v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = e;
	p->tasks += 1 + (e->n_threads > 1 ? e->n_threads - 1 : 0);
	return 0;
}

/* Every entry after the magic: a 32-bit length, then that many bytes of message. */
static int read_entries(const uint8_t *buf, size_t len, size_t off,
			struct procs *p, char *err, size_t errlen)
{
	while (off < len) {
		size_t left = len - off;
		PstreeEntry *e;
		uint32_t size;

		if (left < 4)
			return fail(err, errlen, -EBADMSG,
				    "truncated at byte %zu: entry %zu's length needs 4 bytes, %zu left",
				    off, p->n + 1, left);
		size = u32_at(buf + off);
		if (size > left - 4)
			return fail(err, errlen, -EBADMSG,
				    "entry %zu at byte %zu: length %u goes past the end (%zu bytes left)",
				    p->n + 1, off, size, left - 4);
		e = pstree_entry__unpack(NULL, size, buf + off + 4);
		if (!e)
			return fail(err, errlen, -EBADMSG,
				    "entry %zu at byte %zu: not a valid pstree entry (%u bytes)",
				    p->n + 1, off, size);
		if (procs_push(p, e)) {
			pstree_entry__free_unpacked(e, NULL);
			return fail(err, errlen, -ENOMEM, "out of memory");
		}
		off += 4 + (size_t)size;
	}
	if (!p->n)
		return fail(err, errlen, -EBADMSG, "no process in the image");
	return 0;
}

/* Restore order: the processes' PIDs first, then their threads process by process. */
static int in_restore_order(const struct procs *p, struct criu_tasks *out)
{
	size_t k = 0;

	out->v = calloc(p->tasks, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		out->v[k++] = (struct criu_task){ p->v[i]->pid, CRIU_PID, i };
	for (size_t i = 0; i < p->n; i++)
		for (size_t t = 1; t < p->v[i]->n_threads; t++)
			out->v[k++] = (struct criu_task){ p->v[i]->threads[t], CRIU_TID, i };
	out->n = k;
	out->processes = p->n;
	return 0;
}

int criu_pstree_parse(const uint8_t *buf, size_t len, struct criu_tasks *out,
		      char *err, size_t errlen)
{
	struct procs p = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = check_magic(buf, len, err, errlen);
	if (ret < 0)
		return ret;
	ret = read_entries(buf, len, (size_t)ret, &p, err, errlen);
	if (!ret && in_restore_order(&p, out))
		ret = fail(err, errlen, -ENOMEM, "out of memory");
	procs_free(&p);
	return ret;
}

/* The whole file, at most CRIU_PSTREE_MAX bytes; stops early on a wrong magic. */
static int read_all(int fd, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	bool checked = false;

	while (b) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);	/* n stops it at 128 MiB */

			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			return fail(err, errlen, -e, "%s", "");
		}
		n += (size_t)r;
		if (n > CRIU_PSTREE_MAX) {
			free(b);
			return fail(err, errlen, -EFBIG,
				    "larger than %u MiB: not a pstree image",
				    CRIU_PSTREE_MAX >> 20);
		}
		if (!checked && (r == 0 || n >= 8)) {
			/* A foreign file (or /dev/zero) is refused at once. */
			int m = check_magic(b, n, err, errlen);

			checked = true;
			if (m < 0) {
				free(b);
				return m;
			}
		}
		if (r == 0) {
			*buf = b;
			*len = n;
			return 0;
		}
	}
	free(b);
	return fail(err, errlen, -ENOMEM, "out of memory");
}

int criu_pstree_read(const char *dir, struct criu_tasks *out, char *err,
		     size_t errlen)
{
	char path[4096];
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret;

	memset(out, 0, sizeof(*out));
	if (snprintf(path, sizeof(path), "%s/pstree.img", dir) >= (int)sizeof(path))
		return fail(err, errlen, -ENAMETOOLONG, "%s", "");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		return fail(err, errlen, -e, "%s", "");
	}
	ret = read_all(fd, &buf, &len, err, errlen);
	close(fd);
	if (!ret)
		ret = criu_pstree_parse(buf, len, out, err, errlen);
	free(buf);
	return ret;
}

void criu_tasks_free(struct criu_tasks *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
