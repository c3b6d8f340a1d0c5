/* holder.c - who holds a number: a process, a thread, a group, a session, a zombie. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* /proc/N/status is about 1.5 KiB; the fields we want come early. */
#define STATUS_MAX 4096

/* What /proc/N/status says about a task. */
struct task_facts {
	pid_t tgid;
	char state;		/* 'R', 'S', 'Z', ... */
	uid_t uid;		/* real uid, (uid_t)-1 if unknown */
};

/* Read a small /proc file into buf (NUL-terminated); its length or -1. */
static ssize_t read_proc(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < size - 1) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return got ? (ssize_t)got : -1;
}

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
	if (read_proc(path, buf, sizeof(buf)) < 0)
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
	n = read_proc(path, buf, sizeof(buf));
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

/* Fields 5 and 6 of /proc/P/stat, after the comm (which may hold anything). */
static int read_groups(const char *pid, pid_t *pgrp, pid_t *sid)
{
	char path[300], buf[512], *p;
	int g, s;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if (read_proc(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %d %d", &g, &s) != 2)
		return -1;
	*pgrp = g;
	*sid = s;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * A group or session whose leader is gone: find a member. A group wins over
 * a session (both can hold the same number only when the leader was both).
 */
static bool find_member(pid_t n, struct pidcycle_holder *h)
{
	pid_t in_session = 0, in_group = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && !in_group && (e = readdir(d))) {
		pid_t pgrp, sid;

		if (!all_digits(e->d_name) || read_groups(e->d_name, &pgrp, &sid))
			continue;
		if (pgrp == n)
			in_group = (pid_t)atoi(e->d_name);
		else if (sid == n && !in_session)
			in_session = (pid_t)atoi(e->d_name);
	}
	if (d)
		closedir(d);
	if (!in_group && !in_session)
		return false;
	h->how = in_group ? PIDCYCLE_HOLD_PGRP : PIDCYCLE_HOLD_SESSION;
	describe(in_group ? in_group : in_session, h);
	return true;
}

bool pc_group_of_others(pid_t n, pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool held = false;

	while (d && !held && (e = readdir(d))) {
		pid_t pgrp, sid;

		if (all_digits(e->d_name) && atoi(e->d_name) != self &&
		    read_groups(e->d_name, &pgrp, &sid) == 0)
			held = pgrp == n || sid == n;
	}
	if (d)
		closedir(d);
	return held;
}

bool pc_number_seen(pid_t n)
{
	char path[32];
	int saved = errno;
	bool seen;

	/*
	 * /proc/N resolves every TID; kill(N, 0) finds a task /proc hides
	 * (hidepid: EPERM); kill(-N, 0) a group whose leader is gone.
	 */
	snprintf(path, sizeof(path), "/proc/%d", (int)n);
	seen = access(path, F_OK) == 0 || kill(n, 0) == 0 || errno == EPERM ||
	       kill(-n, 0) == 0 || errno == EPERM;
	errno = saved;
	return seen;
}

int pc_holder_find(pid_t n, struct pidcycle_holder *h)
{
	struct task_facts t;
	int saved = errno;

	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->number = n;
	h->uid = (uid_t)-1;
	if (read_facts(n, &t) == 0) {
		/* A thread's TID: the process it belongs to holds it. */
		h->how = t.tgid == n ? PIDCYCLE_HOLD_PID : PIDCYCLE_HOLD_TID;
		describe(t.tgid, h);
	} else if (!find_member(n, h) && pc_number_seen(n)) {
		h->how = PIDCYCLE_HOLD_HIDDEN;
	}
	errno = saved;
	return h->how != PIDCYCLE_HOLD_NONE;
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
