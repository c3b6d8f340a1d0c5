/* logsink.h - PIDCYCLE_LOG's destinations (logsink.c). */
#ifndef PIDCYCLE_EMUL_LOGSINK_H
#define PIDCYCLE_EMUL_LOGSINK_H

#include <stddef.h>

enum logsink { LOGSINK_OFF, LOGSINK_STDERR, LOGSINK_FILE };

/* What a PIDCYCLE_LOG value means (NULL: off). */
enum logsink logsink_kind(const char *value);
/* Write one whole line where value says; errno may change. */
void logsink_write(const char *value, const char *line, size_t len);

#endif /* PIDCYCLE_EMUL_LOGSINK_H */
