/* pidcycle.c - the pidcycle command: probe, next, exec, run, burn, estimate and plan over libpidcycle. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidcycle.h"
#include "cli_fds.h"
#include "cli_parse.h"
#include "cli_plan.h"
#include "cli_progress.h"
#include "cli_report.h"
#include "cli_run.h"
#include "cli_signal.h"
#include "emul.h"

/* Option bits, to check each command takes only its own options. */
enum {
	O_JSON = 1 << 0, O_STRATEGY = 1 << 1, O_THREADS = 1 << 2,
	O_TIMEOUT = 1 << 3, O_MAX_BURN = 1 << 4, O_PROGRESS = 1 << 5,
	O_QUIET = 1 << 6, O_PID = 1 << 7, O_MIN = 1 << 8, O_NO_WAIT = 1 << 9,
	O_HELP = 1 << 10, O_VERSION = 1 << 11, O_CRIU = 1 << 12,
};
#define O_COMMON (O_JSON | O_STRATEGY | O_THREADS | O_TIMEOUT | O_MAX_BURN | \
		  O_PROGRESS | O_QUIET)

/* struct command's operands, besides an exact count. */
#define OPS_CMD (-1)		/* CMD [ARG...]: options stop at CMD */
#define OPS_LIST (-2)		/* any number; the command checks them */

struct cli {
	const struct command *cmd;
	unsigned int seen;		/* O_* given */
	enum pidcycle_strategy strategy;
	unsigned int threads, timeout_ms;
	uint64_t max_burn;
	pid_t target;			/* exec --pid / --min */
	const char *criu_dir;		/* plan --criu */
	char **args;			/* operands (exec: CMD [ARG...]) */
	int nargs;
	struct cli_progress progress;
};

struct command {
	const char *name;
	unsigned int options;		/* O_* allowed */
	int operands;			/* exact count, OPS_CMD or OPS_LIST */
	int (*run)(struct cli *c);
};

static const char usage_text[] =
	"usage: pidcycle probe [--json]\n"
	"       pidcycle next PID [OPTIONS]\n"
	"       pidcycle exec (--pid PID | --min PID) [OPTIONS] [--no-wait] -- CMD [ARG...]\n"
	"       pidcycle run [--strategy NAME] [--threads N] [--timeout SECONDS] [--json] -- CMD [ARG...]\n"
	"       pidcycle burn COUNT [OPTIONS] [--json]\n"
	"       pidcycle estimate PID [--strategy NAME] [--threads N] [--json]\n"
	"       pidcycle plan (PID... | --criu DIR) [--strategy NAME] [--threads N]\n"
	"                     [--timeout SECONDS] [--max-burn COUNT] [--quiet] [--json]\n"
	"       pidcycle --help | --version\n"
	"OPTIONS: --strategy NAME  --threads N  --timeout SECONDS  --max-burn COUNT\n"
	"         --progress | --quiet  --json\n"
	"strategies: auto settid lastpid ghost thread vfork fork\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static bool json_errors;	/* --json is on the command line */

/* Say once that stdout failed; what is still buffered is dropped with it. */
static int stdout_failed(int err)
{
	int st = cli_error_sys("standard output", err);

	__fpurge(stdout);
	clearerr(stdout);
	return st;
}

/* One line saying what is wrong, then the usage (or one JSON object); exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_usage_error(msg);
	if (!json_errors)
		usage(stderr);
	exit(CLI_EXIT_USAGE);
}

static void bad_number(const char *what, const char *s, int err)
{
	if (err == -ERANGE)
		usage_error("%s out of range: '%s'", what, s);
	usage_error("%s is not a decimal number: '%s'", what, s);
}

static pid_t want_pid(const char *what, const char *s)
{
	pid_t pid = 0;
	int ret = cli_parse_pid(s, &pid);

	if (ret < 0)
		bad_number(what, s, ret);
	return pid;
}

static void want_strategy(struct cli *c, const char *s)
{
	int ret = pidcycle_strategy_parse(s);

	if (ret < 0)
		usage_error("unknown strategy '%s'", s);
	c->strategy = (enum pidcycle_strategy)ret;
}

/* --threads, --timeout, --max-burn. */
static void want_limit(struct cli *c, int opt, const char *s)
{
	int ret;

	if (opt == O_THREADS && (ret = cli_parse_threads(s, &c->threads)) < 0)
		usage_error("--threads must be 1..1024, not '%s'", s);
	if (opt == O_TIMEOUT &&
	    (ret = cli_parse_seconds(s, &c->timeout_ms)) < 0)
		usage_error("--timeout must be decimal seconds, 0 < SECONDS <= 4294967, not '%s'", s);
	if (opt == O_MAX_BURN && (ret = cli_parse_count(s, &c->max_burn)) < 0)
		bad_number("--max-burn", s, ret);
}

