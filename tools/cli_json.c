/* cli_json.c - the CLI's one JSON writer (strings escaped, no inf/nan). */
#include "cli_json.h"

#include <math.h>

void cli_json_key(FILE *f, const char *key)
{
	if (key)
		fprintf(f, "\"%s\":", key);
}

/* Length of the valid UTF-8 sequence at s, or 0 (a comm or a path may hold any byte). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 :
		   s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : 0;
	unsigned int cp;

	if (!n || s[0] > 0xf4)
		return 0;
	cp = s[0] & (0xff >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void cli_json_str(FILE *f, const char *key, const char *v, const char *sep)
{
	const unsigned char *s = (const unsigned char *)v;

	cli_json_key(f, key);
	fputc('"', f);
	while (*s) {
		size_t n = *s >= 0x80 ? utf8_len(s) : 1;

		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else if (n)
			fwrite(s, 1, n, f);
		else
			fputs("\\ufffd", f);	/* not UTF-8: JSON must be */
		s += n ? n : 1;
	}
	fprintf(f, "\"%s", sep);
}

void cli_json_num(FILE *f, const char *key, double v, const char *sep)
{
	cli_json_key(f, key);
	if (isfinite(v))
		fprintf(f, "%.10g%s", v, sep);
	else
		fprintf(f, "null%s", sep);
}

void cli_json_int(FILE *f, const char *key, long long v, const char *sep)
{
	cli_json_key(f, key);
	fprintf(f, "%lld%s", v, sep);
}

void cli_json_uint(FILE *f, const char *key, unsigned long long v, const char *sep)
{
	cli_json_key(f, key);
	fprintf(f, "%llu%s", v, sep);
}

void cli_json_bool(FILE *f, const char *key, bool v, const char *sep)
{
	cli_json_key(f, key);
	fprintf(f, "%s%s", v ? "true" : "false", sep);
}

void cli_json_null(FILE *f, const char *key, const char *sep)
{
	cli_json_key(f, key);
	fprintf(f, "null%s", sep);
}
