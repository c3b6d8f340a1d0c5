/* cli_parse.c - strict decimal parsing of the CLI's numbers (PIDs, counts, seconds). */
#include "cli_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

/* strtoll alone would accept spaces, a sign and "0x": check digits first. */
static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int cli_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!all_digits(s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_pid(const char *s, pid_t *out)
{
	long long v;
	int ret = cli_parse_int(s, 1, INT_MAX, &v);

	if (ret == 0)
		*out = (pid_t)v;
	return ret;
}

int cli_parse_count(const char *s, uint64_t *out)
{
	long long v;
	int ret = cli_parse_int(s, 1, LLONG_MAX, &v);

	if (ret == 0)
		*out = (uint64_t)v;
	return ret;
}

int cli_parse_threads(const char *s, unsigned int *out)
{
	long long v;
	int ret = cli_parse_int(s, 1, 1024, &v);

	if (ret == 0)
		*out = (unsigned int)v;
	return ret;
}

/* Whole seconds, then up to three fraction digits as ms; any further
 * non-zero digit rounds up, so a tiny positive value never becomes 0. */
int cli_parse_seconds(const char *s, unsigned int *ms)
{
	unsigned long long total = 0;
	bool digits = false, frac_rest = false;
	int frac = -1;		/* fraction digits seen; -1 = no '.' yet */

	if (!s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s == '.' && frac < 0 && digits) {
			frac = 0;
			digits = false;	/* need a digit after the dot too */
			continue;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		digits = true;
		if (frac >= 3) {
			frac_rest |= *s != '0';
			continue;
		}
		if (frac >= 0)
			frac++;
		if (total <= UINT_MAX)	/* stop growing once out of range */
			total = total * 10 + (unsigned)(*s - '0');
	}
	if (!digits)
		return -EINVAL;
	for (int i = frac < 0 ? 0 : frac; i < 3; i++)
		if (total <= UINT_MAX)
			total *= 10;
	total += frac_rest;
	if (total == 0 || total > UINT_MAX)
		return -ERANGE;
	*ms = (unsigned int)total;
	return 0;
}
