/* plan_api.c - pidcycle_holder() and pidcycle_plan() against the kernel, as PID 1 of a private PID namespace. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

/* ---- helpers ------------------------------------------------------------- */

/* comm of the test program, which the holders (its forks) share. */
static char my_comm[16];

static void read_my_comm(void)
{
	FILE *f = fopen("/proc/self/comm", "r");

	assert_non_null(f);
	assert_non_null(fgets(my_comm, sizeof(my_comm), f));
	fclose(f);
	my_comm[strcspn(my_comm, "\n")] = '\0';
}

static void holder_is(pid_t number, enum pidcycle_hold how, pid_t pid, bool zombie)
{
	struct pidcycle_holder h = { .sz = sizeof(h) };
	int r = pidcycle_holder(number, &h);

	if (r != 1 || h.how != how || h.pid != pid || h.zombie != zombie)
		fail_msg("pidcycle_holder(%d) = %d: how %d pid %d zombie %d; want how %d "
			 "pid %d zombie %d", (int)number, r, h.how, (int)h.pid, h.zombie,
			 how, (int)pid, zombie);
	assert_int_equal(h.number, number);
	assert_int_equal(h.uid, getuid());
	assert_string_equal(h.comm, my_comm);
}

/*
 * A child that holds the next number the kernel hands out, until released
 * (eng_release); the plan says which number that must be. It blocks on a pipe.
 */
struct held {
	pid_t pid;
	int fd;
};

static struct held hold_next(void)
{
	struct held h;
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	h.pid = fork();
	if (h.pid == 0) {
		/* Only our end: an earlier holder's write end would keep it alive. */
		for (int fd = 3; fd < HYG_MAX_FD; fd++)
			if (fd != p[0])
				close(fd);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 6);
	}
	assert_true(h.pid > 0);
	hyg_own(h.pid);
	close(p[0]);
	h.fd = p[1];
	return h;
}

static void let_go(struct held h)
{
	close(h.fd);
	ns_reap_ok(h.pid);
}

/* Cursor at a known place, past 300 and far enough below pid_max. */
static pid_t settle_cursor(void)
{
	pid_t last = ns_last();

	eng_need_low_pid_max();
	if (last < 1000 || last > ns_pid_max() - 3000) {
		eng_move_last(1000);
		last = ns_last();
	}
	return last;
}

#define NT(a) (sizeof(a) / sizeof((a)[0]))

static void plan(struct pidcycle_target *t, size_t n, const struct pidcycle_opts *o,
		 struct pidcycle_plan *p)
{
	for (size_t i = 0; i < n; i++)
		t[i].sz = sizeof(t[i]);
	p->sz = sizeof(*p);
	assert_int_equal(pidcycle_plan(t, n, o, p), 0);
}

/* Free numbers on the way from last to target: the model of kernel/pid.c. */
static uint64_t model_burn(const struct eng_used *u, pid_t last, pid_t target)
{
	pid_t max = ns_pid_max();
	uint64_t n = 0;

	for (pid_t p = last + 1 >= max ? 300 : last + 1; p != target;
	     p = p + 1 >= max ? 300 : p + 1)
		n += !eng_used_has(u, p);
	return n;
}

/* ---- holders ------------------------------------------------------------- */

HYG_TEST(holder_kinds)
{
	pid_t tid, member, gmember, group, session, zombie, proc, free_n;
	struct pidcycle_holder h = { .sz = sizeof(h) };

	read_my_comm();
	proc = eng_thread_holder(&tid);
	group = eng_orphan_group(&gmember);
	session = eng_orphan_session(&member);
	zombie = eng_zombie();
	holder_is(proc, PIDCYCLE_HOLD_PID, proc, false);
	holder_is(tid, PIDCYCLE_HOLD_TID, proc, false);
	holder_is(group, PIDCYCLE_HOLD_PGRP, gmember, false);
	holder_is(session, PIDCYCLE_HOLD_SESSION, member, false);
	holder_is(zombie, PIDCYCLE_HOLD_PID, zombie, true);
	free_n = eng_free_from(ns_last() + 10);
	h.how = PIDCYCLE_HOLD_TID;
	assert_int_equal(pidcycle_holder(free_n, &h), 0);
	assert_int_equal(h.how, PIDCYCLE_HOLD_NONE);
	assert_int_equal(h.pid, 0);
	eng_release(proc);
	eng_release(gmember);
	eng_release(member);
	eng_release(zombie);
}

