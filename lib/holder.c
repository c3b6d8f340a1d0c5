/* holder.c - who holds a number: a process, a thread, a group, a session, a zombie. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* /proc/N/status is about 1.5 KiB; the fields we want come early. */
#define STATUS_MAX 4096

/* What /proc/N/status says about a task. */
struct task_facts {
	pid_t tgid;
	char state;		/* 'R', 'S', 'Z', ... */
	uid_t uid;		/* real uid, (uid_t)-1 if unknown */
};

/* The value after "Key:" at the start of a line of buf, or NULL. */
static const char *field(const char *buf, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == ':')
			return p + k + 1;
	return NULL;
}

static int read_facts(pid_t n, struct task_facts *t)
{
	char path[48], buf[STATUS_MAX];
	const char *v;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)n);
	if (pc_proc_read(path, buf, sizeof(buf)) < 0)
		return -1;
	v = field(buf, "Tgid");
	t->tgid = v ? (pid_t)strtol(v, NULL, 10) : 0;
	v = field(buf, "State");
	while (v && (*v == ' ' || *v == '\t'))
		v++;
	t->state = v ? *v : '?';
	v = field(buf, "Uid");
	t->uid = v ? (uid_t)strtoul(v, NULL, 10) : (uid_t)-1;
	return t->tgid > 0 ? 0 : -1;
}

/* comm of process pid, as the kernel keeps it (no escaping), or "". */
static void read_comm(pid_t pid, char *comm, size_t size)
{
	char path[48], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	n = pc_proc_read(path, buf, sizeof(buf));
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n < 0)
		n = 0;
	if ((size_t)n >= size)	/* comm is at most 15 bytes: never, really */
		n = (ssize_t)size - 1;
	memcpy(comm, buf, (size_t)n);
	comm[n] = '\0';
}

/* Fill in the process that holds the number (or belongs to its group). */
static void describe(pid_t pid, struct pidcycle_holder *h)
{
	struct task_facts t = { .uid = (uid_t)-1 };

	h->pid = pid;
	if (read_facts(pid, &t) == 0) {
		h->zombie = t.state == 'Z' || t.state == 'X';
		h->uid = t.uid;
	}
	read_comm(pid, h->comm, sizeof(h->comm));
}

struct member {
	pid_t n, self;		/* the number; a process to leave out */
	pid_t in_group, in_session;
};

static bool member_of(void *arg, const char *name)
{
	struct member *m = arg;
	pid_t pid = (pid_t)atoi(name), pgrp, sid;

	if (pid == m->self || pc_proc_groups(name, &pgrp, &sid))
		return false;
	if (pgrp == m->n)
		m->in_group = pid;
	else if (sid == m->n && !m->in_session)
		m->in_session = pid;
	return m->in_group;	/* a group is what we want most */
}

/*
 * A group or session whose leader is gone: find a member. A group wins over
 * a session (both can hold the same number only when the leader was both).
 */
static bool find_member(pid_t n, struct pidcycle_holder *h)
{
	struct member m = { .n = n };

	pc_proc_each("/proc", member_of, &m);
	if (!m.in_group && !m.in_session)
		return false;
	h->how = m.in_group ? PIDCYCLE_HOLD_PGRP : PIDCYCLE_HOLD_SESSION;
	describe(m.in_group ? m.in_group : m.in_session, h);
	return true;
}

bool pc_group_of_others(pid_t n, pid_t self)
{
	struct member m = { .n = n, .self = self };

	pc_proc_each("/proc", member_of, &m);
	return m.in_group || m.in_session;
}

int pc_holder_find(pid_t n, struct pidcycle_holder *h)
{
	struct task_facts t;
	int saved = errno;

	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->number = n;
	h->uid = (uid_t)-1;
	if (pc_proc_level() != 0) {
		/* /proc is another namespace's: it cannot say who. */
		if (pc_pid_in_use(n))
			h->how = PIDCYCLE_HOLD_HIDDEN;
	} else if (read_facts(n, &t) == 0) {
		/* A thread's TID: the process it belongs to holds it. */
		h->how = t.tgid == n ? PIDCYCLE_HOLD_PID : PIDCYCLE_HOLD_TID;
		describe(t.tgid, h);
	} else if (!find_member(n, h) && pc_number_seen(n)) {
		h->how = PIDCYCLE_HOLD_HIDDEN;
	}
	errno = saved;
	return h->how != PIDCYCLE_HOLD_NONE;
}

/* comm as the kernel keeps it can hold anything: no control characters or quotes. */
static void safe_comm(const char *comm, char *out, size_t n)
{
	size_t i = 0;

	for (; comm[i] && i + 1 < n; i++)
		out[i] = (unsigned char)comm[i] < 0x20 || comm[i] == 0x7f ||
			 comm[i] == '\'' ? '?' : comm[i];
	out[i] = '\0';
}

/* "5001 'sleep', uid 1000", leaving out what is not known. */
static void process_text(const struct pidcycle_holder *h, char *buf, size_t n)
{
	char comm[sizeof(h->comm)], uid[32] = "";
	int len;

	safe_comm(h->comm, comm, sizeof(comm));
	if (h->uid != (uid_t)-1)
		snprintf(uid, sizeof(uid), ", uid %u", (unsigned int)h->uid);
	len = snprintf(buf, n, "%s%d", h->zombie ? "zombie " : "", (int)h->pid);
	if (len >= 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, "%s%s%s%s", *comm ? " '" : "",
			 comm, *comm ? "'" : "", uid);
}

int pidcycle_holder_text(const struct pidcycle_holder *h, char *buf, size_t n)
{
	char proc[96];

	/* Every field read here is in the struct of 0.2, the first one. */
	if (!h || h->sz < offsetof(struct pidcycle_holder, comm) + sizeof(h->comm) ||
	    (!buf && n))
		return -EINVAL;
	process_text(h, proc, sizeof(proc));
	switch (h->how) {
	case PIDCYCLE_HOLD_NONE:
		return snprintf(buf, n, "free");
	case PIDCYCLE_HOLD_PID:
		return snprintf(buf, n, "%s", proc);
	case PIDCYCLE_HOLD_TID:
		return snprintf(buf, n, "thread %d of %s", (int)h->number, proc);
	case PIDCYCLE_HOLD_PGRP:
		return snprintf(buf, n, "the process group of %s", proc);
	case PIDCYCLE_HOLD_SESSION:
		return snprintf(buf, n, "the session of %s", proc);
	default:
		return snprintf(buf, n, "a task hidden from /proc");
	}
}

int pidcycle_holder(pid_t number, struct pidcycle_holder *h)
{
	struct pidcycle_holder out;
	pid_t max;
	int held;

	if (!h || h->sz < sizeof(size_t))
		return -EINVAL;
	max = pc_pid_max();
	if (max < 0)
		return max;
	if (number <= 0 || number >= max)
		return -EINVAL;
	held = pc_holder_find(number, &out);
	pc_copy_out(h, &out, sizeof(out));
	return held;
}
