/* cli_json.h - the CLI's one JSON writer: "key":value members, to any stdio stream. */
#ifndef PIDCYCLE_CLI_JSON_H
#define PIDCYCLE_CLI_JSON_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Each writes one member, "key":value, then sep (",", "}" or "}\n"). A NULL
 * key writes the value alone (an array element).
 */
void cli_json_str(FILE *f, const char *key, const char *v, const char *sep);
/* JSON has no inf/nan: an unknown number becomes null. */
void cli_json_num(FILE *f, const char *key, double v, const char *sep);
void cli_json_int(FILE *f, const char *key, long long v, const char *sep);
void cli_json_uint(FILE *f, const char *key, unsigned long long v, const char *sep);
void cli_json_bool(FILE *f, const char *key, bool v, const char *sep);
void cli_json_null(FILE *f, const char *key, const char *sep);
/* "key": with no value: the caller writes an object or array next. */
void cli_json_key(FILE *f, const char *key);

#endif /* PIDCYCLE_CLI_JSON_H */
