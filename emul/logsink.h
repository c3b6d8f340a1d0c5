/* logsink.h - PIDCYCLE_LOG's lines and where they go (logsink.c). */
#ifndef PIDCYCLE_EMUL_LOGSINK_H
#define PIDCYCLE_EMUL_LOGSINK_H

#include <stdarg.h>
#include <stddef.h>

enum logsink { LOGSINK_OFF, LOGSINK_STDERR, LOGSINK_FILE };

/* What a PIDCYCLE_LOG value means (NULL: off). */
enum logsink logsink_kind(const char *value);
/* prefix, then fmt formatted, then a newline, as one line of at most 511
 * bytes (cut to fit) written where value says; errno may change. */
void logsink_vline(const char *value, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif /* PIDCYCLE_EMUL_LOGSINK_H */