static const char *option_name(int opt);

static void take_option(struct cli *c, int opt)
{
	if (c->seen & opt && opt != O_HELP && opt != O_VERSION)
		usage_error("--%s given twice", option_name(opt));
	c->seen |= (unsigned int)opt;
	if (opt == O_STRATEGY)
		want_strategy(c, optarg);
	else if (opt & (O_THREADS | O_TIMEOUT | O_MAX_BURN))
		want_limit(c, opt, optarg);
	else if (opt & (O_PID | O_MIN))
		c->target = want_pid(opt == O_PID ? "--pid" : "--min", optarg);
	else if (opt == O_CRIU)
		c->criu_dir = optarg;
}

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, O_JSON },
	{ "strategy", required_argument, NULL, O_STRATEGY },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "max-burn", required_argument, NULL, O_MAX_BURN },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "pid", required_argument, NULL, O_PID },
	{ "min", required_argument, NULL, O_MIN },
	{ "no-wait", no_argument, NULL, O_NO_WAIT },
	{ "criu", required_argument, NULL, O_CRIU },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char *option_name(int opt)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static const char *optstring_of(const struct command *cmd)
{
	return cmd->operands == OPS_CMD ? "+:h" : ":h";
}

/*
 * Is --json among the options (not among CMD's arguments)? A first pass with
 * the same rules as the real one, so that even a usage error found before
 * --json is read comes out as JSON.
 */
static bool wants_json(const struct command *cmd, int argc, char **argv)
{
	bool json = false;
	int opt;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, optstring_of(cmd), long_opts, NULL)) != -1)
		json |= opt == O_JSON;
	return json;
}

/* Options after the command word; exec stops at CMD ("+"), the rest permute. */
static void parse_options(struct cli *c, int argc, char **argv)
{
	const char *optstring = optstring_of(c->cmd);
	int opt;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, optstring, long_opts, NULL)) != -1) {
		if (opt == ':')
			usage_error("%s needs a value", argv[optind - 1]);
		if (opt == '?')
			usage_error("unknown option '%s'", argv[optind - 1]);
		if (opt == 'h')
			opt = O_HELP;
		take_option(c, opt);
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
}

static int run_exec(struct cli *c);

static void check_options(const struct cli *c)
{
	unsigned int extra = c->seen & ~(c->cmd->options | O_HELP | O_VERSION);

	if (extra)
		usage_error("%s does not take --%s", c->cmd->name,
			    option_name((int)(extra & -extra)));
	if ((c->seen & O_PROGRESS) && (c->seen & O_QUIET))
		usage_error("--progress and --quiet exclude each other");
	if (c->cmd->operands >= 0 && c->nargs != c->cmd->operands)
		usage_error("%s takes %d operand%s", c->cmd->name,
			    c->cmd->operands, c->cmd->operands == 1 ? "" : "s");
	if (c->cmd->run == run_exec && !(c->seen & (O_PID | O_MIN)))
		usage_error("exec needs --pid PID or --min PID");
	if ((c->seen & O_PID) && (c->seen & O_MIN))
		usage_error("--pid and --min exclude each other");
	if (c->cmd->operands == OPS_CMD && c->nargs == 0)
		usage_error("%s needs a command after --", c->cmd->name);
}

/* Library options from the command line; the callback always runs so that
 * a stop signal cancels the call (-ECANCELED). */
static struct pidcycle_opts lib_opts(struct cli *c)
{
	PIDCYCLE_OPTS(o, .strategy = c->strategy, .threads = c->threads,
		      .timeout_ms = c->timeout_ms, .max_burn = c->max_burn,
		      .progress = cli_progress_cb, .progress_arg = &c->progress,
		      .progress_ms = 50);
	return o;
}

/* Set up for a call that may take long: block stop signals, prepare the bar. */
static void start_long(struct cli *c, bool forward)
{
	int ret = cli_sig_init(forward);

	if (ret < 0)
		exit(cli_error_sys("signals", ret));
	cli_progress_init(&c->progress, c->seen & O_PROGRESS);
}

/* After a long call: 128+N if signal N asked to stop (even if the call had
 * just finished), the failure's status with a message if it failed, else 0.
 * pid: the PID the call asked for (its holder is named), 0 for none. */
static int end_long(struct cli *c, int ret, const char *what, pid_t pid)
{
	int sig;

	cli_progress_clear(&c->progress);
	sig = cli_sig_stop();
	if (sig)
		return 128 + sig;
	if (ret >= 0)
		return 0;
	return pid ? cli_error_pid(what, ret, pid) : cli_error(what, ret, false);
}

static int run_probe(struct cli *c)
{
	struct pidcycle_info info = { .sz = sizeof(info) };
	struct emul_err why = { 0 };
	int ret = pidcycle_probe(&info);

	if (ret < 0)
		return cli_error("probe", ret, false);
	ret = emul_check(&why);
	cli_print_probe(&info, ret < 0 ? why.why : NULL, c->seen & O_JSON);
	return 0;
}

