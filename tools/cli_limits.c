/* cli_limits.c - which limit on tasks (pids cgroup, RLIMIT_NPROC, threads-max) has no room left. */
#include "cli_limits.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A limit is "near" with at most this much room: a call's helpers and
 * their short-lived children fit in it (1024 workers at most). */
#define NEAR_ROOM 2048

#define CAP_SYS_ADMIN_BIT 21
#define CAP_SYS_RESOURCE_BIT 24

/* The limit with the least room found so far. */
struct best {
	bool found;
	long long room;
	char what[256];
};

static void consider(struct best *b, long long max, long long cur,
		     const char *what)
{
	long long room = max - cur;

	if (b->found && room >= b->room)
		return;
	size_t n = strlen(what);

	b->found = true;
	b->room = room;
	if (n >= sizeof(b->what))	/* a very deep cgroup path: cut */
		n = sizeof(b->what) - 1;
	memcpy(b->what, what, n);
	b->what[n] = '\0';
}

/* A small file, NUL-terminated, trailing newline removed; 0 or -1. */
static int slurp(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	size_t got;

	if (!f)
		return -1;
	got = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[got] = '\0';
	if (got && buf[got - 1] == '\n')
		buf[got - 1] = '\0';
	return got ? 0 : -1;
}

static bool read_ll(const char *path, long long *v)
{
	char buf[64], *end;

	if (slurp(path, buf, sizeof(buf)))
		return false;
	*v = strtoll(buf, &end, 10);
	return end != buf && !*end;
}

/* ---- pids cgroups ---------------------------------------------------- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = '\0';
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/*
 * The mount of a cgroup hierarchy: cgroup2 (v2), or the v1 cgroup mount
 * with the pids controller. Its root and mount point go to root/dir.
 */
static bool find_mount(const char *proc, bool v2, char *root, char *dir, size_t n)
{
	char path[PATH_MAX], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/mountinfo", proc);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *fields[6] = { NULL }, *save = NULL, *dash, *fstype, *opts;
		int i = 0;

		dash = strstr(line, " - ");
		if (!dash)
			continue;
		*dash = '\0';
		for (char *t = strtok_r(line, " ", &save); t && i < 6;
		     t = strtok_r(NULL, " ", &save))
			fields[i++] = t;
		fstype = strtok_r(dash + 3, " ", &save);
		strtok_r(NULL, " ", &save);	/* source */
		opts = strtok_r(NULL, " \n", &save);
		if (i < 5 || !fstype)
			continue;
		if (v2 ? strcmp(fstype, "cgroup2") != 0 :
			 strcmp(fstype, "cgroup") != 0 || !opts || !has_word(opts, "pids"))
			continue;
		unescape(fields[3]);
		unescape(fields[4]);
		snprintf(root, n, "%s", fields[3]);
		snprintf(dir, n, "%s", fields[4]);
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

/* pids.max and pids.current of one cgroup directory, if it limits. */
static void one_level(struct best *b, const char *dir, const char *name)
{
	char path[PATH_MAX + 16], what[PATH_MAX + 64];
	long long max, cur;

	snprintf(path, sizeof(path), "%s/pids.max", dir);
	if (!read_ll(path, &max))	/* "max", or no pids controller here */
		return;
	snprintf(path, sizeof(path), "%s/pids.current", dir);
	if (!read_ll(path, &cur))
		return;
	snprintf(what, sizeof(what), "pids cgroup %s: pids.max %lld, pids.current %lld",
		 name, max, cur);
	consider(b, max, cur, what);
}

/* From the caller's cgroup up to the hierarchy's root: each level limits. */
static void walk_up(struct best *b, const char *mnt, const char *root,
		    const char *cgpath)
{
	char dir[PATH_MAX], name[PATH_MAX];
	size_t rl = strcmp(root, "/") ? strlen(root) : 0;
	const char *rel = cgpath;

	/* A mount of a sub-tree: the caller's path must lie under it. */
	if (rl) {
		if (strncmp(cgpath, root, rl) || (cgpath[rl] && cgpath[rl] != '/'))
			return;
		rel = cgpath + rl;
	}
	snprintf(name, sizeof(name), "%s", *cgpath ? cgpath : "/");
	for (;;) {
		char *slash;

		snprintf(dir, sizeof(dir), "%s%s", mnt, rel);
		one_level(b, dir, name);
		slash = strrchr(name, '/');
		if (!slash || strlen(name) <= (rl ? rl : 1))
			break;
		*slash = '\0';
		if (!*name)
			snprintf(name, sizeof(name), "/");
		rel = name + rl;
	}
}

static void pids_cgroups(struct best *b, const char *proc)
{
	char path[PATH_MAX], line[4096], root[PATH_MAX], mnt[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/cgroup", proc);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *cg;
		bool v2;

		cg = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!cg)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		v2 = !ctrl[1];
		if (!v2 && !has_word(ctrl + 1, "pids"))
			continue;
		if (find_mount(proc, v2, root, mnt, sizeof(mnt)))
			walk_up(b, mnt, root, cg);
	}
	if (f)
		fclose(f);
}

