#!/bin/sh
# cli.sh - smoke tests of the pidcycle CLI; run as PID 1 of a private PID namespace:
#   unshare --pid --fork --mount-proc sh tests/cli.sh build/pidcycle
# Exit codes checked: 2 usage, 121/123 runtime errors by class, 128+N signal,
# CMD's own status.
set -u

CLI=${1:?usage: cli.sh PATH-TO-pidcycle}
. "$(dirname "$0")/lib.sh"
pid1_only cli.sh "it moves the PID cursor"
T=$(mktemp -d) || exit 1
find_python

# A usage error: exit 2, a message on stderr, nothing on stdout.
usage_err() {
	desc=$1
	shift
	expect_exit 2 "usage: $desc" "$CLI" "$@"
	if [ ! -s "$T/err" ] || [ -s "$T/out" ]; then
		bad "usage: $desc: want a message on stderr only"
	fi
}

# runtime_err WANT DESC ARGS...: a runtime error: exit WANT (its class) and
# one line "pidcycle: <what>: <why>".
runtime_err() {
	want=$1 desc=$2
	shift 2
	expect_exit "$want" "runtime: $desc" "$CLI" "$@"
	if ! grep -q '^pidcycle: [^:][^:]*: .' "$T/err"; then
		bad "runtime: $desc: stderr is not 'pidcycle: <what>: <why>': $(head -c 300 "$T/err")"
	fi
}

usage_tests() {
	usage_err "no command"
	usage_err "unknown command" bogus
	usage_err "unknown option" --bogus
	usage_err "exec without --pid" exec -- true
	usage_err "exec without a command" exec --pid 5000
	usage_err "--pid and --min" exec --pid 5000 --min 6000 -- true
	usage_err "burn without COUNT" burn
	usage_err "option without value" burn 10 --strategy
	usage_err "unknown strategy" burn 10 --strategy nope
	usage_err "threads 0" burn 10 --threads 0
	usage_err "timeout 0" burn 10 --timeout 0
	usage_err "bad number" exec --pid abc -- true
	usage_err "negative number" exec --pid -5 -- true
	usage_err "number with junk" burn 10x
	usage_err "pid 0" exec --pid 0 -- true
	usage_err "probe takes no operand" probe 12
	expect_exit 0 "--help" "$CLI" --help
	grep -q usage "$T/out" || bad "--help: no usage on stdout"
	expect_exit 0 "--version" "$CLI" --version
}

runtime_tests() {
	max=$(cat /proc/sys/kernel/pid_max)
	runtime_err 121 "PID 1 is in use" exec --pid 1 -- true
	runtime_err 121 "own PID (1) via next" next 1
	runtime_err 123 "pid_max is out of range" exec --pid "$max" -- true
}

probe_tests() {
	expect_exit 0 "probe" "$CLI" probe
	expect_exit 0 "probe --json" "$CLI" probe --json
	max=$(cat /proc/sys/kernel/pid_max)
	json_check "probe --json parses, pid_max $max" "$T/out" \
		"d['pid_max'] == $max and 0 <= d['last_pid'] < d['pid_max'] and 'ghost' in d['strategies']"
	getlast
	expect_exit 0 "estimate --json" "$CLI" estimate $((L + 1000)) --json
	json_check "estimate --json: distance + in_use spans the hop" "$T/out" \
		"d['target'] == $((L + 1000)) and d['reachable'] and not d['wraps'] and d['distance'] + d['in_use'] == d['target'] - d['last_pid'] - 1 and (d['pids_per_sec'] > 0 or d['strategy'] in ('settid', 'lastpid'))"
	expect_exit 0 "estimate --strategy thread" "$CLI" estimate $((L + 1000)) --strategy thread --threads 1 --json
	json_check "estimate --strategy thread reports thread" "$T/out" "d['strategy'] == 'thread'"
}

exec_tests() {
	getlast; n=$(( L + 100 ))
	expect_exit 0 "exec --pid $n" "$CLI" exec --pid "$n" -- sh -c 'echo $$'
	read -r got < "$T/out"
	[ "$got" = "$n" ] && ok "exec --pid $n ran as $got" || bad "exec --pid $n ran as '$got'"
	getlast; n=$(( L + 300 ))
	expect_exit 0 "exec --min $n" "$CLI" exec --min "$n" -- sh -c 'echo $$'
	read -r got < "$T/out"
	[ "${got:-0}" -ge "$n" ] 2>/dev/null && ok "exec --min $n ran as $got" || bad "exec --min $n ran as '$got'"
	getlast; n=$(( L + 10 ))
	expect_exit 7 "exec forwards the exit status" "$CLI" exec --pid "$n" -- sh -c 'exit 7'
	getlast; n=$(( L + 10 ))
	expect_exit 143 "exec forwards death by SIGTERM" "$CLI" exec --pid "$n" -- sh -c 'kill -TERM $$'
	getlast; n=$(( L + 10 ))
	expect_exit 127 "exec of a missing command" "$CLI" exec --pid "$n" -- /nonexistent/cmd
}

