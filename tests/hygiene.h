/* hygiene.h - snapshot the process state a library call must leave as it was, and compare. */
#ifndef PC_TEST_HYGIENE_H
#define PC_TEST_HYGIENE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

#define HYG_MAX_FD 1024

struct hyg_snap {
	int tasks;			/* entries of /proc/self/task */
	int nfds;			/* entries of /proc/self/fd */
	unsigned char fds[HYG_MAX_FD / 8];	/* which of them */
	struct rlimit nofile, nproc;
	sigset_t mask;
	sigset_t pending;
};

/*
 * Install the SIGCHLD recorder (SA_SIGINFO) and make us a child subreaper, so
 * an orphan of a library helper becomes our child and shows up. Call once.
 */
void hyg_init(void);
/* Take a snapshot (cmocka asserts on read errors). */
void hyg_take(struct hyg_snap *s);
/* A child the test made itself: its SIGCHLD is expected. */
void hyg_own(pid_t pid);
/*
 * Assert nothing is left behind since `before`: threads, fds, limits, signal
 * mask, pending signals, children (the test must have reaped its own), and no
 * SIGCHLD from a process the test did not make.
 */
void hyg_check(const struct hyg_snap *before);
/*
 * For tests that make more than HYG_MAX_SEEN children: assert the SIGCHLDs
 * seen so far came from the test's own children, then count afresh (the
 * list of own children starts empty again too).
 */
void hyg_sigchld_checkpoint(void);
/*
 * pthread_join(), then wait until the thread's task has left the thread
 * group. pthread_join returns once the kernel clears the TID word, which is
 * before the exiting task is unhashed: /proc/self/task (and "Threads:") can
 * still count it for a moment, and a test that counts tasks would then blame
 * the library for our own thread. *tid is where the thread stored what
 * gettid() gave it (read after the join, so the thread has run).
 * cmocka asserts if the task has not gone after 10 s.
 */
void hyg_join(pthread_t th, const pid_t *tid);


/* A test whose body runs between a hygiene snapshot and its check. */
#define HYG_TEST(name)							\
	static void name##_body(void);					\
	void name(void **state)						\
	{								\
		struct hyg_snap snap_;					\
		(void)state;						\
		hyg_take(&snap_);					\
		name##_body();						\
		hyg_check(&snap_);					\
	}								\
	static void name##_body(void)

#define HYG_DECL(name) void name(void **state)

#endif /* PC_TEST_HYGIENE_H */
