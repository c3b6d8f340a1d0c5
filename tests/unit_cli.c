/* unit_cli.c - cmocka tests of the CLI's strict number parsing (tools/cli_parse.c). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli_parse.h"

/* Strings no number parser may accept. */
static const char *const junk[] = {
	"", " 1", "1 ", "+1", "-1", "0x10", "1e3", "12a", "a12", "1\n", "١",
};
#define N_JUNK (sizeof(junk) / sizeof(junk[0]))

static void parse_int_range(void **state)
{
	long long v = 0;

	(void)state;
	assert_int_equal(cli_parse_int("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_int("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(cli_parse_int("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	v = 99;
	assert_int_equal(cli_parse_int("11", 0, 10, &v), -ERANGE);
	assert_int_equal(cli_parse_int("4", 5, 10, &v), -ERANGE);
	assert_int_equal(cli_parse_int("99999999999999999999999", 0, LLONG_MAX, &v),
			 -ERANGE);
	assert_int_equal(v, 99);
	assert_int_equal(cli_parse_int("9223372036854775807", 0, LLONG_MAX, &v), 0);
	assert_true(v == LLONG_MAX);
}

static void parse_int_junk(void **state)
{
	long long v = 42;

	(void)state;
	assert_int_equal(cli_parse_int(NULL, 0, 10, &v), -EINVAL);
	for (size_t i = 0; i < N_JUNK; i++) {
		if (cli_parse_int(junk[i], 0, 1000, &v) != -EINVAL)
			fail_msg("cli_parse_int(\"%s\") != -EINVAL", junk[i]);
	}
	assert_int_equal(v, 42);
}

static void parse_pid(void **state)
{
	pid_t p = 77;

	(void)state;
	assert_int_equal(cli_parse_pid("1", &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(cli_parse_pid("4194303", &p), 0);
	assert_int_equal(p, 4194303);
	assert_int_equal(cli_parse_pid("2147483647", &p), 0);
	assert_int_equal(p, INT_MAX);
	p = 77;
	assert_int_equal(cli_parse_pid("0", &p), -ERANGE);
	assert_int_equal(cli_parse_pid("2147483648", &p), -ERANGE);
	assert_int_equal(cli_parse_pid("-5", &p), -EINVAL);
	assert_int_equal(cli_parse_pid("abc", &p), -EINVAL);
	assert_int_equal(cli_parse_pid(NULL, &p), -EINVAL);
	for (size_t i = 0; i < N_JUNK; i++)
		assert_int_equal(cli_parse_pid(junk[i], &p), -EINVAL);
	assert_int_equal(p, 77);
}

static void parse_count(void **state)
{
	uint64_t c = 5;

	(void)state;
	assert_int_equal(cli_parse_count("1000", &c), 0);
	assert_true(c == 1000);
	assert_int_equal(cli_parse_count("9223372036854775807", &c), 0);
	assert_true(c == (uint64_t)LLONG_MAX);
	c = 5;
	assert_int_equal(cli_parse_count("0", &c), -ERANGE);
	assert_int_equal(cli_parse_count("9223372036854775808", &c), -ERANGE);
	assert_int_equal(cli_parse_count("1k", &c), -EINVAL);
	assert_true(c == 5);
}

static void parse_threads(void **state)
{
	unsigned int t = 9;

	(void)state;
	assert_int_equal(cli_parse_threads("1", &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(cli_parse_threads("1024", &t), 0);
	assert_int_equal(t, 1024);
	t = 9;
	assert_int_equal(cli_parse_threads("0", &t), -ERANGE);
	assert_int_equal(cli_parse_threads("1025", &t), -ERANGE);
	assert_int_equal(cli_parse_threads("two", &t), -EINVAL);
	assert_int_equal(t, 9);
}

static void parse_seconds_good(void **state)
{
	static const struct {
		const char *s;
		unsigned int ms;
	} ok[] = {
		{ "1", 1000 }, { "1.5", 1500 }, { "0.001", 1 }, { "0.0001", 1 },
		{ "0.0010", 1 }, { "0.0011", 2 }, { "2.25", 2250 },
		{ "0.999", 999 }, { "4294967.295", UINT_MAX }, { "007", 7000 },
	};
	unsigned int ms;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int r;

		ms = 0;
		r = cli_parse_seconds(ok[i].s, &ms);
		if (r || ms != ok[i].ms)
			fail_msg("cli_parse_seconds(\"%s\") = %d, %u ms; want %u ms",
				 ok[i].s, r, ms, ok[i].ms);
	}
}

static void parse_seconds_bad(void **state)
{
	static const char *const inval[] = {
		"", ".5", "1.", "1..5", "1.2.3", "-1", "1s", " 1", "1 ", "abc",
	};
	static const char *const range[] = {
		"0", "0.0", "0.0000", "4294967.296", "4294967.2951",
		"99999999999999999999",
	};
	unsigned int ms = 123;

	(void)state;
	assert_int_equal(cli_parse_seconds(NULL, &ms), -EINVAL);
	for (size_t i = 0; i < sizeof(inval) / sizeof(inval[0]); i++)
		if (cli_parse_seconds(inval[i], &ms) != -EINVAL)
			fail_msg("cli_parse_seconds(\"%s\") != -EINVAL", inval[i]);
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		if (cli_parse_seconds(range[i], &ms) != -ERANGE)
			fail_msg("cli_parse_seconds(\"%s\") != -ERANGE", range[i]);
	assert_int_equal(ms, 123);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_int_range),
		cmocka_unit_test(parse_int_junk),
		cmocka_unit_test(parse_pid),
		cmocka_unit_test(parse_count),
		cmocka_unit_test(parse_threads),
		cmocka_unit_test(parse_seconds_good),
		cmocka_unit_test(parse_seconds_bad),
	};

	return cmocka_run_group_tests_name("unit-cli", tests, NULL, NULL);
}