/* ---- RLIMIT_NPROC and threads-max ------------------------------------ */

/* The value after "Key:" in a /proc status text, or NULL. */
static const char *status_field(const char *buf, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == ':')
			return p + k + 1;
	return NULL;
}

/*
 * The kernel lets root of the first user namespace, and a task capable of
 * CAP_SYS_RESOURCE or CAP_SYS_ADMIN there, pass RLIMIT_NPROC.
 */
static bool nproc_exempt(const struct cli_limit_env *env)
{
	char path[PATH_MAX], buf[4096];
	unsigned long long caps;
	const char *v;
	bool first_ns;

	snprintf(path, sizeof(path), "%s/self/uid_map", env->proc);
	first_ns = slurp(path, buf, sizeof(buf)) == 0 &&
		   strtoull(buf, NULL, 10) == 0 && strstr(buf, "4294967295");
	if (!first_ns)
		return false;
	if (env->uid == 0)
		return true;
	snprintf(path, sizeof(path), "%s/self/status", env->proc);
	if (slurp(path, buf, sizeof(buf)) || !(v = status_field(buf, "CapEff")))
		return false;
	caps = strtoull(v, NULL, 16);
	return caps & (1ull << CAP_SYS_ADMIN_BIT | 1ull << CAP_SYS_RESOURCE_BIT);
}

/* Tasks (threads) of real uid `uid` that this /proc shows. */
static long long user_tasks(const char *proc, uid_t uid)
{
	char path[PATH_MAX], buf[4096];
	long long n = 0;
	struct dirent *e;
	DIR *d = opendir(proc);

	while (d && (e = readdir(d))) {
		const char *u, *t;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/status", proc, e->d_name);
		if (slurp(path, buf, sizeof(buf)))
			continue;
		u = status_field(buf, "Uid");
		t = status_field(buf, "Threads");
		if (u && t && strtoul(u, NULL, 10) == uid)
			n += strtoll(t, NULL, 10);
	}
	if (d)
		closedir(d);
	return n;
}

static void nproc(struct best *b, const struct cli_limit_env *env)
{
	char what[128];
	long long cur;

	if (env->nproc.rlim_cur == RLIM_INFINITY || nproc_exempt(env))
		return;
	cur = user_tasks(env->proc, env->uid);
	snprintf(what, sizeof(what), "RLIMIT_NPROC %llu, uid %u has %lld task%s here",
		 (unsigned long long)env->nproc.rlim_cur, (unsigned int)env->uid, cur,
		 cur == 1 ? "" : "s");
	consider(b, (long long)env->nproc.rlim_cur, cur, what);
}

/* threads-max against the machine's task count (field 4 of loadavg). */
static void threads_max(struct best *b, const char *proc)
{
	char path[PATH_MAX], buf[128], what[128], *slash;
	long long max, cur;

	snprintf(path, sizeof(path), "%s/sys/kernel/threads-max", proc);
	if (!read_ll(path, &max))
		return;
	snprintf(path, sizeof(path), "%s/loadavg", proc);
	if (slurp(path, buf, sizeof(buf)) || !(slash = strchr(buf, '/')))
		return;
	cur = strtoll(slash + 1, NULL, 10);
	snprintf(what, sizeof(what), "kernel.threads-max %lld, %lld tasks on the machine",
		 max, cur);
	consider(b, max, cur, what);
}

void cli_task_limit(const struct cli_limit_env *env, char *buf, size_t n)
{
	struct best b = { 0 };

	pids_cgroups(&b, env->proc);
	nproc(&b, env);
	threads_max(&b, env->proc);
	if (b.found && b.room <= NEAR_ROOM)
		snprintf(buf, n, "%s", b.what);
	else if (b.found)
		snprintf(buf, n, "no limit on tasks is near (closest: %s); "
			 "a seccomp filter answering EAGAIN?", b.what);
	else
		snprintf(buf, n, "no limit on tasks found; a seccomp filter answering EAGAIN?");
}

void cli_task_limit_now(char *buf, size_t n)
{
	struct cli_limit_env env = { .proc = "/proc", .uid = getuid() };
	char what[400];

	if (getrlimit(RLIMIT_NPROC, &env.nproc))
		env.nproc.rlim_cur = RLIM_INFINITY;
	cli_task_limit(&env, what, sizeof(what));
	snprintf(buf, n, "a limit on tasks refused a clone: %s", what);
}
