/* fuzz_criu.c - libFuzzer target: the pstree.img reader must answer any bytes cleanly. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "criu_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct criu_tasks t;
	char err[256] = "";
	int r = criu_pstree_parse(data, size, &t, err, sizeof(err));

	/* Success gives at least one task; a refusal says why and gives none. */
	if (r == 0 && (t.n == 0 || t.processes == 0 || t.processes > t.n))
		abort();
	if (r != 0 && (r != -EBADMSG || !err[0] || t.n || t.v))
		abort();
	for (size_t i = 0; i < t.n; i++)
		if (t.v[i].process >= t.processes)
			abort();
	criu_tasks_free(&t);
	return 0;
}
