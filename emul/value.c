/* value.c - what the kernel makes of a write to ns_last_pid: its parsing rules, exactly. */
/*
 * kernel/pid_namespace.c hands the write to proc_dointvec_minmax() with the
 * range 0..pid_max (kernel/sysctl.c __do_proc_dointvec, proc_get_long):
 *  - leading white space (the kernel's isspace(), which includes 0xa0) is
 *    skipped; nothing else before the number, so "+5" is EINVAL;
 *  - one optional '-', then a number in C notation (strtoul base 0: "0x1f"
 *    is hex, "017" octal), at most 20 characters long;
 *  - right after the number: the end, ' ', '\t' or '\n', else EINVAL;
 *  - out of 0..pid_max (negative included) is EINVAL;
 *  - white space after it is consumed; anything further is not, and the
 *    write returns the bytes it consumed (a short write);
 *  - only the first PAGE_SIZE - 1 bytes are looked at, but a longer write
 *    counts them as consumed;
 *  - an empty write is 0 and does nothing.
 * Shared by the server (which answers the write) and the preload (which
 * must know the value a successful write asked for).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "value.h"

/* kernel/sysctl.c: TMPBUFLEN */
#define TMPBUFLEN 22
#define PAGE_LIMIT 4095

static int k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static unsigned int digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* lib/kstrtox.c _parse_integer_fixup_radix + _parse_integer, base 0. */
static int parse_ulong(const char *s, const char **end, unsigned long *out)
{
	unsigned int base = 10;
	unsigned long v = 0;
	const char *p = s;

	if (p[0] == '0') {
		if ((p[1] == 'x' || p[1] == 'X') && digit_value((unsigned char)p[2]) < 16) {
			base = 16;
			p += 2;
		} else {
			base = 8;
		}
	}
	*end = p;
	for (; digit_value((unsigned char)*p) < base; p++) {
		unsigned int d = digit_value((unsigned char)*p);

		if (v > (ULONG_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (p == *end)
		return -EINVAL;
	*end = p;
	*out = v;
	return 0;
}

/* proc_get_long: one number from p[0..size), separators " \t\n". */
static int get_long(const char **pp, size_t *size, unsigned long *val, int *neg)
{
	char tmp[TMPBUFLEN];
	size_t len = *size < TMPBUFLEN - 1 ? *size : TMPBUFLEN - 1;
	const char *p = tmp, *end;

	memcpy(tmp, *pp, len);
	tmp[len] = '\0';
	*neg = 0;
	if (*p == '-' && *size > 1) {
		*neg = 1;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -EINVAL;
	if (parse_ulong(p, &end, val))
		return -EINVAL;
	len = (size_t)(end - tmp);
	if (len == TMPBUFLEN - 1)
		return -EINVAL;
	if (len < *size && !memchr(" \t\n", *end, 3))
		return -EINVAL;
	*pp += len;
	*size -= len;
	return 0;
}

static void skip_spaces(const char **p, size_t *left)
{
	while (*left && k_isspace((unsigned char)**p)) {
		(*p)++;
		(*left)--;
	}
}

long emul_parse_value(const char *buf, size_t count, long pid_max, long *value)
{
	size_t left = count > PAGE_LIMIT ? PAGE_LIMIT : count;
	const char *p = buf;
	unsigned long v;
	long val;
	int neg;

	if (count == 0)
		return 0;	/* the kernel answers 0 and reads nothing */
	skip_spaces(&p, &left);
	if (!left || get_long(&p, &left, &v, &neg))
		return -EINVAL;
	if (neg ? v > (unsigned long)INT_MAX + 1 : v > INT_MAX)
		return -EINVAL;
	val = neg ? -(long)v : (long)v;
	if (val < 0 || val > pid_max)
		return -EINVAL;
	skip_spaces(&p, &left);
	*value = val;
	return (long)(count - left);
}
