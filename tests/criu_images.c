/* criu_images.c - the pstree.img reader on good and bad images, written from tools/criu_pstree.proto. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "criu_image.h"
#include "criu_pstree.pb-c.h"

/* ---- writing images ------------------------------------------------------ */

struct proc_spec {
	uint32_t pid;
	size_t nthreads;	/* the leader's TID (its PID) included */
	uint32_t threads[8];
};

struct image {
	uint8_t *b;
	size_t len, cap;
	size_t ends[64];	/* where each entry ends */
	size_t nends;
};

static void put(struct image *im, const void *p, size_t n)
{
	if (im->len + n > im->cap) {
		im->cap = (im->len + n) * 2 + 64;
		im->b = realloc(im->b, im->cap);
		assert_non_null(im->b);
	}
	memcpy(im->b + im->len, p, n);
	im->len += n;
}

static void put_u32(struct image *im, uint32_t v)
{
	put(im, &v, sizeof(v));
}

/* An entry as CRIU writes it: a 32-bit length, then the packed message. */
static void put_entry(struct image *im, const struct proc_spec *s)
{
	PstreeEntry e = PSTREE_ENTRY__INIT;
	uint8_t buf[256];
	size_t n;

	e.pid = s->pid;
	e.n_threads = s->nthreads;
	e.threads = (uint32_t *)s->threads;
	n = pstree_entry__get_packed_size(&e);
	assert_true(n <= sizeof(buf));
	assert_int_equal(pstree_entry__pack(&e, buf), n);
	put_u32(im, (uint32_t)n);
	put(im, buf, n);
	im->ends[im->nends++] = im->len;
}

/* head: the common head magic first (every image since CRIU 1.1), or not. */
static struct image make_image(const struct proc_spec *s, size_t n, bool head)
{
	struct image im = { 0 };

	if (head)
		put_u32(&im, CRIU_IMG_COMMON_MAGIC);
	put_u32(&im, CRIU_PSTREE_MAGIC);
	for (size_t i = 0; i < n; i++)
		put_entry(&im, &s[i]);
	return im;
}

static const struct proc_spec tree[] = {
	{ 5000, 1, { 5000 } },
	{ 5003, 3, { 5003, 5004, 5010 } },
	{ 4800, 2, { 4800, 4801 } },
	{ 301, 0, { 0 } },	/* no thread list at all: nothing but the PID */
};
#define NTREE (sizeof(tree) / sizeof(tree[0]))

/* What the reader must give for `tree`: the PIDs, then the threads. */
static const struct criu_task tree_order[] = {
	{ 5000, CRIU_PID, 0 }, { 5003, CRIU_PID, 1 }, { 4800, CRIU_PID, 2 },
	{ 301, CRIU_PID, 3 }, { 5004, CRIU_TID, 1 }, { 5010, CRIU_TID, 1 },
	{ 4801, CRIU_TID, 2 },
};
#define NORDER (sizeof(tree_order) / sizeof(tree_order[0]))

/* ---- good images ---------------------------------------------------------- */

static void expect_tree(const struct criu_tasks *t)
{
	assert_int_equal(t->n, NORDER);
	assert_int_equal(t->processes, NTREE);
	for (size_t i = 0; i < NORDER; i++) {
		assert_int_equal(t->v[i].id, tree_order[i].id);
		assert_int_equal(t->v[i].kind, tree_order[i].kind);
		assert_int_equal(t->v[i].process, tree_order[i].process);
	}
}

/* The tree's image, with or without the leading CRIU_IMG_COMMON_MAGIC, reads back as the tree. */
static void tree_reads_back(bool head_magic)
{
	struct image im = make_image(tree, NTREE, head_magic);
	struct criu_tasks t;
	char err[256] = "";

	assert_int_equal(criu_pstree_parse(im.b, im.len, &t, err, sizeof(err)), 0);
	expect_tree(&t);
	criu_tasks_free(&t);
	free(im.b);
}

static void good_tree(void **state)
{
	(void)state;
	tree_reads_back(true);
}

/* The oldest images have PSTREE_MAGIC alone. */
static void good_no_head_magic(void **state)
{
	(void)state;
	tree_reads_back(false);
}

