/* cli_plan.c - `pidcycle plan`: targets from operands or a CRIU image, the library's plan, printed. */
#include "cli_plan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_json.h"
#include "cli_report.h"
#include "criu_image.h"

/* One wanted number, with what the CLI knows beside the library's answer. */
struct row {
	uint32_t id;			/* as given: may be 0 or > INT_MAX */
	enum criu_kind kind;
	struct pidcycle_holder holder;	/* if held in the system */
	bool held;
	char why[200];			/* why it cannot be had, or "" */
};

struct plan {
	size_t n;
	struct row *rows;
	struct pidcycle_target *t;
	struct pidcycle_plan totals;
	const struct pidcycle_opts *opts;
};

static const char *kind_name(enum criu_kind k)
{
	return k == CRIU_TID ? "tid" : "pid";
}

static const char *state_name(int err)
{
	switch (-err) {
	case 0:
		return "free";
	case EEXIST:
		return "in_use";
	case ERANGE:
		return "unreachable";
	case ETIMEDOUT:
		return "over_budget";
	default:
		return "invalid";
	}
}

static int plan_alloc(struct plan *p, size_t n)
{
	p->n = n;
	p->rows = calloc(n ? n : 1, sizeof(*p->rows));
	p->t = calloc(n ? n : 1, sizeof(*p->t));
	return p->rows && p->t ? 0 : -ENOMEM;
}

static void plan_free(struct plan *p)
{
	free(p->rows);
	free(p->t);
}

/* The rows: the operands, or every PID and TID of the image. 0 or a status. */
static int load_rows(const struct cli_plan_req *req, struct plan *p)
{
	struct criu_tasks tasks = { 0 };
	char err[300], what[4200];
	int ret;

	if (!req->criu_dir) {
		if (plan_alloc(p, req->npids))
			return cli_error_sys("plan", -ENOMEM);
		for (size_t i = 0; i < req->npids; i++)
			p->rows[i] = (struct row){ .id = req->pids[i], .kind = CRIU_PID };
		return 0;
	}
	ret = criu_pstree_read(req->criu_dir, &tasks, err, sizeof(err));
	if (ret < 0) {
		snprintf(what, sizeof(what), "plan --criu %s/pstree.img", req->criu_dir);
		return *err ? cli_report_error(what, ret, false, err, NULL)
			    : cli_error_sys(what, ret);
	}
	if (plan_alloc(p, tasks.n)) {
		criu_tasks_free(&tasks);
		return cli_error_sys("plan", -ENOMEM);
	}
	for (size_t i = 0; i < tasks.n; i++)
		p->rows[i] = (struct row){ .id = tasks.v[i].id, .kind = tasks.v[i].kind };
	criu_tasks_free(&tasks);
	return 0;
}

/* Why a target cannot be had, in words, and who holds it. */
static void explain(struct plan *p, size_t i)
{
	const struct pidcycle_target *t = &p->t[i];
	struct row *r = &p->rows[i];
	char who[160];

	r->holder.sz = sizeof(r->holder);
	switch (-t->err) {
	case 0:
		return;
	case EEXIST:
		if (t->same_as) {
			snprintf(r->why, sizeof(r->why), "taken first by #%zu of this plan",
				 t->same_as);
		} else if ((r->held = pidcycle_holder(t->pid, &r->holder) > 0)) {
			pidcycle_holder_text(&r->holder, who, sizeof(who));
			snprintf(r->why, sizeof(r->why), "in use by %s", who);
		} else {
			snprintf(r->why, sizeof(r->why), "in use");
		}
		return;
	case ERANGE:
		snprintf(r->why, sizeof(r->why), "below the wrap floor 300, unreachable without privilege");
		return;
	case ETIMEDOUT:
		if (p->opts->max_burn && t->burn > p->opts->max_burn)
			snprintf(r->why, sizeof(r->why), "needs %llu, beyond --max-burn %llu",
				 (unsigned long long)t->burn,
				 (unsigned long long)p->opts->max_burn);
		else
			snprintf(r->why, sizeof(r->why), "expected %.3f s, beyond --timeout",
				 t->eta_sec);
		return;
	default:
		snprintf(r->why, sizeof(r->why), "out of range: PIDs are 1 to %d here",
			 (int)p->totals.pid_max - 1);
		return;
	}
}

/* ---- output ------------------------------------------------------------ */