HYG_TEST(holder_args)
{
	struct pidcycle_holder h = { .sz = sizeof(h) };
	/* A caller built against a smaller struct: only its prefix is written. */
	struct pidcycle_holder old = { .sz = offsetof(struct pidcycle_holder, comm) };

	assert_int_equal(pidcycle_holder(1, NULL), -EINVAL);
	h.sz = 0;
	assert_int_equal(pidcycle_holder(1, &h), -EINVAL);
	h.sz = sizeof(h);
	assert_int_equal(pidcycle_holder(0, &h), -EINVAL);
	assert_int_equal(pidcycle_holder(-5, &h), -EINVAL);
	assert_int_equal(pidcycle_holder(ns_pid_max(), &h), -EINVAL);
	memset(old.comm, 'x', sizeof(old.comm));
	assert_int_equal(pidcycle_holder(1, &old), 1);
	assert_int_equal(old.sz, offsetof(struct pidcycle_holder, comm));
	assert_int_equal(old.how, PIDCYCLE_HOLD_PID);
	assert_int_equal(old.pid, 1);
	for (size_t i = 0; i < sizeof(old.comm); i++)
		assert_int_equal(old.comm[i], 'x');
}

/* The words for each kind of holder, as the CLI and the preload print them. */
HYG_TEST(holder_text)
{
	struct pidcycle_holder h = { .sz = sizeof(h), .number = 5002,
				     .how = PIDCYCLE_HOLD_TID, .pid = 5001, .uid = 1000 };
	char buf[128], small[8];

	strcpy(h.comm, "ja'va\n");
	assert_int_equal(pidcycle_holder_text(&h, buf, sizeof(buf)),
			 (int)strlen("thread 5002 of 5001 'ja?va?', uid 1000"));
	assert_string_equal(buf, "thread 5002 of 5001 'ja?va?', uid 1000");
	h.how = PIDCYCLE_HOLD_PID;
	h.number = 5001;
	h.zombie = true;
	strcpy(h.comm, "sleep");
	pidcycle_holder_text(&h, buf, sizeof(buf));
	assert_string_equal(buf, "zombie 5001 'sleep', uid 1000");
	h.zombie = false;
	h.how = PIDCYCLE_HOLD_PGRP;
	h.uid = (uid_t)-1;
	h.comm[0] = '\0';
	pidcycle_holder_text(&h, buf, sizeof(buf));
	assert_string_equal(buf, "the process group of 5001");
	h.how = PIDCYCLE_HOLD_SESSION;
	pidcycle_holder_text(&h, buf, sizeof(buf));
	assert_string_equal(buf, "the session of 5001");
	h.how = PIDCYCLE_HOLD_HIDDEN;
	pidcycle_holder_text(&h, buf, sizeof(buf));
	assert_string_equal(buf, "a task hidden from /proc");
	h.how = PIDCYCLE_HOLD_NONE;
	pidcycle_holder_text(&h, buf, sizeof(buf));
	assert_string_equal(buf, "free");
	/* snprintf's rules: the length it needed, cut to fit, NULL with 0. */
	h.how = PIDCYCLE_HOLD_PID;
	assert_int_equal(pidcycle_holder_text(&h, small, sizeof(small)), 4);
	assert_string_equal(small, "5001");
	h.how = PIDCYCLE_HOLD_SESSION;
	assert_int_equal(pidcycle_holder_text(&h, small, sizeof(small)),
			 (int)strlen("the session of 5001"));
	assert_string_equal(small, "the ses");
	assert_int_equal(pidcycle_holder_text(&h, NULL, 0), (int)strlen("the session of 5001"));
	assert_int_equal(pidcycle_holder_text(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(pidcycle_holder_text(&h, NULL, 4), -EINVAL);
	h.sz = offsetof(struct pidcycle_holder, comm);
	assert_int_equal(pidcycle_holder_text(&h, buf, sizeof(buf)), -EINVAL);
}

/* ---- plans --------------------------------------------------------------- */

/*
 * Free, held (process, thread, zombie), below the floor, behind the cursor,
 * out of range, twice in the list; and a hop that passes an earlier target.
 */
HYG_TEST(plan_states)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner());
	struct pidcycle_estimate est = { .sz = sizeof(est) };
	pid_t last = settle_cursor(), tid, proc = eng_thread_holder(&tid);
	pid_t zombie = eng_zombie();
	pid_t a = eng_free_from(last + 200), c = eng_free_from(last - 300);
	pid_t e = eng_free_from(a + 50);
	struct pidcycle_target t[] = {
		{ .pid = a }, { .pid = proc }, { .pid = tid }, { .pid = 100 },
		{ .pid = c }, { .pid = e }, { .pid = ns_pid_max() }, { .pid = a },
		{ .pid = zombie },
	};
	struct pidcycle_plan p;
	struct eng_used u;

	eng_used_scan(&u);
	last = ns_last();
	plan(t, NT(t), &o, &p);
	assert_int_equal(p.last_pid, last);
	assert_int_equal(t[0].err, 0);
	assert_false(t[0].wraps);
	assert_int_equal(t[0].burn, model_burn(&u, last, a));
	assert_int_equal(t[0].burn + t[0].in_use, a - last - 1);
	assert_int_equal(t[1].err, -EEXIST);
	assert_int_equal(t[1].same_as, 0);
	assert_int_equal(t[2].err, -EEXIST);
	assert_int_equal(t[3].err, -ERANGE);
	assert_int_equal(t[4].err, 0);
	assert_true(t[4].wraps);
	assert_int_equal(t[4].burn, model_burn(&u, a, c));
	/* From c to e the kernel skips a, which target 0 holds by then. */
	eng_used_add(&u, a);
	eng_used_add(&u, c);
	assert_int_equal(t[5].err, 0);
	assert_false(t[5].wraps);
	assert_int_equal(t[5].burn, model_burn(&u, c, e));
	assert_int_equal(t[6].err, -EINVAL);
	assert_int_equal(t[7].err, -EEXIST);
	assert_int_equal(t[7].same_as, 1);
	assert_int_equal(t[8].err, -EEXIST);
	for (size_t i = 0; i < NT(t); i++)
		assert_int_equal(t[i].strategy, o.strategy);
	assert_int_equal(p.failed, 6);
	assert_int_equal(p.first_failed, 1);
	assert_int_equal(p.err, -EEXIST);
	assert_int_equal(p.burn_total, t[0].burn + t[4].burn + t[5].burn);
	assert_int_equal(p.laps, 1);
	assert_true(p.rate > 0);
	assert_true(p.eta_sec > 0);
	/* The first hop is what pidcycle_estimate() says too. */
	assert_int_equal(pidcycle_estimate(a, &o, &est), 0);
	assert_int_equal(est.distance, t[0].burn);
	assert_int_equal(ns_last(), last);	/* a plan takes no number */
	eng_release(proc);
	eng_release(zombie);
}