/* Fields the reader does not know (CRIU's ppid, pgid, sid) are skipped. */
static void good_unknown_fields(void **state)
{
	/* pid=7 (field 1), ppid=1 (2), pgid=7 (3), sid=7 (4), threads 7, 8 (5). */
	static const uint8_t msg[] = { 0x08, 7, 0x10, 1, 0x18, 7, 0x20, 7,
				       0x28, 7, 0x28, 8 };
	struct image im = { 0 };
	struct criu_tasks t;
	char err[256] = "";

	(void)state;
	put_u32(&im, CRIU_IMG_COMMON_MAGIC);
	put_u32(&im, CRIU_PSTREE_MAGIC);
	put_u32(&im, sizeof(msg));
	put(&im, msg, sizeof(msg));
	assert_int_equal(criu_pstree_parse(im.b, im.len, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.v[0].id, 7);
	assert_int_equal(t.v[0].kind, CRIU_PID);
	assert_int_equal(t.v[1].id, 8);
	assert_int_equal(t.v[1].kind, CRIU_TID);
	criu_tasks_free(&t);
	free(im.b);
}

/* ---- bad images ----------------------------------------------------------- */

/* The reader must refuse buf with -EBADMSG and a message containing `says`. */
static void refused(const uint8_t *buf, size_t len, const char *says)
{
	struct criu_tasks t = { .n = 99 };
	char err[256] = "";
	int r = criu_pstree_parse(buf, len, &t, err, sizeof(err));

	if (r != -EBADMSG || !strstr(err, says))
		fail_msg("%zu bytes: got %d '%s', want -EBADMSG '...%s...'", len, r,
			 err, says);
	assert_int_equal(t.n, 0);
	assert_null(t.v);
}

/* Cut at every offset: a prefix that ends between entries is a smaller
 * valid image; anything else is refused, and it says so. */
static void truncated_everywhere(void **state)
{
	struct image im = make_image(tree, NTREE, true);

	(void)state;
	for (size_t cut = 0; cut < im.len; cut++) {
		struct criu_tasks t;
		char err[256] = "";
		size_t whole = 0;
		int r = criu_pstree_parse(im.b, cut, &t, err, sizeof(err));

		for (size_t e = 0; e < im.nends; e++)
			whole += im.ends[e] == cut;
		if (whole) {
			assert_int_equal(r, 0);
			criu_tasks_free(&t);
			continue;
		}
		if (r != -EBADMSG || !*err)
			fail_msg("cut at %zu of %zu: %d '%s'", cut, im.len, r, err);
		if (cut == 0)
			assert_non_null(strstr(err, "empty"));
		else if (cut < 8)
			assert_non_null(strstr(err, "shorter than the magic"));
		else if (cut == 8)
			assert_non_null(strstr(err, "no process"));
		else
			assert_true(strstr(err, "truncated") || strstr(err, "past the end"));
	}
	free(im.b);
}

/* Every byte flipped (three ways): a clean answer each time, never a crash
 * (the ASan build of `make check` runs this too). */
static void flipped_bytes(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct image im = make_image(tree, NTREE, true);
	size_t ok = 0, bad = 0;

	(void)state;
	for (size_t i = 0; i < im.len; i++)
		for (size_t m = 0; m < sizeof(masks); m++) {
			struct criu_tasks t;
			char err[256] = "";
			int r;

			im.b[i] ^= masks[m];
			r = criu_pstree_parse(im.b, im.len, &t, err, sizeof(err));
			im.b[i] ^= masks[m];
			if (r == 0) {
				assert_true(t.n >= 1);
				ok++;
				criu_tasks_free(&t);
			} else if (r == -EBADMSG && *err) {
				bad++;
			} else {
				fail_msg("byte %zu ^ 0x%02x: %d '%s'", i, masks[m], r, err);
			}
		}
	/* Both happen: a flipped TID is still an image, a flipped magic is not. */
	assert_true(ok > 0 && bad > 0);
	free(im.b);
}

static void wrong_magic(void **state)
{
	struct image im = make_image(tree, 1, true);
	uint32_t v;

	(void)state;
	v = CRIU_IMG_SERVICE_MAGIC;
	memcpy(im.b, &v, 4);
	refused(im.b, im.len, "service file");
	v = CRIU_IMG_COMMON_MAGIC;
	memcpy(im.b, &v, 4);
	v = 0x58313116;	/* CORE_MAGIC: another image of the set */
	memcpy(im.b + 4, &v, 4);
	refused(im.b, im.len, "another kind");
	v = 0;
	memcpy(im.b, &v, 4);
	refused(im.b, im.len, "not a CRIU image");
	free(im.b);
}

static void huge_lengths(void **state)
{
	static const uint32_t sizes[] = { 0xffffffffu, 0x80000000u, 1u << 20, 7 };
	struct image im = make_image(tree, 1, true);
	uint32_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memcpy(im.b + 8, &sizes[i], 4);
		refused(im.b, im.len, "past the end");
	}
	/* A length that fits but cuts the message short: not a valid entry. */
	v = 1;
	memcpy(im.b + 8, &v, 4);
	refused(im.b, im.len, "not a valid pstree entry");
	free(im.b);
}

