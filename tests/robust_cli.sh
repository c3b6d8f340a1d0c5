#!/bin/sh
# robust_cli.sh - the CLI where issue 12 found it failing: clone3 answered
# EPERM by seccomp (every command must work), estimate with a strategy the
# user may not use, next with ns_last_pid locked by someone else. As PID 1 of
# a private PID namespace, as root or uid 65534 (run by check-robust):
#   unshare --pid --fork --mount-proc sh tests/robust_cli.sh PIDCYCLE NOCLONE3
set -u
CLI=${1:?usage: robust_cli.sh PATH-TO-pidcycle PATH-TO-noclone3}
NOCLONE3=${2:?usage: robust_cli.sh PATH-TO-pidcycle PATH-TO-noclone3}
. "$(dirname "$0")/lib.sh"
pid1_only robust_cli.sh "it moves the PID cursor"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# After `next N` the next fork must get N: this one, for sh.
next_got() {
	sh -c 'echo $$' > "$T/out"
	read -r got < "$T/out"
	[ "$got" = "$1" ]
}
root=no; [ "$(id -u)" = 0 ] && root=yes
echo "== robust_cli as uid $(id -u)"

# ---- clone3 -> EPERM: every command works (the old probe denied root lastpid,
#      and every burner failed with EPERM after burning on)
e() { NOCLONE3_ERRNO=EPERM "$NOCLONE3" "$CLI" "$@"; }
e probe --json > "$T/out" 2> "$T/err" || bad "eperm: probe: $(cat "$T/err")"
grep -q '"clone3":false' "$T/out" && ok || bad "eperm: probe says clone3 usable: $(cat "$T/out")"
grep -q "\"ns_last_pid_writable\":$([ $root = yes ] && echo true || echo false)" "$T/out" \
	&& ok || bad "eperm: probe, ns_last_pid writable for root only: $(cat "$T/out")"
getlast; n=$((L + 300))
e next "$n" 2> "$T/err" && next_got "$n" && ok || bad "eperm: next $n: $(cat "$T/err"), then a fork got ${got:-}"
getlast; n=$((L + 300))
e exec --pid "$n" -- sh -c 'echo $$' > "$T/out" 2> "$T/err"; read -r got < "$T/out"
[ "$got" = "$n" ] && ok || bad "eperm: exec --pid $n ran as '$got': $(cat "$T/err")"
getlast; n=$((L + 300))
e exec --min "$n" -- sh -c 'echo $$' > "$T/out" 2> "$T/err"; read -r got < "$T/out"
[ "${got:-0}" -ge "$n" ] && ok || bad "eperm: exec --min $n ran as '$got': $(cat "$T/err")"
getlast; before=$L
e burn 1000 --quiet 2> "$T/err"; rc=$?; getlast
[ $rc = 0 ] && [ $((L - before)) -ge 1000 ] && ok || bad "eperm: burn 1000: exit $rc $(cat "$T/err"), cursor $before -> $L"
getlast
e estimate $((L + 1000)) > /dev/null 2> "$T/err" && ok || bad "eperm: estimate: $(cat "$T/err")"

# ---- estimate --strategy settid: unreachable for a user who cannot use it
getlast
"$CLI" estimate $((L + 100)) --strategy settid --json > "$T/out" 2> "$T/err"
if [ $root = yes ]; then
	grep -q '"reachable":true' "$T/out" && ok || bad "estimate settid as root: $(cat "$T/out")"
else
	grep -q '"reachable":false' "$T/out" && grep -q '"why":"Operation not permitted"' "$T/out" \
		&& ok || bad "estimate settid as uid $(id -u): $(cat "$T/out")"
fi

# ---- someone holds flock on ns_last_pid: next --timeout 1 still does it
#      (the old privileged path blocked in flock() and ignored the timeout)
flock /proc/sys/kernel/ns_last_pid sleep 60 &
holder=$!
sleep 0.2
getlast; n=$((L + 100)); [ "$n" -ge 300 ] || n=400
timeout 30 "$CLI" next "$n" --timeout 1 2> "$T/err"
rc=$?
[ $rc = 0 ] && next_got "$n" && ok || bad "next $n --timeout 1 with the lock held: exit $rc: $(cat "$T/err"), then a fork got ${got:-}"
kill "$holder"
wait "$holder" 2>/dev/null

# ---- a limit on tasks: the library says ENOSPC (never EAGAIN, "lost a race")
#      and the CLI names the limit (RLIMIT_NPROC 1 leaves no room for a helper;
#      root is exempt from it)
if [ $root = no ]; then
	prlimit --nproc=1 "$CLI" burn 1000 > /dev/null 2> "$T/err"
	rc=$?
	[ $rc = 125 ] && grep -q "No space left on device (a limit on tasks refused a clone: RLIMIT_NPROC 1," "$T/err" \
		&& ok || bad "burn at RLIMIT_NPROC 1: exit $rc: $(cat "$T/err")"
fi

summary robust_cli
