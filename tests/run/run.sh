#!/bin/sh
# run.sh - the check-run group: `pidcycle run` as uid 65534 in private PID namespaces.
# Usage (as root, from the top of the tree): tests/run/run.sh BUILD_DIR
# Every case runs in a PID namespace of its own (tests/preload/in_ns.sh sets
# it up), so the machine's own cursor is never steered.
B=${1:-build}
TOP=$(pwd)
INNS=$TOP/tests/preload/in_ns.sh
CASES=$TOP/tests/run/cases.sh
OUT=$TOP/$B/tests/run/out
. "$TOP/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all run "check-run needs root to create PID namespaces"
mkdir -p "$OUT"
# A preload built with ASan needs the ASan runtime ahead of it in CMD's
# LD_PRELOAD (run appends its own): put it there for every case.
asan=$(asan_runtime "$TOP/$B/libpidcycle-preload.so")
[ -n "$asan" ] && export LD_PRELOAD="$asan"

result() {	# result NAME RC
	if [ "$2" = 77 ]; then
		echo "SKIP: $1: $(tail -n 1 "$OUT/$1.log")"
	elif [ "$2" = 0 ]; then
		case_pass "$1"
	else
		case_fail "$1 (exit $2); output:" "$OUT/$1.log"
	fi
}

# A case of cases.sh as uid 65534 in a fresh PID namespace (PID_MAX: - or a
# value). The timeout is only a safety net against a hang, never a check.
nobody_case() {	# nobody_case NAME [PID_MAX]
	timeout -k 10 "${TEST_TIMEOUT:-300}" unshare --pid --fork --mount-proc --kill-child \
		sh "$INNS" "${2:--}" 0 nobody sh "$CASES" "$TOP/$B" "$1" > "$OUT/$1.log" 2>&1
	result "$1" $?
}

# Can run work here at all? If not, every case would fail for the same reason.
why=$(timeout -k 10 300 unshare --pid --fork --mount-proc sh "$INNS" - 0 nobody "$TOP/$B/pidcycle" probe |
	sed -n 's/^run  *no: //p')
[ -z "$why" ] || skip_all run "pidcycle run cannot work here: $why"

# The kernel's own parsing of ns_last_pid writes, as root in its namespace.
timeout -k 10 300 unshare --pid --fork --mount-proc --kill-child "$TOP/$B/tests/run/value_vs_kernel" > "$OUT/value-vs-kernel.log" 2>&1
result value-vs-kernel $?

for c in shell restorer restorer_norun crac read status library nothing_left \
	sigkill interrupt criu_view old_mount_api; do
	nobody_case $c
done
# Served in any order, some targets are behind the cursor: a small pid_max
# keeps those laps short.
nobody_case flock_writers 20000
nobody_case concurrent 20000
nobody_case values 5000

# Where run cannot work, one clear error naming the cause (and probe says so).
# /dev/fuse of mode 0600, as without Debian's udev rule: a private /dev.
timeout -k 10 300 unshare --pid --fork --mount-proc --kill-child sh -c '
	mount -t tmpfs -o mode=755 none /dev && mknod -m 600 /dev/fuse c 10 229 &&
	mknod -m 666 /dev/null c 1 3 || exit 99
	. "$2/tests/lib.sh"
	drop "$1/pidcycle" run -- true; echo "exit $?"
	# --json: the same error as one JSON object on stderr.
	drop "$1/pidcycle" run --json -- true 2>&1 >/dev/null | python3 -c "
import json, sys
d = json.loads(sys.stdin.readline())
print(\"json\", d[\"what\"], d[\"name\"], d[\"exit_status\"], \"/dev/fuse\" in d[\"hint\"])"
	drop "$1/pidcycle" probe | grep "^run"
	drop "$1/pidcycle" probe --json | grep -o "\"run\":[a-z]*"' sh "$TOP/$B" "$TOP" > "$OUT/fuse-0600.log" 2>&1
if grep -q "cannot open /dev/fuse: Permission denied (it is mode 0600: " "$OUT/fuse-0600.log" &&
   grep -qx "exit 125" "$OUT/fuse-0600.log" && grep -q '^run  *no: cannot open /dev/fuse' "$OUT/fuse-0600.log" &&
   grep -qx '"run":false' "$OUT/fuse-0600.log" &&
   grep -qx "json run EACCES 125 True" "$OUT/fuse-0600.log"; then
	result fuse-0600 0
else
	result fuse-0600 1
fi

# No user namespaces to be had: max_user_namespaces 0 in a user namespace of
# our own (the machine's setting is left alone); run, without CAP_SYS_ADMIN
# there, needs one.
timeout -k 10 300 unshare --pid --fork --mount-proc --kill-child --user --map-root-user sh -c '
	echo 0 > /proc/sys/user/max_user_namespaces || exit 99
	setpriv --inh-caps=-all --bounding-set=-all "$1/pidcycle" run -- true; echo "exit $?"' \
	sh "$TOP/$B" > "$OUT/no-userns.log" 2>&1
if grep -q "user namespaces are disabled (sysctl user.max_user_namespaces = 0)" "$OUT/no-userns.log" &&
   grep -qx "exit 125" "$OUT/no-userns.log"; then
	result no-userns 0
else
	result no-userns 1
fi

summary run
