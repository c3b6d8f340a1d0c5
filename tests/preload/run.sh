#!/bin/sh
# run.sh - the check-preload group: CRIU's PID patterns as nobody, with and without the preload shim.
# Usage (as root, from the top of the tree): tests/preload/run.sh BUILD_DIR
# Every scenario runs in its own PID namespace, so the host's cursor never moves.
B=${1:-build}
TOP=$(pwd)
SHIM=$TOP/$B/libpidcycle-preload.so
PAT=$TOP/$B/tests/preload/criu_pattern
INNS=$TOP/tests/preload/in_ns.sh
OUT=$TOP/$B/tests/preload/out
pass=0 fail=0

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: check-preload needs root to create PID namespaces"
	echo "preload: 0 passed, 0 failed"
	exit 0
fi
mkdir -p "$OUT"

# The shim must define every function its version script exports.
missing=
for sym in syscall clone write pwrite pwrite64 writev; do
	nm -D --defined-only "$SHIM" | grep -q " T $sym\$" || missing="$missing $sym"
done
if [ -z "$missing" ]; then
	pass=$((pass + 1))
	echo "PASS: exports"
else
	fail=$((fail + 1))
	echo "FAIL: exports: $SHIM does not define$missing (all preload/*.c linked?)"
fi

# scenario NAME RC GREP PID_MAX FORKER ENV... -- ARGS...
#   runs criu_pattern ARGS as $AS (default nobody, see in_ns.sh) in a fresh
#   PID namespace with ENV set; passes when it exits RC, its output matches
#   the extended regexp GREP and, if $NOGREP is set, does not match that.
scenario() {
	name=$1 want=$2 pat=$3 pmax=$4 fork=$5
	shift 5
	envs=
	while [ "$1" != -- ]; do envs="$envs $1"; shift; done
	shift
	# shellcheck disable=SC2086
	unshare --pid --fork --mount-proc sh "$INNS" "$pmax" "$fork" \
		"${AS:-nobody}" env $envs "$PAT" "$@" > "$OUT/$name.log" 2>&1
	rc=$?
	if [ "$rc" = 77 ]; then
		echo "SKIP: $name: needs per-namespace pid_max (6.14+) or unprivileged user namespaces"
		return
	fi
	if [ "$rc" = "$want" ] && grep -Eq "$pat" "$OUT/$name.log" &&
	   ! { [ -n "$NOGREP" ] && grep -Eq "$NOGREP" "$OUT/$name.log"; }; then
		pass=$((pass + 1))
		echo "PASS: $name"
	else
		fail=$((fail + 1))
		echo "FAIL: $name (exit $rc, wanted $want and /$pat/); output:"
		sed 's/^/    /' "$OUT/$name.log"
	fi
}

# A shim built with ASan needs the ASan runtime ahead of it in the preload list.
asan=$(ldd "$SHIM" 2> /dev/null | awk '/libasan/ { print $3 }')
P="LD_PRELOAD=${asan:+$asan:}$SHIM"
L="PIDCYCLE_LOG=1"

# Without the shim the unprivileged restore must fail the way CRIU sees it.
scenario noshim-lastpid 2 "Can't set last_pid: EPERM" - 0 -- lastpid 5000
scenario noshim-clone3 2 "clone3 with set_tid failed: EPERM" - 0 -- clone3 5000

# With it: one process, both paths.
scenario shim-lastpid 0 "lastpid restored pid 5000" - 0 "$P" -- lastpid 5000
scenario shim-clone3 0 "clone3 restored pid 5000" - 0 "$P" -- clone3 5000

# A restored task restoring its own child at a second PID, both orders.
scenario shim-nested-lc 0 "clone3 restored pid 7000" - 0 "$P" -- \
	lastpid 5000 clone3 7000
scenario shim-nested-cl 0 "lastpid restored pid 7000" - 0 "$P" -- \
	clone3 5000 lastpid 7000

# Another process forks all the time; pid_max is small so a lost race costs
# a short lap, and the targets behind the cursor need the wrap.
scenario shim-busy 0 "clone3 restored pid 3100.*" 20000 1 "$P" "$L" -- \
	lastpid 12000 clone3 15000 lastpid 2000 clone3 3100
scenario shim-busy-wrap 0 "lastpid restored pid 900" 20000 1 "$P" "$L" -- \
	clone3 18000 lastpid 900

# CRIU's rootless setup: root of a user namespace that does not own the PID
# namespace (unshare -Ur as nobody).
AS=userns
scenario noshim-userns 2 "clone3 with set_tid failed: EPERM" - 0 -- clone3 5000
scenario shim-userns 0 "clone3 restored pid 7000" - 0 "$P" -- \
	lastpid 5000 clone3 7000

# Privileged: the real calls work and the shim stays out of the way.
AS=root NOGREP=pidcycle-preload
scenario shim-root 0 "clone3 restored pid 7000" - 0 "$P" "$L" -- \
	lastpid 5000 clone3 7000
AS= NOGREP=

# clone3 blocked by seccomp (ENOSYS): legacy clone with the same meaning.
scenario shim-noclone3 0 "clone3 restored pid 7000" - 0 "$P" \
	CRIU_PATTERN_NO_CLONE3=1 -- lastpid 5000 clone3 7000

# Another burner than the default one.
scenario shim-thread 0 "lastpid restored pid 7000" - 0 "$P" \
	PIDCYCLE_STRATEGY=thread -- clone3 5000 lastpid 7000

# PIDCYCLE_LOG=1: one line per emulated call.
scenario shim-log 0 "pidcycle-preload: clone3 pid 6000: ok, [0-9]+ burnt" - 0 \
	"$P" "$L" -- clone3 6000
# A number in use is EEXIST, as the kernel says. PID 2 is criu_pattern itself
# (in_ns.sh is 1; setpriv, then env, exec into it); 1 would not do: the
# kernel lets anyone ask for 1 and answers EEXIST itself.
scenario shim-inuse 2 "clone3 with set_tid failed: EEXIST" - 0 "$P" -- clone3 2
# ... and the log names who holds it.
scenario shim-inuse-log 2 "pidcycle-preload: clone3 pid 2: failed \(EEXIST: in use by 2 'criu_pattern', uid 65534\)" \
	- 0 "$P" "$L" -- clone3 2
# The budget: far away with a tiny timeout fails with ETIMEDOUT, no child.
scenario shim-timeout 2 "Can't set last_pid: ETIMEDOUT" - 0 "$P" \
	PIDCYCLE_TIMEOUT=0.001 -- lastpid 4000000

# The checks themselves must be able to fail: a stray child's SIGCHLD.
scenario selftest-stray 1 "SIGCHLD from a child other" - 0 "$P" \
	CRIU_PATTERN_STRAY=1 -- clone3 5000

# End to end with real CRIU only where it works on this kernel.
if ! command -v criu > /dev/null 2>&1; then
	echo "SKIP: criu not usable here: not installed"
elif ! criu check > /dev/null 2>&1; then
	why=$(criu check 2>&1 | grep -v 'exited, status' | grep -m 1 Error)
	echo "SKIP: criu not usable here: criu check fails: $why"
else
	echo "SKIP: criu not usable here: criu check passes, but no end-to-end test is written yet"
fi

echo "preload: $pass passed, $fail failed"
[ "$fail" = 0 ]
