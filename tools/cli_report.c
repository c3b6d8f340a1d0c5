/* cli_report.c - text and JSON output of probe/estimate/burn, and the one-line error format. */
#include "cli_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *cli_strategy_name(enum pidcycle_strategy s)
{
	const char *name = pidcycle_strategy_name(s);

	return name ? name : "unknown";
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

/* JSON has no inf/nan: an unknown number becomes null. */
static void json_num(const char *key, double v, const char *sep)
{
	if (isfinite(v))
		printf("\"%s\":%.10g%s", key, v, sep);
	else
		printf("\"%s\":null%s", key, sep);
}

static void json_str(const char *key, const char *v, const char *sep)
{
	printf("\"%s\":\"", key);
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	printf("\"%s", sep);
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
	json_str("kernel", i->kernel, ",");
	printf("\"pid_max\":%d,\"last_pid\":%d,\"wrap_floor\":%d,",
	       (int)i->pid_max, (int)i->last_pid, (int)i->wrap_floor);
	printf("\"clone3\":%s,\"set_tid\":%s,", json_bool(i->clone3),
	       json_bool(i->set_tid));
	printf("\"ns_last_pid_readable\":%s,\"ns_last_pid_writable\":%s,",
	       json_bool(i->ns_last_pid_readable),
	       json_bool(i->ns_last_pid_writable));
	printf("\"ghost\":%s,\"strategies\":[", json_bool(i->ghost));
	print_strategies(i->strategies, true);
	printf("],");
	json_str("auto", cli_strategy_name(i->auto_strategy), ",");
	printf("\"run\":%s,", json_bool(!run_why));
	if (run_why)
		json_str("run_why", run_why, "}\n");
	else
		printf("\"run_why\":null}\n");
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

static void estimate_json(const struct pidcycle_estimate *e)
{
	printf("{\"target\":%d,\"last_pid\":%d,\"reachable\":%s,",
	       (int)e->target, (int)e->last_pid, json_bool(e->reachable));
	if (e->reachable)
		printf("\"why\":null,");
	else
		json_str("why", strerror(-e->why), ",");
	printf("\"wraps\":%s,\"distance\":%llu,\"in_use\":%llu,",
	       json_bool(e->wraps), (unsigned long long)e->distance,
	       (unsigned long long)e->in_use);
	json_str("strategy", cli_strategy_name(e->strategy), ",");
	json_num("pids_per_sec", e->rate, ",");
	json_num("eta_seconds", e->eta_sec, "}\n");
}

void cli_print_estimate(const struct pidcycle_estimate *e, bool json)
{
	if (json) {
		estimate_json(e);
		return;
	}
	printf("target      %d\n", (int)e->target);
	printf("last_pid    %d\n", (int)e->last_pid);
	if (e->reachable)
		printf("reachable   yes\n");
	else
		printf("reachable   no (%s)\n", strerror(-e->why));
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
		json_str("strategy", cli_strategy_name(st->strategy), ",");
		printf("\"threads\":%u,\"count\":%llu,", st->threads,
		       (unsigned long long)st->burnt);
		json_num("seconds", st->seconds, ",");
		json_num("pids_per_sec", st->pids_per_sec, ",");
		printf("\"laps\":%u}\n", st->laps);
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

static const char *hint(int err, bool pid_call)
{
	switch (err) {
	case EPERM:
		return "needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE over the PID namespace";
	case ERANGE:
		return "below the wrap floor 300, unreachable without privilege";
	case EEXIST:
		return "PID in use";
	case ETIMEDOUT:
		return "--timeout or --max-burn budget spent";
	case EAGAIN:
		return "lost a race, try again";
	case ENOSYS:
		return "no usable strategy for this call here, see 'pidcycle probe'";
	case EINVAL:
		return pid_call ? "PID must be below pid_max" : NULL;
	default:
		return NULL;
	}
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

int cli_error(const char *what, int err, bool pid_call)
{
	const char *h = hint(-err, pid_call);

	fflush(stdout);
	if (h)
		fprintf(stderr, "pidcycle: %s: %s (%s)\n", what, strerror(-err), h);
	else
		fprintf(stderr, "pidcycle: %s: %s\n", what, strerror(-err));
	return cli_status(err, pid_call);
}