static int run_estimate(struct cli *c)
{
	struct pidcycle_estimate est = { .sz = sizeof(est) };
	pid_t pid = want_pid("PID", c->args[0]);
	PIDCYCLE_OPTS(o, .strategy = c->strategy, .threads = c->threads);
	char what[48];
	int ret = pidcycle_estimate(pid, &o, &est);

	if (ret < 0) {
		snprintf(what, sizeof(what), "estimate PID %d", (int)pid);
		return cli_error_pid(what, ret, pid);
	}
	cli_print_estimate(&est, c->seen & O_JSON);
	return 0;
}

/* Silent on success, like other set-style commands; --json: {"pid":PID}. */
static int run_next(struct cli *c)
{
	pid_t pid = want_pid("PID", c->args[0]);
	struct pidcycle_opts o;
	char what[48];
	int ret;

	start_long(c, false);
	o = lib_opts(c);
	ret = pidcycle_set_next(pid, &o);
	snprintf(what, sizeof(what), "set next PID %d", (int)pid);
	ret = end_long(c, ret, what, pid);
	if (ret == 0 && (c->seen & O_JSON))
		cli_print_pid(pid, true);
	return ret;
}

static int run_burn(struct cli *c)
{
	struct pidcycle_stats st = { .sz = sizeof(st) };
	struct pidcycle_opts o;
	uint64_t count = 0;
	char what[48];
	int ret = cli_parse_count(c->args[0], &count);

	if (ret < 0)
		bad_number("COUNT", c->args[0], ret);
	start_long(c, false);
	o = lib_opts(c);
	ret = pidcycle_burn(count, &o, &st);
	snprintf(what, sizeof(what), "burn %llu PIDs", (unsigned long long)count);
	ret = end_long(c, ret, what, 0);
	if (ret == 0 && ((c->seen & O_JSON) || !(c->seen & O_QUIET)))
		cli_print_burn(&st, c->seen & O_JSON);
	return ret;
}

/*
 * The gate between the new child and CMD. The child waits on it before it
 * becomes CMD; the parent opens it only once what it must print (the PID,
 * for --no-wait and --json) is out. A parent that cannot print, or dies
 * first, never opens it: the child then exits without running CMD, so no
 * caller sees pidcycle fail while CMD runs. A socket, not a pipe: a send to a
 * child killed meanwhile must not raise SIGPIPE in us.
 */
static int gate[2] = { -1, -1 };

static int gate_make(void)
{
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) ? -errno : 0;
}

