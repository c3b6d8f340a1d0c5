/* unit_probe.c - cmocka tests of the feature probe's error mapping, with pc_sys_clone3 replaced (-Wl,--wrap). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "sys.h"

long __real_pc_sys_clone3(struct pc_clone_args *a, size_t size);
long __wrap_pc_sys_clone3(struct pc_clone_args *a, size_t size);

/*
 * The answers the fake kernel gives: to the usability probe (set_tid given,
 * set_tid_size 0: EINVAL wherever clone3 works) and to the set_tid probe;
 * and what the probe asked for.
 */
static long usable_answer, answer;
static int calls, settid_calls;
static int asked_free_pid;	/* set_tid named a number not known to be in use */

/*
 * Never call the real clone3: a probe must not create a task, so every
 * set_tid it names must be a number in use (our own PID), or come with
 * set_tid_size 0, which the kernel refuses before anything else.
 */
long __wrap_pc_sys_clone3(struct pc_clone_args *a, size_t size)
{
	calls++;
	if (size >= offsetof(struct pc_clone_args, set_tid_size) + 8 &&
	    a->set_tid && a->set_tid_size == 0)
		return usable_answer;
	settid_calls++;
	if (size < offsetof(struct pc_clone_args, set_tid_size) + 8 ||
	    a->set_tid_size != 1 || !a->set_tid ||
	    *(const pid_t *)(uintptr_t)a->set_tid != getpid())
		asked_free_pid++;
	return answer;
}

static void probe_both(long usable, long kernel_answer, struct pc_features *f)
{
	usable_answer = usable;
	answer = kernel_answer;
	calls = settid_calls = 0;
	asked_free_pid = 0;
	memset(f, 0x5a, sizeof(*f));
	pc_features_probe(f);
	assert_true(calls >= 1);
	assert_int_equal(asked_free_pid, 0);
}

/* A kernel with a working clone3 answering the set_tid probe with this. */
static void probe_with(long kernel_answer, struct pc_features *f)
{
	probe_both(kernel_answer == -ENOSYS ? -ENOSYS : -EINVAL, kernel_answer, f);
}

static void probe_enosys(void **state)
{
	struct pc_features f;

	(void)state;
	probe_with(-ENOSYS, &f);
	assert_false(f.clone3);
	assert_false(f.set_tid);
	assert_int_equal(pc_strategy_mask(&f) & (1u << PIDCYCLE_SETTID), 0);
}

static void probe_eperm(void **state)
{
	struct pc_features f;

	(void)state;
	probe_with(-EPERM, &f);
	assert_true(f.clone3);
	assert_false(f.set_tid);
	assert_int_equal(pc_strategy_mask(&f) & (1u << PIDCYCLE_SETTID), 0);
}

/* The ns_last_pid write, probed on its own: what writing -1 answers here. */
static bool lastpid_write_allowed(void)
{
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, "-1", 2) < 0 && errno == EINVAL;
	close(fd);
	return ok;
}

/*
 * A seccomp filter answering every clone3 with EPERM (older container
 * profiles): not a missing privilege. clone3 is unusable, set_tid is not
 * even asked, and the ns_last_pid write is judged by itself (issue 12 item
 * 4: the probe used to derive it from the set_tid answer and deny root).
 */
static void probe_seccomp_eperm(void **state)
{
	struct pc_features f;

	(void)state;
	probe_both(-EPERM, -EPERM, &f);
	assert_false(f.clone3);
	assert_false(f.set_tid);
	assert_int_equal(settid_calls, 0);
	assert_int_equal(f.lastpid_write, lastpid_write_allowed());
	assert_int_equal(!!(pc_strategy_mask(&f) & (1u << PIDCYCLE_LASTPID)),
			 f.lastpid_write);
	print_message("ns_last_pid write allowed here: %d\n", f.lastpid_write);
}

static void probe_eexist(void **state)
{
	struct pc_features f;

	(void)state;
	probe_with(-EEXIST, &f);
	assert_true(f.clone3);
	assert_true(f.set_tid);
	assert_true(pc_strategy_mask(&f) & (1u << PIDCYCLE_SETTID));
}

static void probe_errno_kept(void **state)
{
	struct pc_features f;

	(void)state;
	errno = 4242;
	probe_with(-EPERM, &f);
	assert_int_equal(errno, 4242);
}

/* Whatever the answer, thread/vfork/fork need nothing and are always listed. */
static void probe_mask_always_has_burners(void **state)
{
	static const long answers[] = { -ENOSYS, -EPERM, -EEXIST, -EINVAL };
	const unsigned int burners = 1u << PIDCYCLE_THREAD |
				     1u << PIDCYCLE_VFORK | 1u << PIDCYCLE_FORK;
	struct pc_features f;

	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		probe_with(answers[i], &f);
		assert_int_equal(pc_strategy_mask(&f) & burners, burners);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_enosys),
		cmocka_unit_test(probe_eperm),
		cmocka_unit_test(probe_seccomp_eperm),
		cmocka_unit_test(probe_eexist),
		cmocka_unit_test(probe_errno_kept),
		cmocka_unit_test(probe_mask_always_has_burners),
	};

	return cmocka_run_group_tests_name("unit-probe", tests, NULL, NULL);
}
