/* cli_parse.h - strict number parsing for the pidcycle CLI (fuzzed and unit-tested alone). */
#ifndef PIDCYCLE_CLI_PARSE_H
#define PIDCYCLE_CLI_PARSE_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Every function takes a NUL-terminated string and accepts only plain
 * decimal digits: no sign, no spaces, no prefix, no trailing junk.
 * Each returns 0 and stores *out, -EINVAL when s is not such a number
 * (NULL, empty, junk), or -ERANGE when it is one but out of range.
 * *out is left untouched on failure.
 */

/* Any integer in [min, max], with 0 <= min <= max. */
int cli_parse_int(const char *s, long long min, long long max, long long *out);

/* A PID: 1..INT_MAX (the library checks it against pid_max). */
int cli_parse_pid(const char *s, pid_t *out);

/* A count of PIDs (COUNT, --max-burn): 1..LLONG_MAX. */
int cli_parse_count(const char *s, uint64_t *out);

/* --threads: 1..1024. */
int cli_parse_threads(const char *s, unsigned int *out);

/*
 * --timeout: seconds as DIGITS or DIGITS.DIGITS, > 0, stored as
 * milliseconds rounded up (0.0001 -> 1 ms; 0 ms would mean "no limit").
 * At most UINT_MAX ms (about 49.7 days).
 */
int cli_parse_seconds(const char *s, unsigned int *ms);

#endif /* PIDCYCLE_CLI_PARSE_H */
