/* cli_plan.h - `pidcycle plan`: what a restore's list of PIDs and TIDs would take here. */
#ifndef PIDCYCLE_CLI_PLAN_H
#define PIDCYCLE_CLI_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "pidcycle.h"

struct cli_plan_req {
	const char *criu_dir;		/* --criu DIR, or NULL: then pids */
	const uint32_t *pids;		/* the PID operands, in order */
	size_t npids;
	const struct pidcycle_opts *opts;
	bool json, quiet;
};

/*
 * Plan, print the plan (a table, JSON, or nothing with --quiet) and return
 * the exit status: 0 when every number can be had, else the status a request
 * for the first one that cannot (in restore order) would exit with, after
 * one error line (or JSON object) on stderr naming it.
 */
int cli_plan(const struct cli_plan_req *req);

#endif /* PIDCYCLE_CLI_PLAN_H */
