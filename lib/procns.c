/* procns.c - which PID namespace /proc shows, and our numbers as seen through an ancestor's /proc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* How many numbers the line `name` ("NSpid:") lists; value `at` into *v. */
static int ns_field(const char *buf, const char *name, int at, pid_t *v)
{
	const char *p = strstr(buf, name);
	int n = 0;

	if (!p)
		return -1;
	p += strlen(name);
	for (;;) {
		char *end;
		long x = strtol(p, &end, 10);

		if (end == p || *p == '\n')
			break;
		if (n++ == at && v)
			*v = (pid_t)x;
		p = end;
	}
	return n;
}

/*
 * /proc/self resolves to us in the namespace of the /proc mount, and our
 * NSpid line lists our number in that namespace and in each below it, ours
 * last. One number: /proc is our namespace's. More: it is an ancestor's, and
 * our numbers are at that index of every NSpid-like line. /proc/self not
 * resolving: /proc is some other namespace's, which does not show us
 * (unshare --pid --fork without --mount-proc shows the parent's).
 */
int pc_proc_level(void)
{
	char buf[4096];
	ssize_t err = pc_proc_read("/proc/self/status", buf, sizeof(buf));
	int n;

	if (err < 0)
		return err == -ENOENT ? -1 : 0;	/* unreadable otherwise: assume ours */
	n = ns_field(buf, "NSpid:", 0, NULL);
	return n > 1 ? n - 1 : 0;	/* no NSpid line (before 4.1): ours */
}

/* PID/TID, group and session of the task at `dir`, at `level`; 0 if none there. */
static void task_ids(const char *dir, int level, struct pc_proc_ids *ids)
{
	char path[700], buf[4096];

	memset(ids, 0, sizeof(*ids));
	snprintf(path, sizeof(path), "%s/status", dir);
	if (pc_proc_read(path, buf, sizeof(buf)) < 0)
		return;
	if (ns_field(buf, "NSpid:", level, &ids->pid) <= level)
		ids->pid = 0;	/* not in our namespace (nor below it) */
	if (ns_field(buf, "NSpgid:", level, &ids->pgid) <= level)
		ids->pgid = 0;
	if (ns_field(buf, "NSsid:", level, &ids->sid) <= level)
		ids->sid = 0;
}

struct each_task {
	int level;
	pc_proc_task_fn fn;
	void *arg;
	const char *pid;	/* the process whose threads are walked */
};

static bool one_thread(void *arg, const char *tid)
{
	struct each_task *t = arg;
	struct pc_proc_ids ids;
	char dir[600];

	snprintf(dir, sizeof(dir), "/proc/%s/task/%s", t->pid, tid);
	task_ids(dir, t->level, &ids);
	if (ids.pid)
		t->fn(t->arg, &ids);
	return false;
}

static bool each_thread(void *arg, const char *pid)
{
	struct each_task *t = arg;
	char dir[300];

	t->pid = pid;
	snprintf(dir, sizeof(dir), "/proc/%s/task", pid);
	pc_proc_each(dir, one_thread, t);
	return false;
}

void pc_proc_each_task(int level, pc_proc_task_fn fn, void *arg)
{
	struct each_task t = { .level = level, .fn = fn, .arg = arg };

	pc_proc_each("/proc", each_thread, &t);
}