static void print_text(const struct plan *p)
{
	const struct pidcycle_plan *s = &p->totals;

	printf("%5s  %-4s  %-10s  %-11s  %10s  %-4s  %s\n", "#", "kind", "number",
	       "state", "burn", "wrap", "why not");
	for (size_t i = 0; i < p->n; i++) {
		const struct pidcycle_target *t = &p->t[i];
		const struct row *r = &p->rows[i];

		bool counts = !t->err || t->err == -ETIMEDOUT;

		printf("%5zu  %-4s  %-10lu  %-11s  ", i + 1, kind_name(r->kind),
		       (unsigned long)r->id, state_name(t->err));
		/* The last column pads only if a reason follows it. */
		if (counts)
			printf("%10llu  %-*s", (unsigned long long)t->burn,
			       r->why[0] ? 4 : 0, t->wraps ? "yes" : "no");
		else
			printf("%10s  %-*s", "-", r->why[0] ? 4 : 0, "-");
		printf("%s%s\n", r->why[0] ? "  " : "", r->why);
	}
	printf("plan: %zu number%s, %zu can be had; %llu to burn, %u lap%s; %s",
	       p->n, p->n == 1 ? "" : "s", p->n - s->failed,
	       (unsigned long long)s->burn_total, s->laps, s->laps == 1 ? "" : "s",
	       cli_strategy_name(s->strategy));
	if (s->rate > 0)
		printf(", %u thread%s, %.0f PIDs/s", s->threads,
		       s->threads == 1 ? "" : "s", s->rate);
	printf(": ETA %.3f s\n", s->eta_sec);
}

static void target_json(const struct plan *p, size_t i)
{
	const struct pidcycle_target *t = &p->t[i];
	const struct row *r = &p->rows[i];
	bool counts = !t->err || t->err == -ETIMEDOUT;

	printf("{");
	cli_json_uint(stdout, "pid", r->id, ",");
	cli_json_str(stdout, "kind", kind_name(r->kind), ",");
	cli_json_str(stdout, "state", state_name(t->err), ",");
	cli_json_key(stdout, "holder");
	cli_holder_json(stdout, r->held ? &r->holder : NULL);
	printf(",");
	if (t->same_as)
		cli_json_uint(stdout, "same_as", t->same_as - 1, ",");
	else
		cli_json_null(stdout, "same_as", ",");
	cli_json_uint(stdout, "burn", counts ? t->burn : 0, ",");
	cli_json_uint(stdout, "in_use", counts ? t->in_use : 0, ",");
	cli_json_bool(stdout, "wrap", counts && t->wraps, ",");
	cli_json_num(stdout, "eta_sec", counts ? t->eta_sec : 0, ",");
	if (r->why[0])
		cli_json_str(stdout, "why", r->why, "}");
	else
		cli_json_null(stdout, "why", "}");
}

static void print_json(const struct plan *p, int status)
{
	const struct pidcycle_plan *s = &p->totals;

	printf("{\"targets\":[");
	for (size_t i = 0; i < p->n; i++) {
		if (i)
			printf(",");
		target_json(p, i);
	}
	printf("],");
	cli_json_uint(stdout, "burn_total", s->burn_total, ",");
	cli_json_uint(stdout, "laps", s->laps, ",");
	cli_json_num(stdout, "rate", s->rate, ",");
	cli_json_num(stdout, "eta_sec", s->eta_sec, ",");
	cli_json_str(stdout, "strategy", cli_strategy_name(s->strategy), ",");
	cli_json_uint(stdout, "threads", s->threads, ",");
	cli_json_int(stdout, "last_pid", s->last_pid, ",");
	cli_json_int(stdout, "pid_max", s->pid_max, ",");
	cli_json_uint(stdout, "failed", s->failed, ",");
	cli_json_int(stdout, "exit_status", status, "}\n");
}

/* The first target that cannot be had, as the error of the whole plan. */
static int first_failure(const struct plan *p)
{
	size_t i = p->totals.first_failed;
	const struct row *r = &p->rows[i];
	char what[64];

	snprintf(what, sizeof(what), "plan: %s %lu (#%zu)",
		 r->kind == CRIU_TID ? "TID" : "PID", (unsigned long)r->id, i + 1);
	return cli_report_error(what, p->t[i].err, true, r->why,
				r->held ? &r->holder : NULL);
}

int cli_plan(const struct cli_plan_req *req)
{
	struct plan p = { .opts = req->opts };
	int ret, status = 0;

	ret = load_rows(req, &p);
	if (ret) {
		plan_free(&p);
		return ret;
	}
	for (size_t i = 0; i < p.n; i++) {
		p.t[i].sz = sizeof(p.t[i]);
		/* 0 and numbers no pid_t can hold are "invalid" to the library. */
		p.t[i].pid = p.rows[i].id > INT_MAX ? 0 : (pid_t)p.rows[i].id;
	}
	p.totals.sz = sizeof(p.totals);
	p.totals.flags = PIDCYCLE_PLAN_CALLER_GONE;	/* we exit before any request */
	ret = pidcycle_plan(p.t, p.n, req->opts, &p.totals);
	if (ret < 0) {
		plan_free(&p);
		return cli_error("plan", ret, false);
	}
	for (size_t i = 0; i < p.n; i++)
		explain(&p, i);
	if (p.totals.failed)
		status = cli_status(p.totals.err, true);
	if (req->json)
		print_json(&p, status);
	else if (!req->quiet)
		print_text(&p);
	if (p.totals.failed)
		first_failure(&p);
	plan_free(&p);
	return status;
}
