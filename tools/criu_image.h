/* criu_image.h - read the PIDs and TIDs of a CRIU image directory (pstree.img), in restore order. */
#ifndef PIDCYCLE_CRIU_IMAGE_H
#define PIDCYCLE_CRIU_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* CRIU's image framing (criu/include/magic.h). */
#define CRIU_IMG_COMMON_MAGIC	0x54564319u	/* head of images since 1.1 */
#define CRIU_IMG_SERVICE_MAGIC	0x55105940u	/* head of service files */
#define CRIU_PSTREE_MAGIC	0x50273030u
/* A pstree.img is small (6 bytes or so a task): anything bigger is not one. */
#define CRIU_PSTREE_MAX		(64u << 20)

enum criu_kind { CRIU_PID, CRIU_TID };

struct criu_task {
	uint32_t id;		/* as the image has it: may be 0 or > INT_MAX */
	enum criu_kind kind;
	size_t process;		/* index of its process in the image */
};

/*
 * Every number a restore asks for, in CRIU's order: each process's PID in
 * the image's order, then each process's threads (all but the leader, whose
 * TID is its PID), process by process.
 */
struct criu_tasks {
	size_t n, processes;
	struct criu_task *v;
};

/*
 * Parse a pstree.img held in memory: the magic (the common head magic and
 * PSTREE_MAGIC, or PSTREE_MAGIC alone in the oldest images), then entries of
 * a 32-bit length and a pstree_entry message. 0, or -EBADMSG (or -ENOMEM)
 * with a message in err that says what is wrong and where. *out is then
 * empty.
 */
int criu_pstree_parse(const uint8_t *buf, size_t len, struct criu_tasks *out,
		      char *err, size_t errlen);

/* Read and parse DIR/pstree.img; -errno as above, or the open/read error
 * (then err is "": strerror says it all). */
int criu_pstree_read(const char *dir, struct criu_tasks *out, char *err,
		     size_t errlen);

void criu_tasks_free(struct criu_tasks *t);

#endif /* PIDCYCLE_CRIU_IMAGE_H */
