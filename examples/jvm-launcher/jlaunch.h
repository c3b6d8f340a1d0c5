/* jlaunch.h - what jlaunch.c (arguments, PID, parent) and jvm.c (JNI) share. */
#ifndef JLAUNCH_H
#define JLAUNCH_H

#include <stddef.h>
#include <sys/types.h>

/* Exit statuses of the launcher itself (Java's own are 0, 1 or System.exit's). */
#define JL_EXIT_USAGE 2		/* bad command line */
#define JL_EXIT_FAIL 125	/* no PID, no libjvm, no VM */

/* The parsed command line; the arrays point into argv. */
struct jl_args {
	pid_t pid;			/* --pid N, or 0 */
	pid_t min;			/* --min N, or 0 */
	const char *strategy;		/* --strategy S, or NULL */
	unsigned int timeout_ms;	/* --timeout MS, 0 = none */
	const char *classpath;		/* -cp X, or NULL */
	const char *main_class;		/* dotted or slashed name */
	char **jvm_opts;		/* options handed to the VM as they are */
	int n_jvm_opts;
	char **main_args;		/* String[] for main */
	int n_main_args;
};

/* Find libjvm.so ($JVM_LIB, $JAVA_HOME, or the `java` in PATH). 0 or -errno. */
int jl_find_libjvm(char *buf, size_t len);

/*
 * Load libjvm, create the VM, run main_class.main(args), destroy the VM.
 * Returns the exit status: 0, 1 if main threw, JL_EXIT_FAIL if no VM.
 * System.exit(n) in Java ends the process with n and never returns here.
 */
int jl_run_java(const char *libjvm, const struct jl_args *a);

#endif /* JLAUNCH_H */
