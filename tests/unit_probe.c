/* unit_probe.c - cmocka tests of the feature probe's error mapping, with pc_sys_clone3 replaced (-Wl,--wrap). */
#include <errno.h>
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

/* The answer the fake kernel gives, and what the probe asked for. */
static long answer;
static int calls;
static int asked_free_pid;	/* set_tid named a number not known to be in use */

/*
 * Never call the real clone3: a probe must not create a task, so every
 * set_tid it names must be a number in use (our own PID).
 */
long __wrap_pc_sys_clone3(struct pc_clone_args *a, size_t size)
{
	calls++;
	if (size < offsetof(struct pc_clone_args, set_tid_size) + 8 ||
	    a->set_tid_size != 1 || !a->set_tid ||
	    *(const pid_t *)(uintptr_t)a->set_tid != getpid())
		asked_free_pid++;
	return answer;
}

static void probe_with(long kernel_answer, struct pc_features *f)
{
	answer = kernel_answer;
	calls = 0;
	asked_free_pid = 0;
	memset(f, 0x5a, sizeof(*f));
	pc_features_probe(f);
	assert_true(calls >= 1);
	assert_int_equal(asked_free_pid, 0);
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
	/* Without set_tid's capability the ns_last_pid write is refused too. */
	assert_false(f.lastpid_write);
	assert_int_equal(pc_strategy_mask(&f) &
			 (1u << PIDCYCLE_SETTID | 1u << PIDCYCLE_LASTPID), 0);
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
		cmocka_unit_test(probe_eexist),
		cmocka_unit_test(probe_errno_kept),
		cmocka_unit_test(probe_mask_always_has_burners),
	};

	return cmocka_run_group_tests_name("unit-probe", tests, NULL, NULL);
}
