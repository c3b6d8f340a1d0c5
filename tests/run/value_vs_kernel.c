/* value_vs_kernel.c - the emulation's parsing of ns_last_pid writes against the kernel's own, case by case. */
/*
 * Run as root in a private PID namespace (it writes that namespace's
 * ns_last_pid). For each input, the real write's result (bytes or errno) and
 * the value read back afterwards must be what emul_parse_value() says.
 * Prints one line per disagreement; exit 0 when there is none.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "value.h"

#define LASTPID "/proc/sys/kernel/ns_last_pid"

static long read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? atol(buf) : -1;
}

/* The kernel's answer: bytes written or -errno; *after: the value then. */
static long kernel_write(const char *buf, size_t len, long *after)
{
	int fd = open(LASTPID, O_WRONLY);
	ssize_t n;
	long r;

	if (fd < 0)
		return -1000 - errno;
	n = write(fd, buf, len);
	r = n < 0 ? -errno : n;
	close(fd);
	*after = read_long(LASTPID);
	return r;
}

static int check(const char *label, const char *buf, size_t len, long pid_max)
{
	long v = -1, after, want = emul_parse_value(buf, len, pid_max, &v);
	long got;

	/* Start from a value no case writes, so a changed cursor shows. */
	kernel_write("777", 3, &after);
	got = kernel_write(buf, len, &after);
	if (got != want || (got > 0 && after != v) || (got < 0 && after != 777)) {
		printf("value_vs_kernel: %s: kernel %ld (then %ld), emulation %ld "
		       "(value %ld)\n", label, got, after, want, v);
		return 1;
	}
	return 0;
}

int main(void)
{
	static const char *cases[] = {
		"5", "5\n", " 5", "\t5\n", "\n\n5", "+5", "-1", "-0", "0", "0x10",
		"0X1f", "010", "08", "0x", "0xg", "5 6", "5\t", "5\r", "5\v", "5x",
		"", " ", "\n", "-", "--5", "5-", "999999999999999999999",
		"12345678901234567890123", "00000000000000000005",
		"000000000000000000005", "2147483647", "2147483648", "-2147483648",
		"\xa0" "5", "5\xa0", "\v5", "\r5", "1 ", "1  \n\n",
	};
	char big[6000], pm[32], pm1[32];
	long pid_max = read_long("/proc/sys/kernel/pid_max");
	int bad = 0;

	if (getpid() != 1 && getenv("VALUE_VS_KERNEL_ANYWHERE") == NULL) {
		fprintf(stderr, "value_vs_kernel: run as PID 1 of a private PID namespace\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad += check(cases[i], cases[i], strlen(cases[i]), pid_max);
	snprintf(pm, sizeof(pm), "%ld", pid_max);
	snprintf(pm1, sizeof(pm1), "%ld", pid_max + 1);
	bad += check("pid_max", pm, strlen(pm), pid_max);
	bad += check("pid_max+1", pm1, strlen(pm1), pid_max);
	memset(big, ' ', sizeof(big));
	big[0] = '9';
	bad += check("9 and 5999 spaces", big, sizeof(big), pid_max);
	big[4100] = '7';
	bad += check("9, spaces, 7 past the page", big, sizeof(big), pid_max);
	big[4100] = ' ';
	big[3000] = '7';
	bad += check("9, spaces, 7 within the page", big, sizeof(big), pid_max);
	printf("value_vs_kernel: %d case(s) differ\n", bad);
	return bad != 0;
}