/* Entries whose bytes are not a pstree_entry: empty, no pid, junk. */
static void bad_messages(void **state)
{
	static const uint8_t no_pid[] = { 0x28, 5 };		/* threads only */
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t wire7[] = { 0x0f, 1 };		/* wire type 7 */
	const struct { const uint8_t *p; size_t n; } cases[] = {
		{ NULL, 0 }, { no_pid, sizeof(no_pid) }, { junk, sizeof(junk) },
		{ wire7, sizeof(wire7) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct image im = { 0 };

		put_u32(&im, CRIU_IMG_COMMON_MAGIC);
		put_u32(&im, CRIU_PSTREE_MAGIC);
		put_u32(&im, (uint32_t)cases[i].n);
		if (cases[i].n)
			put(&im, cases[i].p, cases[i].n);
		refused(im.b, im.len, "not a valid pstree entry");
		free(im.b);
	}
}

/* ---- files ------------------------------------------------------------- */

static char tmpdir[] = "/tmp/pidcycle-criu.XXXXXX";

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* What files() makes: one directory each, holding pstree.img. */
static const char *const dirs[] = {
	"good", "elf", "text", "empty", "null", "zero", "isdir",
};

static int remove_tmpdir(void **state)
{
	char path[300];

	(void)state;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/pstree.img", tmpdir, dirs[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, dirs[i]);
		rmdir(path);
	}
	return rmdir(tmpdir);
}

/* tmpdir/NAME/pstree.img: a file with these bytes, or a symlink to `link`. */
static void make_dir(const char *name, const void *bytes, size_t n,
		     const char *link)
{
	char dir[256], path[300];
	int fd;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/pstree.img", dir);
	if (link) {
		assert_int_equal(symlink(link, path), 0);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t)n);
	close(fd);
}

static void read_expect(const char *name, int want, const char *says)
{
	char dir[256], err[256] = "";
	struct criu_tasks t;
	int r;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
	r = criu_pstree_read(dir, &t, err, sizeof(err));
	if (r != want || !strstr(err, says))
		fail_msg("%s: got %d '%s', want %d '...%s...'", name, r, err, want, says);
	if (r == 0)
		criu_tasks_free(&t);
}

static void files(void **state)
{
	struct image im = make_image(tree, NTREE, true);
	static const char text[] = "not an image at all\n";
	uint8_t elf[64] = { 0 };
	int fd = open("/bin/true", O_RDONLY);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(read(fd, elf, sizeof(elf)), sizeof(elf));
	close(fd);
	make_dir("good", im.b, im.len, NULL);
	read_expect("good", 0, "");
	make_dir("elf", elf, sizeof(elf), NULL);
	read_expect("elf", -EBADMSG, "not a CRIU image");
	make_dir("text", text, sizeof(text) - 1, NULL);
	read_expect("text", -EBADMSG, "not a CRIU image");
	make_dir("empty", "", 0, NULL);
	read_expect("empty", -EBADMSG, "empty");
	make_dir("null", NULL, 0, "/dev/null");
	read_expect("null", -EBADMSG, "empty");
	make_dir("zero", NULL, 0, "/dev/zero");
	read_expect("zero", -EBADMSG, "not a CRIU image");
	make_dir("isdir", NULL, 0, "/");
	read_expect("isdir", -EISDIR, "");	/* the errno says it all */
	read_expect("missing", -ENOENT, "");
	free(im.b);
}

/* ---- a writer for the CLI tests ------------------------------------------ */

/*
 * criu_images write DIR SPEC...: write DIR/pstree.img with one process per
 * SPEC, "PID" or "PID:TID,TID,..." (the leader's TID, its PID, comes first
 * by itself).
 */
static int write_mode(int argc, char **argv)
{
	struct proc_spec s[32];
	struct image im = { 0 };
	char path[4096];
	int n = argc - 3, fd;

	if (n < 1 || n > 32) {
		fprintf(stderr, "usage: criu_images write DIR PID[:TID,...]...\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char *spec = argv[3 + i], *colon = strchr(spec, ':');

		s[i].pid = (uint32_t)strtoul(spec, NULL, 10);
		s[i].threads[0] = s[i].pid;
		s[i].nthreads = 1;
		for (char *p = colon; p && s[i].nthreads < 8; p = strchr(p + 1, ','))
			s[i].threads[s[i].nthreads++] = (uint32_t)strtoul(p + 1, NULL, 10);
	}
	im = make_image(s, (size_t)n, true);
	snprintf(path, sizeof(path), "%s/pstree.img", argv[2]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, im.b, im.len) != (ssize_t)im.len) {
		perror(path);
		return 1;
	}
	close(fd);
	free(im.b);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_tree),
		cmocka_unit_test(good_no_head_magic),
		cmocka_unit_test(good_unknown_fields),
		cmocka_unit_test(truncated_everywhere),
		cmocka_unit_test(flipped_bytes),
		cmocka_unit_test(wrong_magic),
		cmocka_unit_test(huge_lengths),
		cmocka_unit_test(bad_messages),
		cmocka_unit_test(files),
	};

	if (argc >= 2 && strcmp(argv[1], "write") == 0)
		return write_mode(argc, argv);
	return cmocka_run_group_tests_name("criu-images", tests, make_tmpdir,
					   remove_tmpdir);
}
