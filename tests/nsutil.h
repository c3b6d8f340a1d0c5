/* nsutil.h - helpers for tests that run inside a private PID namespace. */
#ifndef PC_TEST_NSUTIL_H
#define PC_TEST_NSUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "pidcycle.h"

/* What pidcycle_probe() said in the group setup. */
extern struct pidcycle_info ns_info;
/* Fill ns_info and print it; 0, or -1 if the probe failed. */
int ns_probe_print(void);

/* The namespace's last PID, read straight from /proc (no library). */
pid_t ns_last(void);
/* /proc/sys/kernel/pid_max of this namespace. */
pid_t ns_pid_max(void);
/* Tasks ever created on the machine (/proc/stat "processes", not namespaced). */
unsigned long long ns_forks_so_far(void);
/* Does this kernel keep pid_max per PID namespace (6.14+)? */
bool ns_pid_max_private(void);
/* Write pid_max (root in the namespace); 0 or -errno. */
int ns_set_pid_max(pid_t v);
/* Effective CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE. */
bool ns_privileged(void);
/* No capability at all (the setpriv run). */
bool ns_no_caps(void);
/* Is `s` usable according to the probe? */
bool ns_has(enum pidcycle_strategy s);
/* Skip the current test (with a printed reason) unless `s` is usable. */
void ns_need(enum pidcycle_strategy s);
/* The fastest usable burner (ghost, thread, vfork, fork). */
enum pidcycle_strategy ns_fast_burner(void);
/* Is nothing in this namespace using the number (pid, tid, pgid, sid)? */
bool ns_pid_free(pid_t pid);
/*
 * The lowest RLIMIT_NPROC, from `from` up, under which one more process can
 * be made now (the soft limit is left there; the test restores it).
 */
rlim_t ns_nproc_for_one_more(rlim_t from);
/* Move the cursor so that last == `last` (write if allowed, else burn). */
void ns_move_last(pid_t last);

/*
 * pidcycle_fork_at(target, o); a child made _exits 0 if its PID is target
 * (else 3) and is reaped, asserting 0. Returns what the call returned.
 */
pid_t ns_fork_at(pid_t target, const struct pidcycle_opts *o);
/*
 * pidcycle_fork_at(target) with strategy s: the parent must get exactly
 * target and the child must see getpid() == target (it _exits, status 0).
 */
void ns_fork_at_exact(pid_t target, enum pidcycle_strategy s);
/*
 * The result r of a fork-like call that was expected to fail: a child made
 * anyway _exits 5 at once; the parent owns and reaps it. Returns r.
 */
pid_t ns_settle_fork(pid_t r);
/* A plain fork() must give the child `target` (after set_next): checked both sides. */
void ns_fork_expect(pid_t target);

/* The child's side of a fork: exit 0 if our PID is `want`, 3 if not. */
void ns_child_exit_if(pid_t want) __attribute__((noreturn));
/* Reap `pid` and return its wait status (asserts it was our child). */
int ns_reap(pid_t pid);
/* Reap `pid` and assert it exited with status 0. */
void ns_reap_ok(pid_t pid);
/* Kill (by PID) and reap every child still around: cleanup after a failure. */
void ns_reap_leftovers(void);
/* The children of the calling thread right now (/proc/thread-self/children),
 * at most max into out: how many, or -1. Never asserts. */
int ns_children(pid_t *out, int max);
/* A child that has exited but is not reaped yet (a zombie holds its PID). */
pid_t ns_make_zombie(void);
/*
 * Run a cmocka group named "<prefix>-uid<N>[-privileged]", honouring
 * PIDCYCLE_TEST_FILTER, with the hygiene checks initialised.
 */
struct CMUnitTest;
/* Group setup: probe and print; refuse the group when the probe fails. */
int ns_group_setup(void **state);
int ns_run_group(const char *prefix, const struct CMUnitTest *t, size_t n,
		 int (*setup)(void **), int (*teardown)(void **));
/* cmocka teardown: ns_reap_leftovers(), so the next test starts clean. */
int ns_test_teardown(void **state);
#define NS_TEST(f) cmocka_unit_test_teardown(f, ns_test_teardown)

/*
 * main() of a test program that runs as PID 1 of a private PID namespace:
 * PID 1 stays a plain reaper and run(arg) runs in its child, so that "PID 1"
 * and "our own PID" are two different numbers. `how` says how to start it.
 */
int ns_main(const char *prog, const char *how, int (*run)(const char *arg),
	    const char *arg);

#endif /* PC_TEST_NSUTIL_H */
