/* cli_run.c - `pidcycle run`: start the emulation, run CMD under it with the preload, take it down. */
/*
 * CMD runs in the private mount namespace emul_start() made, where
 * /proc/sys/kernel/ns_last_pid is the emulated file, with
 * libpidcycle-preload.so appended to LD_PRELOAD and PIDCYCLE_RUN=1 (the
 * preload then answers CRIU's set_tid probe so that CRIU writes the file for
 * threads too). We wait as exec does - signals forwarded, CMD's status
 * passed on - and reap every other child we get: CRIU --restore-sibling
 * makes us the parent of the restored tree and of rejected candidates.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_report.h"
#include "cli_run.h"
#include "cli_signal.h"
#include "emul.h"

#define PRELOAD_NAME "libpidcycle-preload.so"

#ifndef PIDCYCLE_LIBDIR
#define PIDCYCLE_LIBDIR "/usr/local/lib"
#endif
#ifndef PIDCYCLE_BINDIR
#define PIDCYCLE_BINDIR "/usr/local/bin"
#endif

/* out = a b c, if it fits and names a readable file. */
static bool try_path(char *out, size_t n, const char *a, const char *b,
		     const char *c)
{
	int len = snprintf(out, n, "%s%s%s", a, b, c);

	return len > 0 && (size_t)len < n && access(out, R_OK) == 0;
}

/*
 * The preload: beside the binary (the build tree), in the libdir of a staged
 * install (DESTDIR) the binary sits in, or in the configured libdir.
 */
static int find_preload(char *out, size_t n)
{
	char exe[PATH_MAX], *slash;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t dir, bindir = strlen(PIDCYCLE_BINDIR);

	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if (try_path(out, n, exe, "/", PRELOAD_NAME))
				return 0;
			dir = (size_t)(slash - exe);
			if (dir > bindir && !strcmp(exe + dir - bindir, PIDCYCLE_BINDIR)) {
				exe[dir - bindir] = '\0';
				if (try_path(out, n, exe, PIDCYCLE_LIBDIR "/", PRELOAD_NAME))
					return 0;
			}
		}
	}
	return try_path(out, n, PIDCYCLE_LIBDIR, "/", PRELOAD_NAME) ? 0 : -ENOENT;
}

/* In the child: LD_PRELOAD gets ours at the end, then CMD. Never returns. */
static void __attribute__((noreturn))
start_cmd(char **cmd, const char *preload, unsigned int timeout_ms, bool given)
{
	const char *old = getenv("LD_PRELOAD");
	char list[PATH_MAX * 4], secs[32], msg[512];
	int err, len;

	/* Once is enough (run under run: CMD's list has it already). */
	if (!old || !strstr(old, preload)) {
		snprintf(list, sizeof(list), "%s%s%s", old && *old ? old : "",
			 old && *old ? ":" : "", preload);
		setenv("LD_PRELOAD", list, 1);
	}
	setenv("PIDCYCLE_RUN", "1", 1);
	if (given) {
		snprintf(secs, sizeof(secs), "%.3f", timeout_ms / 1000.0);
		setenv("PIDCYCLE_TIMEOUT", secs, 1);
	}
	cli_sig_child();
	execvp(cmd[0], cmd);
	err = errno;
	len = snprintf(msg, sizeof(msg), "pidcycle: %s: %s\n", cmd[0], strerror(err));
	if (len > 0 && write(STDERR_FILENO, msg, (size_t)len) < 0)
		len = 0;
	_exit(err == ENOENT ? 127 : 126);
}

/* Another child ended: the server (which should not, before CMD) or a sibling. */
static void reaped_other(pid_t pid, int status, void *arg)
{
	struct emul *em = arg;

	if (!emul_reaped(em, pid))
		return;	/* a restored task or rejected candidate of CRIU's */
	if (WIFSIGNALED(status))
		fprintf(stderr, "pidcycle: run: the server was killed by signal %d; "
			"%s now fails with ENOTCONN\n", WTERMSIG(status), EMUL_TARGET);
	else
		fprintf(stderr, "pidcycle: run: the server ended (status %d); "
			"%s now fails with ENOTCONN\n", WEXITSTATUS(status), EMUL_TARGET);
}

int cli_run(enum pidcycle_strategy strategy, unsigned int threads,
	    unsigned int timeout_ms, char **cmd)
{
	struct emul_opts o = { .strategy = strategy, .threads = threads,
			       .timeout_ms = timeout_ms ? timeout_ms : CLI_RUN_TIMEOUT_MS,
			       .log = secure_getenv("PIDCYCLE_LOG") };
	struct emul_err e = { 0 };
	char preload[PATH_MAX];
	struct emul em;
	pid_t child;
	int ret;

	if (find_preload(preload, sizeof(preload)))
		return cli_error("run: cannot find " PRELOAD_NAME " (beside the "
				 "binary or in " PIDCYCLE_LIBDIR ")", -ENOENT, false);
	ret = cli_sig_init(1);
	if (ret < 0)
		return cli_error_sys("signals", ret);
	ret = emul_start(&em, &o, &e);
	if (ret < 0)
		return cli_error_why("run", ret, e.why);
	fflush(NULL);
	child = fork();
	if (child == 0)
		start_cmd(cmd, preload, o.timeout_ms, timeout_ms != 0);
	if (child < 0) {
		ret = cli_error_sys("run: fork", -errno);
		emul_stop(&em);
		return ret;
	}
	ret = cli_sig_wait_all(child, reaped_other, &em);
	emul_stop(&em);
	return ret < 0 ? cli_error_sys("wait", ret) : ret;
}
