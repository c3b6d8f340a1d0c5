#!/bin/sh
# plan.sh - `pidcycle plan --criu` on real CRIU dumps: a process tree and a
# multi-threaded process, dumped rootlessly (uid 65534 inside `unshare -Urm`,
# inside a private PID namespace made by root). The plan must list exactly the
# dumped tasks' PIDs, then their threads' TIDs.
#   make check-criu-plan CRIU=/path/to/criu      (as root; CRIU 4.1 or later)
#   sh tests/criu/plan.sh build/pidcycle /path/to/criu
# Without CRIU=, with a CRIU older than 4.1, or not as root, it says SKIP and why.
set -u

CLI=${1:?usage: plan.sh PATH-TO-pidcycle PATH-TO-criu}
CRIU=${2:-}
STAGE=${3:-outside}
PY=$(command -v python3 || true)

skip() { echo "check-criu-plan: SKIP: $*"; exit 0; }
die() { echo "check-criu-plan: FAIL: $*"; exit 1; }

# ---- stage 3: uid 65534, root of its own user (and mount) namespace --------

# start_tree DIR CMD...: CMD as the leader of a new session, with fds 0-2 on
# files of DIR and no other fd (CRIU cannot dump an fd on a mount of the
# namespace we left). Prints its PID.
start_tree() {
	dir=$1
	shift
	"$PY" - "$dir" "$@" <<'PY'
import subprocess, sys
d = sys.argv[1]
inp = open(d + "/in", "w+")
out = open(d + "/out", "w")
p = subprocess.Popen(sys.argv[2:], stdin=inp, stdout=out, stderr=out,
                     start_new_session=True, close_fds=True)
print(p.pid)
PY
}

# The session's tasks, as "pid PID" and "tid TID" lines (leaders' TIDs left out).
tasks_of() {
	for st in /proc/[0-9]*/stat; do
		read -r p _ _ _ _ sid _ < "$st" 2> /dev/null || continue
		[ "$sid" = "$1" ] || continue
		echo "pid $p"
		for t in /proc/"$p"/task/[0-9]*; do
			t=${t##*/}
			[ "$t" = "$p" ] || echo "tid $t"
		done
	done
}

# ready LEADER N: wait until the session has N tasks (no clock: make's
# timeout is the safety net).
ready() {
	while [ "$(tasks_of "$1" | wc -l)" -lt "$2" ]; do :; done
}

dump_and_plan() {
	name=$1 want=$2
	shift 2
	d=$WORK/$name
	mkdir -p "$d/img"
	r=$(start_tree "$d" "$@") || die "$name: could not start it"
	ready "$r" "$want"
	tasks_of "$r" | sort > "$d/tasks"
	if ! "$CRIU" dump --unprivileged --shell-job -t "$r" -D "$d/img" -o dump.log -v4; then
		echo "FAIL  $name: criu dump failed:"
		grep -E 'Error|Warn' "$d/img/dump.log" | tail -n 15
		failed=$((failed + 1))
		return
	fi
	# The dumped tasks are gone now (no --leave-running): their numbers are free.
	"$CLI" plan --criu "$d/img" --json > "$d/plan.json" 2> "$d/plan.err"
	st=$?
	if "$PY" - "$d/plan.json" "$d/tasks" "$r" "$st" > "$d/check" 2>&1 <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
want = sorted(tuple(l.split()) for l in open(sys.argv[2]) if l.strip())
root, status = int(sys.argv[3]), int(sys.argv[4])
got = [(t["kind"], str(t["pid"])) for t in plan["targets"]]
kinds = [k for k, _ in got]
problems = []
if sorted(got) != want:
    problems.append("plan lists %s, the dump had %s" % (sorted(got), want))
if got and got[0] != ("pid", str(root)):
    problems.append("the first is %s, not the root %d" % (got[0], root))
if kinds != sorted(kinds):   # every "pid" before every "tid"
    problems.append("a TID comes before a PID: %s" % kinds)
bad = [t for t in plan["targets"] if t["state"] != "free"]
if bad or status != 0 or plan["exit_status"] != 0:
    problems.append("not all free (exit %d): %s" % (status, bad))
print("; ".join(problems) or "%d PIDs, %d TIDs, all free, %d to burn" % (
    kinds.count("pid"), kinds.count("tid"), plan["burn_total"]))
sys.exit(1 if problems else 0)
PY
	then echo "ok    $name: $(cat "$d/check")"; passed=$((passed + 1))
	else echo "FAIL  $name: $(cat "$d/check") $(head -c 300 "$d/plan.err")"; failed=$((failed + 1)); fi
}

if [ "$STAGE" = nobody ]; then
	WORK=$4
	passed=0 failed=0
	cd "$WORK" || exit 1
	# A tree: a shell with two children.
	dump_and_plan tree 3 sh -c 'sleep 1000 & sleep 1000 & wait'
	# A multi-threaded process: three threads beside the main one.
	dump_and_plan threads 4 "$PY" -c 'import threading, time
for i in range(3):
    threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
time.sleep(1000)'
	echo "check-criu-plan: $passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
fi

# ---- stage 2: root, PID 1 of a private PID namespace -------------------------

if [ "$STAGE" = inside ]; then
	WORK=$4
	# Past the wrap floor, so that the dumped numbers are ordinary ones.
	"$CLI" next 1000 || die "could not move the cursor"
	exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all unshare -Urm sh "$0" "$CLI" "$CRIU" nobody "$WORK"
fi

# ---- stage 1: checks, then the namespace -------------------------------------

[ -n "$CRIU" ] || skip "no CRIU given (make check-criu-plan CRIU=/path/to/criu, 4.1 or later)"
[ -x "$CRIU" ] || die "CRIU=$CRIU is not an executable"
# Absolute paths: the last stage works in its own directory.
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
CLI=$(abs "$CLI") CRIU=$(abs "$CRIU")
SELF=$(abs "$0")
ver=$("$CRIU" --version 2> /dev/null | sed -n 's/^Version: *\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')
[ -n "$ver" ] || skip "$CRIU --version says no version"
set -- $ver
if [ "$1" -lt 4 ] || { [ "$1" = 4 ] && [ "$2" -lt 1 ]; }; then
	skip "CRIU $1.$2 is older than 4.1"
fi
[ "$(id -u)" = 0 ] || skip "needs root, to make the private PID namespace"
[ -n "$PY" ] || die "python3 is missing"
setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$CRIU" ||
	die "uid 65534 cannot run $CRIU: put it where it can"
setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$CLI" ||
	die "uid 65534 cannot run $CLI"
WORK=$(mktemp -d /tmp/pidcycle-criu-plan.XXXXXX) || exit 1
chmod 777 "$WORK"
echo "== check-criu-plan: CRIU $1.$2 ($CRIU), as uid 65534 in unshare -Urm, in a private PID namespace"
timeout -k 10 300 unshare --pid --fork --mount-proc --kill-child sh "$SELF" "$CLI" "$CRIU" inside "$WORK"
rc=$?
rm -rf "$WORK"
exit $rc