/*
 * The plan's figures are what it takes: burn t[i].burn, and the next fork
 * gets t[i].pid, for a hop ahead, one round the wrap and one past an
 * earlier target (which the child made for it holds).
 */
HYG_TEST(plan_matches_burn)
{
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner());
	pid_t last = settle_cursor();
	pid_t x = eng_free_from(last + 700), y = eng_free_from(last - 500);
	pid_t w = eng_free_from(x + 20);
	struct pidcycle_target t[] = { { .pid = x }, { .pid = y }, { .pid = w } };
	struct held h[NT(t)];
	struct pidcycle_plan p;

	plan(t, NT(t), &o, &p);
	assert_int_equal(p.failed, 0);
	assert_true(t[1].wraps);
	for (size_t i = 0; i < NT(t); i++) {
		struct pidcycle_stats st = { .sz = sizeof(st) };
		PIDCYCLE_OPTS(b, .strategy = o.strategy);

		if (t[i].burn)
			assert_int_equal(pidcycle_burn(t[i].burn, &b, &st), 0);
		h[i] = hold_next();
		if (h[i].pid != t[i].pid)
			fail_msg("target %zu: burnt %llu as planned, the next fork got %d, "
				 "want %d", i, (unsigned long long)t[i].burn,
				 (int)h[i].pid, (int)t[i].pid);
	}
	for (size_t i = 0; i < NT(t); i++)
		let_go(h[i]);
}

