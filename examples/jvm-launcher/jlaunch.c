/* jlaunch.c - start a JVM with a chosen PID (or one >= N) through libpidcycle and JNI. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jlaunch.h"
#include "pidcycle.h"

#define JL_PID_LIMIT 4194304	/* the kernel's PID_MAX_LIMIT on 64-bit */

static const char jl_usage[] =
	"usage: jlaunch (--pid N | --min N) [--strategy S] [--timeout MS]\n"
	"               [JVM options...] [-cp CLASSPATH] MainClass [args...]\n"
	"  --pid N       the JVM gets exactly PID N\n"
	"  --min N       the JVM and all its threads get PIDs >= N\n"
	"  --strategy S  auto (default), settid, lastpid, ghost, thread, vfork, fork\n"
	"  --timeout MS  give up after MS milliseconds of searching\n"
	"libjvm.so is taken from $JVM_LIB, else $JAVA_HOME, else the `java` in PATH.\n";

/* Signals the parent passes on to the JVM, as CRaC's launcher does. */
static const int jl_fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define JL_NFWD (sizeof(jl_fwd) / sizeof(jl_fwd[0]))

static pid_t jl_parent;
static volatile sig_atomic_t jl_child;		/* 0 until the fork returned */
static volatile sig_atomic_t jl_pending;	/* a signal that came before it */

static void jl_on_signal(int sig)
{
	if (getpid() != jl_parent) {
		/* The child, before it reset its handlers: behave as SIG_DFL would. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	if (jl_child > 0)
		kill(jl_child, sig);
	else
		jl_pending = sig;
}

static void jl_handlers(void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < JL_NFWD; i++)
		sigaction(jl_fwd[i], &sa, NULL);
}

/* Ctrl-C while still searching for the PID cancels the search. */
static int jl_progress(const struct pidcycle_progress *p, void *user)
{
	(void)p;
	(void)user;
	return jl_pending != 0;
}

static int jl_number(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return (errno || end == s || *end || *out < 1 || *out > max) ? -1 : 0;
}

/* Launcher options; 1 if argv[*i] was one, 0 if not, -1 on error. */
static int jl_own_option(struct jl_args *a, int argc, char **argv, int *i)
{
	const char *o = argv[*i];
	long v;

	if (strcmp(o, "--pid") && strcmp(o, "--min") && strcmp(o, "--strategy") &&
	    strcmp(o, "--timeout"))
		return 0;
	if (++*i >= argc)
		return -1;
	if (!strcmp(o, "--strategy")) {
		a->strategy = argv[*i];
		return 1;
	}
	if (jl_number(argv[*i], !strcmp(o, "--timeout") ? INT_MAX : JL_PID_LIMIT, &v))
		return -1;
	if (!strcmp(o, "--pid"))
		a->pid = (pid_t)v;
	else if (!strcmp(o, "--min"))
		a->min = (pid_t)v;
	else
		a->timeout_ms = (unsigned int)v;
	return 1;
}

/* Options up to the first word that does not start with '-', which is the class. */
static int jl_parse(struct jl_args *a, int argc, char **argv)
{
	int i = 1, r;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((r = jl_own_option(a, argc, argv, &i)) < 0)
			return -1;
		if (r)
			continue;
		if (!strcmp(argv[i], "-cp") || !strcmp(argv[i], "-classpath") ||
		    !strcmp(argv[i], "--class-path")) {
			if (++i >= argc)
				return -1;
			a->classpath = argv[i];
			continue;
		}
		argv[a->n_jvm_opts++] = argv[i];	/* compact in place; i >= n */
	}
	a->jvm_opts = argv;
	if (i >= argc || !a->pid == !a->min)	/* a class, and exactly one of the two */
		return -1;
	a->main_class = argv[i];
	a->main_args = argv + i + 1;
	a->n_main_args = argc - i - 1;
	return 0;
}

/* The thin parent: pass signals on, then leave with the JVM's status. */
static int jl_wait(pid_t child)
{
	int st;

	jl_child = child;
	if (jl_pending)
		kill(child, jl_pending);
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR) {
			perror("jlaunch: waitpid");
			return JL_EXIT_FAIL;
		}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static pid_t jl_fork(const struct jl_args *a)
{
	PIDCYCLE_OPTS(o, .timeout_ms = a->timeout_ms, .progress = jl_progress,
		      .progress_ms = 50);
	int s = a->strategy ? pidcycle_strategy_parse(a->strategy) : PIDCYCLE_AUTO;

	if (s < 0) {
		fprintf(stderr, "jlaunch: unknown strategy '%s'\n", a->strategy);
		return -EINVAL;
	}
	o.strategy = (enum pidcycle_strategy)s;
	return a->pid ? pidcycle_fork_at(a->pid, &o) : pidcycle_fork_min(a->min, &o);
}

int main(int argc, char **argv)
{
	struct jl_args a = { 0 };
	char libjvm[PATH_MAX];
	pid_t child;

	if (jl_parse(&a, argc, argv) < 0) {
		fputs(jl_usage, stderr);
		return JL_EXIT_USAGE;
	}
	/* Before any PID is spent: no point in searching if there is no JVM. */
	if (jl_find_libjvm(libjvm, sizeof(libjvm)) < 0) {
		fprintf(stderr, "jlaunch: no libjvm.so found (set JVM_LIB or JAVA_HOME)\n");
		return JL_EXIT_FAIL;
	}
	jl_parent = getpid();
	jl_handlers(jl_on_signal);
	child = jl_fork(&a);
	if (child == 0) {
		jl_handlers(SIG_DFL);	/* the JVM installs its own */
		exit(jl_run_java(libjvm, &a));
	}
	if (child < 0) {
		if (jl_pending) {	/* cancelled by a signal: die of it */
			signal(jl_pending, SIG_DFL);
			raise(jl_pending);
		}
		fprintf(stderr, "jlaunch: cannot get a PID %s %d: %s\n",
			a.pid ? "==" : ">=", a.pid ? a.pid : a.min, strerror(-child));
		return JL_EXIT_FAIL;
	}
	return jl_wait(child);
}
