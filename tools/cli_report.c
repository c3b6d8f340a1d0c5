/* cli_report.c - text and JSON output of the results, holders in words, and the error format. */
#include "cli_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli_json.h"
#include "cli_limits.h"

static bool errors_json;	/* --json: errors are objects on stderr */

const char *cli_strategy_name(enum pidcycle_strategy s)
{
	const char *name = pidcycle_strategy_name(s);

	return name ? name : "unknown";
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_strategies(unsigned int mask, bool json)
{
	bool first = true;

	for (int s = PIDCYCLE_AUTO + 1; s < PIDCYCLE_STRATEGY_MAX; s++) {
		if (!(mask & (1u << s)))
			continue;
		if (json)
			printf("%s\"%s\"", first ? "" : ",", cli_strategy_name(s));
		else
			printf("%s%s", first ? "" : " ", cli_strategy_name(s));
		first = false;
	}
	if (first && !json)
		printf("(none)");
}

static void probe_json(const struct pidcycle_info *i, const char *run_why)
{
	printf("{");
	cli_json_str(stdout, "kernel", i->kernel, ",");
	cli_json_int(stdout, "pid_max", i->pid_max, ",");
	cli_json_int(stdout, "last_pid", i->last_pid, ",");
	cli_json_int(stdout, "wrap_floor", i->wrap_floor, ",");
	cli_json_bool(stdout, "clone3", i->clone3, ",");
	cli_json_bool(stdout, "set_tid", i->set_tid, ",");
	cli_json_bool(stdout, "ns_last_pid_readable", i->ns_last_pid_readable, ",");
	cli_json_bool(stdout, "ns_last_pid_writable", i->ns_last_pid_writable, ",");
	cli_json_bool(stdout, "ghost", i->ghost, ",");
	cli_json_key(stdout, "strategies");
	printf("[");
	print_strategies(i->strategies, true);
	printf("],");
	cli_json_str(stdout, "auto", cli_strategy_name(i->auto_strategy), ",");
	cli_json_bool(stdout, "run", !run_why, ",");
	if (run_why)
		cli_json_str(stdout, "run_why", run_why, "}\n");
	else
		cli_json_null(stdout, "run_why", "}\n");
}

void cli_print_probe(const struct pidcycle_info *i, const char *run_why,
		     bool json)
{
	if (json) {
		probe_json(i, run_why);
		return;
	}
	printf("kernel                %s\n", i->kernel);
	printf("pid_max               %d\n", (int)i->pid_max);
	printf("last_pid              %d\n", (int)i->last_pid);
	printf("wrap_floor            %d\n", (int)i->wrap_floor);
	printf("clone3                %s\n", yes_no(i->clone3));
	printf("set_tid               %s\n", yes_no(i->set_tid));
	printf("ns_last_pid_readable  %s\n", yes_no(i->ns_last_pid_readable));
	printf("ns_last_pid_writable  %s\n", yes_no(i->ns_last_pid_writable));
	printf("ghost                 %s\n", yes_no(i->ghost));
	printf("strategies            ");
	print_strategies(i->strategies, false);
	printf("\nauto                  %s\n", cli_strategy_name(i->auto_strategy));
	if (run_why)
		printf("run                   no: %s\n", run_why);
	else
		printf("run                   yes\n");
}

/* The holder of an estimate's target, when it is in use (and still is). */
static bool estimate_holder(const struct pidcycle_estimate *e,
			    struct pidcycle_holder *h)
{
	h->sz = sizeof(*h);
	return e->why == -EEXIST && pidcycle_holder(e->target, h) > 0;
}

static void estimate_json(const struct pidcycle_estimate *e)
{
	struct pidcycle_holder h;
	bool held = estimate_holder(e, &h);

	printf("{");
	cli_json_int(stdout, "target", e->target, ",");
	cli_json_int(stdout, "last_pid", e->last_pid, ",");
	cli_json_bool(stdout, "reachable", e->reachable, ",");
	if (e->reachable)
		cli_json_null(stdout, "why", ",");
	else
		cli_json_str(stdout, "why", strerror(-e->why), ",");
	cli_json_key(stdout, "holder");
	cli_holder_json(stdout, held ? &h : NULL);
	printf(",");
	cli_json_bool(stdout, "wraps", e->wraps, ",");
	cli_json_uint(stdout, "distance", e->distance, ",");
	cli_json_uint(stdout, "in_use", e->in_use, ",");
	cli_json_str(stdout, "strategy", cli_strategy_name(e->strategy), ",");
	cli_json_num(stdout, "pids_per_sec", e->rate, ",");
	cli_json_num(stdout, "eta_seconds", e->eta_sec, "}\n");
}

void cli_print_estimate(const struct pidcycle_estimate *e, bool json)
{
	if (json) {
		estimate_json(e);
		return;
	}
	printf("target      %d\n", (int)e->target);
	printf("last_pid    %d\n", (int)e->last_pid);
	struct pidcycle_holder h;
	char who[160];

	if (e->reachable) {
		printf("reachable   yes\n");
	} else if (estimate_holder(e, &h)) {
		pidcycle_holder_text(&h, who, sizeof(who));
		printf("reachable   no (%s: in use by %s)\n", strerror(-e->why), who);
	} else {
		printf("reachable   no (%s)\n", strerror(-e->why));
	}
	printf("wraps       %s\n", yes_no(e->wraps));
	printf("distance    %llu free numbers to burn\n",
	       (unsigned long long)e->distance);
	printf("in_use      %llu numbers skipped\n",
	       (unsigned long long)e->in_use);
	printf("strategy    %s\n", cli_strategy_name(e->strategy));
	/* A privileged strategy burns nothing: the library reports rate 0. */
	if (e->rate > 0)
		printf("rate        %.0f PIDs/s\n", e->rate);
	else
		printf("rate        - (nothing to burn)\n");
	printf("eta         %.3f s\n", e->eta_sec);
}

void cli_print_burn(const struct pidcycle_stats *st, bool json)
{
	if (json) {
		printf("{");
		cli_json_str(stdout, "strategy", cli_strategy_name(st->strategy), ",");
		cli_json_uint(stdout, "threads", st->threads, ",");
		cli_json_uint(stdout, "count", st->burnt, ",");
		cli_json_num(stdout, "seconds", st->seconds, ",");
		cli_json_num(stdout, "pids_per_sec", st->pids_per_sec, ",");
		cli_json_uint(stdout, "laps", st->laps, "}\n");
		return;
	}
	printf("burnt %llu PIDs in %.3f s with %s, %u thread%s: %.0f PIDs/s",
	       (unsigned long long)st->burnt, st->seconds,
	       cli_strategy_name(st->strategy), st->threads,
	       st->threads == 1 ? "" : "s", st->pids_per_sec);
	if (st->laps)
		printf(", %u lap%s", st->laps, st->laps == 1 ? "" : "s");
	printf("\n");
}

void cli_print_pid(pid_t pid, bool json)
{
	if (json) {
		printf("{");
		cli_json_int(stdout, "pid", pid, "}\n");
	} else {
		printf("%d\n", (int)pid);
	}
}

/* ---- holders ----------------------------------------------------------- */

static const char *const hold_names[] = {
	[PIDCYCLE_HOLD_NONE] = "none", [PIDCYCLE_HOLD_PID] = "pid",
	[PIDCYCLE_HOLD_TID] = "tid", [PIDCYCLE_HOLD_PGRP] = "pgrp",
	[PIDCYCLE_HOLD_SESSION] = "session", [PIDCYCLE_HOLD_HIDDEN] = "hidden",
};

void cli_holder_json(FILE *f, const struct pidcycle_holder *h)
{
	bool known = h && h->pid > 0;

	if (!h) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	if (known)
		cli_json_int(f, "pid", h->pid, ",");
	else
		cli_json_null(f, "pid", ",");
	if (h->how == PIDCYCLE_HOLD_TID)
		cli_json_int(f, "tid", h->number, ",");
	else
		cli_json_null(f, "tid", ",");
	if (known && h->comm[0])
		cli_json_str(f, "comm", h->comm, ",");
	else
		cli_json_null(f, "comm", ",");
	if (known && h->uid != (uid_t)-1)
		cli_json_uint(f, "uid", h->uid, ",");
	else
		cli_json_null(f, "uid", ",");
	cli_json_str(f, "as", (unsigned int)h->how < sizeof(hold_names) /
		     sizeof(hold_names[0]) ? hold_names[h->how] : "hidden", ",");
	cli_json_bool(f, "zombie", h->zombie, "}");
}

/* ---- errors ------------------------------------------------------------ */

/* A few words on what the error means here, or "" for none. */
static void hint(int err, bool pid_call, char *buf, size_t n)
{
	const char *h = NULL;

	switch (err) {
	case EPERM:
		h = "needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE over the PID namespace";
		break;
	case ERANGE:
		h = "below the wrap floor 300, unreachable without privilege";
		break;
	case EEXIST:
		h = "PID in use";
		break;
	case ETIMEDOUT:
		h = "--timeout or --max-burn budget spent";
		break;
	case EAGAIN:
		h = "lost a race, try again";
		break;
	case ENOSYS:
		h = "no usable strategy for this call here, see 'pidcycle probe'";
		break;
	case EINVAL:
		h = pid_call ? "PID must be below pid_max" : NULL;
		break;
	case ENOSPC:
		/* The library says a limit on tasks refused a clone: which? */
		cli_task_limit_now(buf, n);
		return;
	default:
		break;
	}
	snprintf(buf, n, "%s", h ? h : "");
}

int cli_status(int err, bool pid_call)
{
	switch (-err) {
	case EEXIST:
		return CLI_EXIT_IN_USE;
	case EAGAIN:
		return CLI_EXIT_RACE;
	case ERANGE:
		return CLI_EXIT_UNREACHABLE;
	case EINVAL:
		return pid_call ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAILURE;
	case ETIMEDOUT:
	case ECANCELED:
		return CLI_EXIT_BUDGET;
	default:
		return CLI_EXIT_FAILURE;
	}
}

void cli_report_json(bool on)
{
	errors_json = on;
}

static void error_json(const char *what, int err, const char *h,
		       const struct pidcycle_holder *holder, int status)
{
	const char *name = err ? strerrorname_np(err) : NULL;

	fputc('{', stderr);
	cli_json_str(stderr, "what", what, ",");
	cli_json_int(stderr, "errno", err, ",");
	cli_json_str(stderr, "name", name ? name : "", ",");
	cli_json_str(stderr, "message", strerror(err), ",");
	if (*h)
		cli_json_str(stderr, "hint", h, ",");
	else
		cli_json_null(stderr, "hint", ",");
	cli_json_key(stderr, "holder");
	cli_holder_json(stderr, holder);
	fputc(',', stderr);
	cli_json_int(stderr, "exit_status", status, "}\n");
}

/* The line "pidcycle: what: text[ (h)]", or the JSON object with h as its hint. */
static int emit(const char *what, int err, const char *text, const char *h,
		const struct pidcycle_holder *holder, int status)
{
	fflush(stdout);
	if (errors_json)
		error_json(what, -err, h, holder, status);
	else if (*h)
		fprintf(stderr, "pidcycle: %s: %s (%s)\n", what, text, h);
	else
		fprintf(stderr, "pidcycle: %s: %s\n", what, text);
	return status;
}

/* sys: a system call of the CLI's own failed, not the library: no hint. */
static int report(const char *what, int err, bool pid_call, const char *why,
		  const struct pidcycle_holder *holder, bool sys)
{
	int status = cli_status(err, pid_call);
	char h[256], who[160];

	if (why) {
		snprintf(h, sizeof(h), "%s", why);
	} else if (holder) {
		pidcycle_holder_text(holder, who, sizeof(who));
		snprintf(h, sizeof(h), "in use by %s", who);
	} else if (sys) {
		h[0] = '\0';
	} else {
		hint(-err, pid_call, h, sizeof(h));
	}
	return emit(what, err, strerror(-err), h, holder, status);
}

int cli_report_error(const char *what, int err, bool pid_call,
		     const char *why, const struct pidcycle_holder *holder)
{
	return report(what, err, pid_call, why, holder, false);
}

int cli_error_why(const char *what, int err, const char *why)
{
	/* The text line is why alone; the JSON object has it as the hint. */
	return emit(what, err, why, errors_json ? why : "", NULL, cli_status(err, false));
}

int cli_error(const char *what, int err, bool pid_call)
{
	return report(what, err, pid_call, NULL, NULL, false);
}

int cli_error_sys(const char *what, int err)
{
	return report(what, err, false, NULL, NULL, true);
}

int cli_error_pid(const char *what, int err, pid_t pid)
{
	struct pidcycle_holder h = { .sz = sizeof(h) };
	bool held = err == -EEXIST && pid > 0 && pidcycle_holder(pid, &h) > 0;

	return report(what, err, true, NULL, held ? &h : NULL, false);
}

void cli_usage_error(const char *msg)
{
	fflush(stdout);
	if (!errors_json) {
		fprintf(stderr, "pidcycle: %s\n", msg);
		return;
	}
	fputc('{', stderr);
	cli_json_str(stderr, "what", "usage", ",");
	cli_json_int(stderr, "errno", EINVAL, ",");
	cli_json_str(stderr, "name", "EINVAL", ",");
	cli_json_str(stderr, "message", msg, ",");
	cli_json_null(stderr, "hint", ",");
	cli_json_null(stderr, "holder", ",");
	cli_json_int(stderr, "exit_status", CLI_EXIT_USAGE, "}\n");
}