/* With privilege an exact PID needs no burning, below the floor too. */
HYG_TEST(plan_privileged)
{
	pid_t last = settle_cursor(), low = 0, ahead = eng_free_from(last + 100);
	struct pidcycle_target t[2] = { { .pid = ahead } };
	struct pidcycle_plan p;

	if (!ns_info.set_tid && !ns_info.ns_last_pid_writable) {
		print_message("[ SKIP-WHY ] needs CAP_SYS_ADMIN over the namespace "
			      "(the run as root covers it)\n");
		skip();
	}
	for (pid_t n = 299; n > 1 && !low; n--)
		if (ns_pid_free(n))
			low = n;
	assert_true(low > 0);
	t[1].pid = low;
	plan(t, NT(t), NULL, &p);
	assert_int_equal(p.strategy, ns_info.auto_strategy);
	assert_true(p.strategy == PIDCYCLE_SETTID || p.strategy == PIDCYCLE_LASTPID);
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.burn_total, 0);
	assert_true(p.rate == 0 && p.eta_sec == 0);
	for (size_t i = 0; i < NT(t); i++) {
		assert_int_equal(t[i].err, 0);
		assert_int_equal(t[i].burn, 0);
	}
}

/* A hop beyond max_burn: the plan says -ETIMEDOUT, as the request does. */
HYG_TEST(plan_budget)
{
	pid_t last = settle_cursor(), a = eng_free_from(last + 150);
	struct pidcycle_target t[1] = { { .pid = a } };
	struct pidcycle_plan p;
	uint64_t need;

	{
		PIDCYCLE_OPTS(o, .strategy = ns_fast_burner());

		plan(t, 1, &o, &p);
		need = t[0].burn;
		assert_true(need > 10);
	}
	{
		PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .max_burn = need);

		plan(t, 1, &o, &p);
		assert_int_equal(t[0].err, 0);
	}
	{
		PIDCYCLE_OPTS(o, .strategy = ns_fast_burner(), .max_burn = need - 1);

		plan(t, 1, &o, &p);
		assert_int_equal(t[0].err, -ETIMEDOUT);
		assert_int_equal(t[0].burn, need);
		assert_int_equal(p.err, -ETIMEDOUT);
		assert_int_equal(ns_settle_fork(pidcycle_fork_at(a, &o)), -ETIMEDOUT);
	}
}

/*
 * In a child, so that its PID lies on a hop: with PIDCYCLE_PLAN_CALLER_GONE
 * the caller's own PID is free (as a target, and on the way round the wrap),
 * without it in use. Exit codes: 0 all as expected, 1..5 which check failed.
 */
static int caller_gone_child(void)
{
	pid_t self = getpid(), behind;
	struct pidcycle_target t[2] = { { .sz = sizeof(t[0]), .pid = self },
					{ .sz = sizeof(t[0]) } };
	struct pidcycle_plan kept = { .sz = sizeof(kept) };
	struct pidcycle_plan gone = { .sz = sizeof(gone), .flags = PIDCYCLE_PLAN_CALLER_GONE };
	PIDCYCLE_OPTS(o, .strategy = ns_fast_burner());
	uint64_t burn_kept;

	/* Move on, so that a target just above us is behind the cursor. */
	if (pidcycle_burn(100, &o, NULL))
		return 1;
	for (behind = self + 20; behind < self + 90 && !ns_pid_free(behind); behind++)
		;
	t[1].pid = behind;
	if (pidcycle_plan(t, 2, &o, &kept) || t[0].err != -EEXIST || !t[1].wraps)
		return 2;
	burn_kept = t[1].burn;
	if (pidcycle_plan(t, 2, &o, &gone) || t[0].err != 0)
		return 3;
	if (gone.flags != PIDCYCLE_PLAN_CALLER_GONE)
		return 4;
	/* t[0] (our number, planned first) is taken again by then: the same
	 * count. With only t[1] the hop round the wrap passes our number. */
	if (pidcycle_plan(&t[1], 1, &o, &gone) || t[1].burn != burn_kept + 1)
		return 5;
	return 0;
}

HYG_TEST(plan_caller_gone)
{
	struct pidcycle_plan p = { .sz = sizeof(p), .flags = 2 };
	pid_t c;
	int st;

	settle_cursor();
	assert_int_equal(pidcycle_plan(NULL, 0, NULL, &p), -EINVAL);	/* unknown flag */
	c = fork();
	if (c == 0)
		_exit(caller_gone_child());
	assert_true(c > 0);
	hyg_own(c);
	st = ns_reap(c);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("caller_gone_child: status 0x%x (exit N: check N failed)", st);
}

