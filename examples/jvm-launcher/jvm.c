/* jvm.c - find libjvm.so at run time and run a main class through the JNI Invocation API. */
#include <dlfcn.h>
#include <errno.h>
#include <jni.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jlaunch.h"

#define JL_LIBJVM_REL "lib/server/libjvm.so"
/* Like the java launcher, run the VM on a thread with a known stack, not the primordial one. */
#define JL_MAIN_STACK (8u << 20)

typedef jint (JNICALL *jl_create_fn)(JavaVM **vm, void **env, void *args);

static int jl_readable(const char *path)
{
	return access(path, R_OK) == 0 ? 0 : -errno;
}

/* The first executable "java" on $PATH, with symlinks resolved (/usr/bin/java -> the JDK). */
static int jl_java_on_path(char *out)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX];

	for (const char *p = path ? path : ""; *p; ) {
		size_t n = strcspn(p, ":");
		if (n > 0 && n + sizeof("/java") <= sizeof(cand)) {
			memcpy(cand, p, n);
			memcpy(cand + n, "/java", sizeof("/java"));
			if (access(cand, X_OK) == 0 && realpath(cand, out))
				return 0;
		}
		p += n + (p[n] == ':');
	}
	return -ENOENT;
}

int jl_find_libjvm(char *buf, size_t len)
{
	const char *env = getenv("JVM_LIB");
	char java[PATH_MAX];
	char *slash;

	if (env && *env) {	/* explicit: no fallback, so a typo is not hidden */
		snprintf(buf, len, "%s", env);
		return jl_readable(buf);
	}
	env = getenv("JAVA_HOME");
	if (env && *env) {
		snprintf(buf, len, "%s/" JL_LIBJVM_REL, env);
		if (jl_readable(buf) == 0)
			return 0;
	}
	if (jl_java_on_path(java) < 0)
		return -ENOENT;
	/* <jdk>/bin/java -> <jdk>/lib/server/libjvm.so */
	slash = strrchr(java, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(java, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(buf, len, "%s/" JL_LIBJVM_REL, java);
	return jl_readable(buf);
}

/* VM options: the user's, then -Djava.class.path (from -cp, $CLASSPATH or "."). */
static JavaVMOption *jl_vm_options(const struct jl_args *a, char **cp_opt)
{
	const char *cp = a->classpath ? a->classpath : getenv("CLASSPATH");
	JavaVMOption *o = calloc((size_t)a->n_jvm_opts + 1, sizeof(*o));

	if (!o || asprintf(cp_opt, "-Djava.class.path=%s", cp ? cp : ".") < 0) {
		free(o);
		return NULL;
	}
	for (int i = 0; i < a->n_jvm_opts; i++)
		o[i].optionString = a->jvm_opts[i];
	o[a->n_jvm_opts].optionString = *cp_opt;
	return o;
}

/* String[] of the program arguments, or NULL with an exception pending. */
static jobjectArray jl_string_array(JNIEnv *env, char **v, int n)
{
	jclass str = (*env)->FindClass(env, "java/lang/String");
	jobjectArray arr;

	if (!str)
		return NULL;
	arr = (*env)->NewObjectArray(env, n, str, NULL);
	for (int i = 0; arr && i < n; i++) {
		jstring s = (*env)->NewStringUTF(env, v[i]);
		if (!s)
			return NULL;
		(*env)->SetObjectArrayElement(env, arr, i, s);
		(*env)->DeleteLocalRef(env, s);
	}
	return arr;
}

/* Find the class and call its static main; 0, or 1 after printing what went wrong. */
static int jl_call_main(JNIEnv *env, const struct jl_args *a)
{
	char *name = strdup(a->main_class);
	jclass cls;
	jmethodID mid;
	jobjectArray argv;

	if (!name)
		return 1;
	for (char *p = name; *p; p++)	/* FindClass wants a/b/C, users write a.b.C */
		if (*p == '.')
			*p = '/';
	cls = (*env)->FindClass(env, name);
	free(name);
	if (!cls) {
		fprintf(stderr, "jlaunch: could not find or load main class %s\n", a->main_class);
		(*env)->ExceptionDescribe(env);
		return 1;
	}
	mid = (*env)->GetStaticMethodID(env, cls, "main", "([Ljava/lang/String;)V");
	if (!mid) {
		(*env)->ExceptionClear(env);
		fprintf(stderr, "jlaunch: no static void main(String[]) in %s\n", a->main_class);
		return 1;
	}
	argv = jl_string_array(env, a->main_args, a->n_main_args);
	if (argv)
		(*env)->CallStaticVoidMethod(env, cls, mid, argv);
	if ((*env)->ExceptionCheck(env)) {
		/* As `java` does: "Exception in thread "main" ..." and status 1. */
		(*env)->ExceptionDescribe(env);
		return 1;
	}
	return 0;
}

struct jl_job {
	const char *libjvm;
	const struct jl_args *a;
	int status;
};

static void *jl_vm_thread(void *arg)
{
	struct jl_job *job = arg;
	JavaVMInitArgs init = { .version = JNI_VERSION_1_8, .ignoreUnrecognized = JNI_FALSE };
	char *cp_opt = NULL;
	JavaVM *vm;
	JNIEnv *env;
	void *h = dlopen(job->libjvm, RTLD_NOW | RTLD_GLOBAL);
	jl_create_fn create = h ? (jl_create_fn)dlsym(h, "JNI_CreateJavaVM") : NULL;

	job->status = JL_EXIT_FAIL;
	if (!create) {
		fprintf(stderr, "jlaunch: %s: %s\n", job->libjvm, dlerror());
		return NULL;
	}
	init.options = jl_vm_options(job->a, &cp_opt);
	init.nOptions = job->a->n_jvm_opts + 1;
	if (!init.options || create(&vm, (void **)&env, &init) != JNI_OK) {
		fprintf(stderr, "jlaunch: could not create the Java virtual machine\n");
		return NULL;
	}
	job->status = jl_call_main(env, job->a);
	/* Waits for the other non-daemon threads, as `java` does after main returns. */
	(*vm)->DestroyJavaVM(vm);
	free(init.options);
	free(cp_opt);
	return NULL;
}

int jl_run_java(const char *libjvm, const struct jl_args *a)
{
	struct jl_job job = { .libjvm = libjvm, .a = a, .status = JL_EXIT_FAIL };
	pthread_attr_t attr;
	pthread_t t;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, JL_MAIN_STACK);
	err = pthread_create(&t, &attr, jl_vm_thread, &job);
	pthread_attr_destroy(&attr);
	if (err) {
		fprintf(stderr, "jlaunch: pthread_create: %s\n", strerror(err));
		return JL_EXIT_FAIL;
	}
	pthread_join(t, NULL);
	return job.status;
}