/* In the new child: wait at the gate, then become CMD, or fail like env(1) (127/126). */
static void __attribute__((noreturn)) exec_cmd(struct cli *c)
{
	char msg[512], go;
	ssize_t n;
	int err, len;

	cli_progress_clear(&c->progress);
	close(gate[1]);
	do
		n = read(gate[0], &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(CLI_EXIT_FAILURE);	/* the parent said no: CMD never runs */
	close(gate[0]);
	cli_sig_child();
	execvp(c->args[0], c->args);
	err = errno;
	/* snprintf+write: no stdio lock that another thread may have held. */
	len = snprintf(msg, sizeof(msg), "pidcycle: %s: %s\n", c->args[0],
		       strerror(err));
	if (len > 0 && write(STDERR_FILENO, msg, (size_t)len) < 0)
		len = 0;
	_exit(err == ENOENT ? 127 : 126);
}

static int exec_failed(struct cli *c, pid_t ret)
{
	char what[48];

	snprintf(what, sizeof(what), "fork at PID %s%d",
		 c->seen & O_MIN ? ">= " : "", (int)c->target);
	return end_long(c, ret, what, c->target);
}

/* Print the PID (--no-wait, --json) and flush: 0 or -errno. */
static int say_pid(struct cli *c, pid_t child)
{
	if (!(c->seen & (O_NO_WAIT | O_JSON)))
		return 0;
	cli_print_pid(child, c->seen & O_JSON);
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	return errno ? -errno : -EIO;
}

/* The child waits at the gate: let it become CMD, or make it leave and reap it. */
static void gate_open(pid_t child, bool go)
{
	int status;

	if (go && send(gate[1], "g", 1, MSG_NOSIGNAL) != 1)
		go = false;	/* it is gone already: cli_sig_wait reports how */
	close(gate[1]);
	if (!go)
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
}

/*
 * Let CMD start once the PID is out. --no-wait: a stop signal that came
 * meanwhile cancels CMD, since nobody will be there to forward it later.
 * Returns 0, or the exit status when CMD will not run.
 */
static int start_cmd(struct cli *c, pid_t child)
{
	int sig = c->seen & O_NO_WAIT ? cli_sig_stop() : 0, err;

	if (sig) {
		gate_open(child, false);
		return 128 + sig;
	}
	err = say_pid(c, child);
	gate_open(child, !err);
	return err ? stdout_failed(err) : 0;
}

static int run_exec(struct cli *c)
{
	struct pidcycle_opts o;
	pid_t child;
	int ret = gate_make();

	if (ret)
		return cli_error_sys("socketpair", ret);
	start_long(c, true);
	o = lib_opts(c);
	if (c->seen & O_MIN)
		child = pidcycle_fork_min(c->target, &o);
	else
		child = pidcycle_fork_at(c->target, &o);
	if (child == 0)
		exec_cmd(c);
	close(gate[0]);
	if (child < 0) {
		close(gate[1]);
		return exec_failed(c, child);
	}
	c->progress.drawn = false;	/* the child erased it, before CMD ran */
	ret = start_cmd(c, child);
	if (ret || (c->seen & O_NO_WAIT))
		return ret;
	ret = cli_sig_wait(child);
	return ret < 0 ? cli_error_sys("wait", ret) : ret;
}

/* Plan operands are PIDs; --criu instead reads them from an image. */
static int run_plan(struct cli *c)
{
	PIDCYCLE_OPTS(o, .strategy = c->strategy, .threads = c->threads,
		      .timeout_ms = c->timeout_ms, .max_burn = c->max_burn);
	struct cli_plan_req req = {
		.criu_dir = c->criu_dir, .opts = &o, .npids = (size_t)c->nargs,
		.json = c->seen & O_JSON, .quiet = c->seen & O_QUIET,
	};
	uint32_t *pids;
	int ret;

	if (c->criu_dir && c->nargs)
		usage_error("plan takes PIDs or --criu DIR, not both");
	if (!c->criu_dir && !c->nargs)
		usage_error("plan needs PIDs or --criu DIR");
	pids = calloc(req.npids ? req.npids : 1, sizeof(*pids));
	if (!pids)
		return cli_error_sys("plan", -ENOMEM);
	for (int i = 0; i < c->nargs; i++)
		pids[i] = (uint32_t)want_pid("PID", c->args[i]);
	req.pids = pids;
	ret = cli_plan(&req);
	free(pids);
	return ret;
}

/* CMD with an emulated ns_last_pid (cli_run.c); --timeout is per write. */
static int run_run(struct cli *c)
{
	return cli_run(c->strategy, c->threads, c->timeout_ms, c->args);
}

static const struct command commands[] = {
	{ "probe", O_JSON, 0, run_probe },
	{ "next", O_COMMON, 1, run_next },
	{ "exec", O_COMMON | O_PID | O_MIN | O_NO_WAIT, OPS_CMD, run_exec },
	{ "run", O_JSON | O_STRATEGY | O_THREADS | O_TIMEOUT, OPS_CMD, run_run },
	{ "burn", O_COMMON, 1, run_burn },
	{ "estimate", O_JSON | O_STRATEGY | O_THREADS, 1, run_estimate },
	{ "plan", O_JSON | O_STRATEGY | O_THREADS | O_TIMEOUT | O_MAX_BURN |
		  O_QUIET | O_CRIU, OPS_LIST, run_plan },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* A full disk or closed pipe must not look like success. */
static int flush_stdout(int ret)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return ret;
	int st = stdout_failed(errno ? -errno : -EIO);

	return ret ? ret : st;
}

static int help_or_version(unsigned int seen)
{
	if (seen & O_HELP)
		usage(stdout);
	else
		printf("pidcycle %d.%d\n", PIDCYCLE_VERSION_MAJOR,
		       PIDCYCLE_VERSION_MINOR);
	return flush_stdout(0);
}

/* `pidcycle --help`, `pidcycle -h` or `pidcycle --version` alone. */
static int top_level(const char *arg)
{
	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
		return help_or_version(O_HELP);
	if (strcmp(arg, "--version") == 0)
		return help_or_version(O_VERSION);
	if (arg[0] == '-')
		usage_error("unknown option '%s'", arg);
	usage_error("unknown command '%s'", arg);
}

int main(int argc, char **argv)
{
	struct cli c = { .strategy = PIDCYCLE_AUTO };
	int ret = cli_fds_guard();

	if (ret < 0)
		return cli_error_sys("standard fds", ret);
	if (argc < 2)
		usage_error("no command given");
	c.cmd = find_command(argv[1]);
	if (!c.cmd)
		return top_level(argv[1]);
	json_errors = wants_json(c.cmd, argc - 1, argv + 1);
	cli_report_json(json_errors);
	parse_options(&c, argc - 1, argv + 1);
	if (c.seen & (O_HELP | O_VERSION))
		return help_or_version(c.seen);
	check_options(&c);
	return flush_stdout(c.cmd->run(&c));
}