/* Bad arguments, and callers built against other sizes of the structs. */
HYG_TEST(plan_args)
{
	struct older { size_t sz; pid_t pid; int err; } old[3];
	struct newer { struct pidcycle_target t; uint64_t canary; } nw[2];
	struct pidcycle_target t[2] = { { .sz = sizeof(t[0]), .pid = 1 },
					{ .sz = sizeof(t[0]), .pid = 1 } };
	struct pidcycle_plan p = { .sz = sizeof(p) };
	PIDCYCLE_OPTS(bad, .strategy = (enum pidcycle_strategy)77);

	assert_int_equal(pidcycle_plan(t, 2, NULL, NULL), -EINVAL);
	p.sz = 0;
	assert_int_equal(pidcycle_plan(t, 2, NULL, &p), -EINVAL);
	p.sz = sizeof(p);
	assert_int_equal(pidcycle_plan(NULL, 2, NULL, &p), -EINVAL);
	assert_int_equal(pidcycle_plan(t, 2, &bad, &p), -EINVAL);
	t[1].sz = sizeof(t[1]) - 8;	/* elements of different sizes */
	assert_int_equal(pidcycle_plan(t, 2, NULL, &p), -EINVAL);
	t[0].sz = t[1].sz = sizeof(size_t);	/* too small to hold err */
	assert_int_equal(pidcycle_plan(t, 2, NULL, &p), -EINVAL);
	assert_int_equal(pidcycle_plan(NULL, 0, NULL, &p), 0);
	assert_int_equal(p.failed, 0);
	assert_int_equal(p.burn_total, 0);
	/* An older caller: the stride is its sz, and only err is written. */
	for (size_t i = 0; i < NT(old); i++)
		old[i] = (struct older){ .sz = sizeof(old[0]), .err = 99 };
	old[0].pid = 1;
	old[1].pid = ns_pid_max();
	old[2].pid = eng_free_from(ns_last() + 10);
	assert_int_equal(pidcycle_plan((struct pidcycle_target *)old, NT(old), NULL, &p), 0);
	assert_int_equal(old[0].err, -EEXIST);
	assert_int_equal(old[1].err, -EINVAL);
	assert_int_equal(old[2].err, 0);
	/* A newer caller: the stride is its sz, its extra field is left alone. */
	for (size_t i = 0; i < NT(nw); i++) {
		memset(&nw[i], 0, sizeof(nw[i]));
		nw[i].t.sz = sizeof(nw[0]);
		nw[i].canary = 0x5a5a5a5a5a5a5a5aull;
	}
	nw[0].t.pid = 1;
	nw[1].t.pid = ns_pid_max();
	assert_int_equal(pidcycle_plan(&nw[0].t, NT(nw), NULL, &p), 0);
	assert_int_equal(nw[0].t.err, -EEXIST);
	assert_int_equal(nw[1].t.err, -EINVAL);
	for (size_t i = 0; i < NT(nw); i++)
		assert_true(nw[i].canary == 0x5a5a5a5a5a5a5a5aull);
}

/* A strategy the caller may not use fails the plan as it fails the request. */
HYG_TEST(plan_strategy_refused)
{
	PIDCYCLE_OPTS(o, .strategy = PIDCYCLE_SETTID);
	pid_t a = eng_free_from(ns_last() + 10);
	struct pidcycle_target t[1] = { { .sz = sizeof(t[0]), .pid = a } };
	struct pidcycle_plan p = { .sz = sizeof(p) };

	if (ns_info.set_tid) {
		print_message("[ SKIP-WHY ] set_tid is allowed here (the run as uid "
			      "65534 covers it)\n");
		skip();
	}
	assert_int_equal(pidcycle_plan(t, 1, &o, &p), -EPERM);
	assert_int_equal(ns_settle_fork(pidcycle_fork_at(a, &o)), -EPERM);
}

#define T(f) NS_TEST(f)

static int run_all(const char *unused)
{
	const struct CMUnitTest tests[] = {
		T(holder_kinds), T(holder_args), T(holder_text),
		T(plan_states), T(plan_matches_burn), T(plan_privileged),
		T(plan_budget), T(plan_caller_gone), T(plan_args),
		T(plan_strategy_refused),
	};

	(void)unused;
	return ns_run_group("plan", tests, NT(tests), ns_group_setup, NULL);
}

int main(void)
{
	return ns_main("plan_api", "unshare --pid --fork --mount-proc "
		       "sh tests/engine_ns.sh 8000 root build/tests/plan_api",
		       run_all, NULL);
}
