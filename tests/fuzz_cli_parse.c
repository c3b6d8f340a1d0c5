/* fuzz_cli_parse.c - libFuzzer target: the CLI's number parsers against a plain reference model. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_parse.h"

/* Ranges for cli_parse_int: the edges the wrappers use, and a few odd ones. */
static const long long ranges[][2] = {
	{ 0, 0 }, { 0, LLONG_MAX }, { 1, INT_MAX }, { 1, 1024 },
	{ 5, 5 }, { 100, 200 }, { LLONG_MAX, LLONG_MAX }, { 0, 9 },
};

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* Saturating decimal value of a digit string; *over when > LLONG_MAX. */
static long long ref_value(const char *s, bool *over)
{
	unsigned __int128 v = 0;

	*over = false;
	for (; *s; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > LLONG_MAX) {
			*over = true;
			return LLONG_MAX;
		}
	}
	return (long long)v;
}

static bool ref_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* What cli_parse_int must answer for s in [min, max]. */
static int ref_int(const char *s, long long min, long long max, long long *v)
{
	bool over;

	if (!ref_digits(s))
		return -EINVAL;
	*v = ref_value(s, &over);
	return over || *v < min || *v > max ? -ERANGE : 0;
}

static void check_int(const char *s, long long min, long long max)
{
	long long out = -42, want = 0;
	int r = cli_parse_int(s, min, max, &out), w = ref_int(s, min, max, &want);

	CHECK(r == w);
	CHECK(r == 0 ? out == want : out == -42);
}

static void check_wrappers(const char *s)
{
	long long want = 0;
	pid_t pid = -42;
	uint64_t count = 42424242;
	unsigned int threads = 4242;
	int r;

	r = cli_parse_pid(s, &pid);
	CHECK(r == ref_int(s, 1, INT_MAX, &want));
	CHECK(r == 0 ? pid == want : pid == -42);
	r = cli_parse_count(s, &count);
	CHECK(r == ref_int(s, 1, LLONG_MAX, &want));
	CHECK(r == 0 ? count == (uint64_t)want : count == 42424242);
	r = cli_parse_threads(s, &threads);
	CHECK(r == ref_int(s, 1, 1024, &want));
	CHECK(r == 0 ? threads == want : threads == 4242);
}

/* Seconds: DIGITS[.DIGITS] -> ms rounded up; 0 and > UINT_MAX are -ERANGE. */
static int ref_seconds(const char *s, unsigned long long *ms)
{
	const char *dot = strchr(s, '.');
	unsigned __int128 whole = 0;
	unsigned long long frac = 0;
	bool rest = false;
	size_t nint = dot ? (size_t)(dot - s) : strlen(s);

	if (nint == 0 || (dot && !dot[1]))
		return -EINVAL;
	for (size_t i = 0; s[i]; i++)
		if ((s[i] < '0' || s[i] > '9') && s + i != dot)
			return -EINVAL;
	for (size_t i = 0; i < nint; i++)
		if (whole <= UINT_MAX)
			whole = whole * 10 + (unsigned)(s[i] - '0');
	for (int i = 1; i <= 3; i++)
		frac = frac * 10 + (dot && strlen(dot) > (size_t)i ? (unsigned)(dot[i] - '0') : 0);
	for (size_t i = 4; dot && i < strlen(dot); i++)
		rest |= dot[i] != '0';
	whole = whole * 1000 + frac + rest;
	if (whole == 0 || whole > UINT_MAX)
		return -ERANGE;
	*ms = (unsigned long long)whole;
	return 0;
}

static void check_seconds(const char *s)
{
	unsigned long long want = 0;
	unsigned int ms = 4242;
	int r = cli_parse_seconds(s, &ms), w = ref_seconds(s, &want);

	CHECK(r == w);
	CHECK(r == 0 ? ms == want && ms > 0 : ms == 4242);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size == 0)
		return 0;
	/* The first byte picks a range; the rest is the string (up to a NUL). */
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	check_int(s, ranges[data[0] % 8][0], ranges[data[0] % 8][1]);
	check_wrappers(s);
	check_seconds(s);
	free(s);
	return 0;
}