next_tests() {
	getlast; n=$(( L + 200 ))
	expect_exit 0 "next $n" "$CLI" next "$n"
	# The next fork in this idle namespace is the one for sh.
	sh -c 'echo $$' > "$T/out"
	read -r got < "$T/out"
	[ "$got" = "$n" ] && ok "after next $n a fork got $got" || bad "after next $n a fork got '$got'"
}

burn_tests() {
	getlast; before=$L
	expect_exit 0 "burn 1000 --json" "$CLI" burn 1000 --json
	getlast; after=$L
	json_check "burn --json has the keys" "$T/out" \
		"all(k in d for k in ('strategy','threads','count','seconds','pids_per_sec')) and d['count'] == 1000 and d['threads'] >= 1 and (d['pids_per_sec'] > 0 or d['strategy'] in ('settid', 'lastpid'))"
	# One fork by the shell to run the CLI, then exactly 1000.
	[ $((after - before)) = 1001 ] && ok "burn moved the cursor by $((after - before))" \
		|| bad "burn 1000 moved the cursor by $((after - before))"
	expect_exit 0 "burn 500 --strategy fork" "$CLI" burn 500 --strategy fork --quiet
}

# Issue 12 item 11: what pidcycle does with its standard fds and the terminal.
closed_stdout() {
	# Nothing of ours (the signalfd) may become fd 1: a write there must
	# fail as on a closed fd.
	"$CLI" burn 10 >&- 2> "$T/err"
	got=$?
	if [ "$got" = 125 ] && grep -q '^pidcycle: standard output: Bad file descriptor$' "$T/err"
	then ok "burn with stdout closed: EBADF (exit 125)"
	else bad "burn with stdout closed: exit $got: $(head -c 300 "$T/err")"; fi
	"$CLI" next --json $(( $(cut -d' ' -f5 /proc/loadavg) + 50 )) >&- 2> "$T/err"
	got=$?
	if [ "$got" = 125 ] && grep -q '"name":"EBADF"' "$T/err"
	then ok "next --json with stdout closed: EBADF (exit 125)"
	else bad "next --json with stdout closed: exit $got: $(head -c 300 "$T/err")"; fi
	# CMD gets exactly the fds pidcycle was started with: 0 and 1 closed.
	getlast; n=$(( L + 50 ))
	"$CLI" exec --pid "$n" -- sh -c 'for fd in 0 1 2; do
		if [ -e /proc/self/fd/$fd ]; then echo "$fd open" >&2; else echo "$fd closed" >&2; fi
	done' <&- >&- 2> "$T/err"
	got=$?
	if [ "$got" = 0 ] && [ "$(tr '\n' ' ' < "$T/err")" = "0 closed 1 closed 2 open " ]
	then ok "exec: CMD sees fds 0 and 1 closed, as pidcycle got them"
	else bad "exec with fds 0 and 1 closed: exit $got, CMD saw: $(tr '\n' ' ' < "$T/err")"; fi
}

# --no-wait must never exit with an error while CMD runs: a caller that
# retries would start it twice. With stdout failing, CMD never runs.
no_wait_failing_stdout() {
	getlast; n=$(( L + 50 ))
	rm -f "$T/ran"
	"$CLI" exec --no-wait --pid "$n" -- sh -c "echo ran > $T/ran" > /dev/full 2> "$T/err"
	got=$?
	if [ "$got" = 125 ] && [ ! -e "/proc/$n" ] && [ ! -e "$T/ran" ]
	then ok "exec --no-wait, stdout full: exit 125 and CMD never ran"
	else bad "exec --no-wait, stdout full: exit $got, /proc/$n $( [ -e /proc/$n ] && echo exists || echo gone), CMD $( [ -e "$T/ran" ] && echo ran || echo 'did not run'): $(head -c 200 "$T/err")"; fi
}

# The bar on a 40-column terminal (a pty from script(1)): no redraw reaches
# the last column, so none wraps; and it never says 100% before the end.
progress_narrow() {
	if ! command -v script > /dev/null; then
		bad "progress: script(1) is missing (util-linux)"
		return
	fi
	script -q -e -c "stty cols 40 rows 10; exec $CLI burn 3000 --strategy fork --threads 1 --progress" \
		"$T/ts" > /dev/null 2>&1
	if "$PY" - "$T/ts" > "$T/pyerr" 2>&1 <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()
bars = [s.replace("\x1b[K", "") for s in text.split("\r")]
bars = [s for s in bars if "%" in s and "PIDs in" not in s and "Script" not in s]
bad = [s for s in bars if len(s) > 39 or "100%" in s]
print(len(bars), "redraws;", "bad:", bad[:3])
sys.exit(0 if bars and not bad else 1)
PY
	then ok "progress on 40 columns: $(cat "$T/pyerr"), none reaches column 40 or says 100%"
	else bad "progress on 40 columns: $(head -c 400 "$T/pyerr")"; fi
}

usage_tests
closed_stdout
no_wait_failing_stdout
progress_narrow
probe_tests
exec_tests
next_tests
burn_tests
runtime_tests
rm -rf "$T"
summary cli
