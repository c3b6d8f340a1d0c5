# tests/lib.sh - what the test scripts share: counting checks, the PID cursor, the PID 1 guard, uid 65534, the kernel's pid_max.
# Sourced, not run: `. "$(dirname "$0")/lib.sh"` (scripts are run with sh from the top of the tree).

pass=0 fail=0

# ok [DESC]: a check passed; said as "ok    DESC" when DESC is given.
ok() { pass=$((pass + 1)); [ $# = 0 ] || echo "ok    $1"; }
# bad WHAT: a check failed; always said, as "FAIL  WHAT".
bad() { fail=$((fail + 1)); echo "FAIL  $*"; }

# A group driver's cases, one line each: case_pass NAME says "PASS: NAME";
# case_fail WHAT [LOG] says "FAIL: WHAT", then LOG indented.
case_pass() { pass=$((pass + 1)); echo "PASS: $1"; }
case_fail() {
	fail=$((fail + 1))
	echo "FAIL: $1"
	[ $# -lt 2 ] || sed 's/^/    /' "$2"
}

# summary NAME: the last line, "NAME: N passed, M failed"; true when none
# failed, so that as a script's last command it is the script's status.
summary() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# skip_all NAME WHY: the whole group cannot run here: say why, count nothing.
skip_all() {
	echo "SKIP: $2"
	echo "$1: 0 passed, 0 failed"
	exit 0
}

# pid1_only SCRIPT [WHY]: leave with status 2 unless we are PID 1 of a
# private PID namespace (what moves the cursor must never move the machine's).
pid1_only() {
	[ "$$" = 1 ] && return 0
	echo "$1: must be PID 1 of a private PID namespace${2:+ ($2)}" >&2
	exit 2
}

# getlast: the cursor (the namespace's last PID) into $L, with builtins only:
# a fork would move it. From /proc/loadavg's last field, not ns_last_pid: the
# shell reads byte by byte, and a sysctl file ends after its first read.
getlast() { read -r _ _ _ _ L < /proc/loadavg; }

# uid 65534 with no capabilities, as every unprivileged test runs:
# $AS_NOBODY CMD..., drop CMD..., or drop_bg CMD... in the background with $!
# the command's own PID (not a subshell's).
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
drop() { $AS_NOBODY "$@"; }
drop_bg() { $AS_NOBODY "$@" & }

# pid_max_per_ns: true when this kernel keeps pid_max per PID namespace
# (6.14+). Before, writing it would change the whole machine's: never do.
pid_max_per_ns() {
	kver=$(uname -r)
	kmajor=${kver%%.*} kminor=${kver#*.}
	kminor=${kminor%%[!0-9]*}
	[ "$kmajor" -gt 6 ] || { [ "$kmajor" = 6 ] && [ "$kminor" -ge 14 ]; }
}

# asan_runtime SO: the ASan runtime SO was linked with, if any (a preload
# built with ASan needs it ahead of itself in LD_PRELOAD).
asan_runtime() { ldd "$1" 2> /dev/null | awk '/libasan/ { print $3 }'; }

# ---- CLI checks: output in $T/out and $T/err ($T: the script's temporary directory)

# expect_exit WANT DESC CMD...: run CMD, check its exit status.
expect_exit() {
	want=$1 desc=$2
	shift 2
	"$@" > "$T/out" 2> "$T/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$desc (exit $got)"
	else bad "$desc: exit $got, want $want; stderr: $(head -c 300 "$T/err")"; fi
}

# find_python: python3 into $PY (empty if there is none). Not done when
# sourced: a fork there would move the cursor of a script that counts PIDs.
find_python() {
	PY=/usr/bin/python3
	[ -x "$PY" ] || PY=$(command -v python3 || true)
}

# json_check DESC FILE EXPR: FILE is one JSON document and EXPR (python, on d) holds.
json_check() {
	[ -n "${PY+set}" ] || find_python
	if [ -z "$PY" ]; then
		bad "$1: python3 is missing (.ci/run installs it)"
		return
	fi
	if "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ('"$3"') else 1)' "$2" 2> "$T/pyerr"
	then ok "$1"
	else bad "$1: $(head -c 400 "$2") $(head -c 300 "$T/pyerr")"; fi
}
