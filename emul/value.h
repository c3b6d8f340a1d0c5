/* value.h - the kernel's parsing rules for a write to ns_last_pid (value.c). */
#ifndef PIDCYCLE_EMUL_VALUE_H
#define PIDCYCLE_EMUL_VALUE_H

#include <stddef.h>

/*
 * Parse a write of count bytes at offset 0 as the kernel does for
 * ns_last_pid in a namespace whose pid_max is pid_max. Returns the bytes the
 * kernel would consume (the write's result, at most count) and the value in
 * *value, or -EINVAL. 0 for an empty write: nothing to do, *value unset.
 */
long emul_parse_value(const char *buf, size_t count, long pid_max, long *value);

#endif /* PIDCYCLE_EMUL_VALUE_H */
