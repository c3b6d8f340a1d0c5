#!/bin/sh
# reliability_cli.sh - the CLI on bad input, stop signals and a blocked clone3;
# run as PID 1 of a private PID namespace (as root, or as uid 65534):
#   unshare --pid --fork --mount-proc sh tests/reliability_cli.sh build/pidcycle NOCLONE3
# Every refused command must leave the cursor where it was: the shell's fork
# for the CLI is the only number taken. NOCLONE3 runs a command with clone3
# failing ENOSYS (tests/reliability_noclone3.c).
set -u

CLI=${1:?usage: reliability_cli.sh PATH-TO-pidcycle PATH-TO-noclone3}
NOCLONE3=${2:?usage: reliability_cli.sh PATH-TO-pidcycle PATH-TO-noclone3}
. "$(dirname "$0")/lib.sh"
pid1_only reliability_cli.sh
T=$(mktemp -d) || exit 1

# refused WANT DESC ARGS...: exit WANT, a message on stderr, nothing on
# stdout, and the cursor moved by exactly one (the fork that ran the CLI).
refused() {
	want=$1 desc=$2
	shift 2
	getlast; before=$L
	"$CLI" "$@" > "$T/out" 2> "$T/err"
	got=$?
	getlast
	if [ "$got" != "$want" ]; then
		bad "$desc: exit $got, want $want; stderr: $(head -c 200 "$T/err")"
	elif [ ! -s "$T/err" ] || [ -s "$T/out" ]; then
		bad "$desc: want a message on stderr only"
	elif ! grep -q '^pidcycle: ' "$T/err"; then
		bad "$desc: stderr does not start with 'pidcycle: '"
	elif [ $((L - before)) != 1 ]; then
		bad "$desc: the cursor moved by $((L - before)), want 1 (the CLI's own fork)"
	else
		ok
	fi
}

# Numbers the parser must refuse (exit 2) wherever a number is taken.
BAD_NUMBERS="abc -1 -0 +5 0x10 1e3 5. .5 07x ' 5' '5 ' '' 99999999999999999999 \
18446744073709551616"

bad_numbers() {
	for n in 0 2147483648 9223372036854775808; do
		refused 2 "exec --pid $n" exec --pid "$n" -- true
		refused 2 "next $n" next "$n"
		refused 2 "estimate $n" estimate "$n"
	done
	eval "set -- $BAD_NUMBERS"
	for n in "$@"; do
		refused 2 "exec --pid '$n'" exec --pid "$n" -- true
		refused 2 "exec --min '$n'" exec --min "$n" -- true
		refused 2 "next '$n'" next "$n"
		refused 2 "burn '$n'" burn "$n"
		refused 2 "estimate '$n'" estimate "$n"
		refused 2 "--threads '$n'" burn 10 --threads "$n"
		refused 2 "--timeout '$n'" burn 10 --timeout "$n"
		refused 2 "--max-burn '$n'" burn 10 --max-burn "$n"
	done
	for n in 0 1025 4096 4294967297; do
		refused 2 "--threads $n" burn 10 --threads "$n"
	done
	for n in 0 0.0 0.000 4294968 4294967.296; do
		refused 2 "--timeout $n" exec --pid 5000 --timeout "$n" -- true
	done
	refused 2 "burn 0" burn 0
	refused 2 "--max-burn 0" burn 10 --max-burn 0
	for s in nope AUTO '' 'ghost ' settid,ghost; do
		refused 2 "--strategy '$s'" burn 10 --strategy "$s"
	done
}

# Refusals from the library: the status of their class (pidcycle(1) EXIT STATUS):
# 121 in use, 123 unreachable (out of range, below the wrap floor), 125 other.
bad_targets() {
	max=$(cat /proc/sys/kernel/pid_max)
	refused 123 "exec --pid pid_max ($max)" exec --pid "$max" -- true
	refused 123 "exec --pid INT_MAX" exec --pid 2147483647 -- true
	refused 123 "next pid_max" next "$max"
	refused 123 "exec --min pid_max" exec --min "$max" -- true
	refused 123 "estimate pid_max" estimate "$max"
	refused 121 "exec --pid 1 (in use)" exec --pid 1 -- true
	sleep 1000 &
	holder=$!
	refused 121 "exec --pid of a running process" exec --pid "$holder" -- true
	refused 121 "next of a running process" next "$holder"
	kill "$holder"
	wait "$holder" 2> /dev/null
	# The wrap floor: as uid 65534 only cycling is possible.
	getlast
	[ "$L" -ge 300 ] || "$CLI" burn $((301 - L)) --quiet
	if [ "$(id -u)" != 0 ]; then
		refused 123 "exec --pid 100 below the wrap floor" exec --pid 100 -- true
		refused 123 "next 100 below the wrap floor" next 100
		refused 125 "--strategy settid unprivileged" exec --pid 5000 --strategy settid -- true
		refused 125 "--strategy lastpid unprivileged" next 5000 --strategy lastpid
	fi
}

# Only PID 1 (this script) may be left in the namespace.
alone() {
	for d in /proc/[0-9]*; do
		[ "$d" = /proc/1 ] && continue
		[ -e "$d" ] || continue
		bad "$1: pid ${d#/proc/} is still there: $(cat "$d/cmdline" 2> /dev/null | tr '\0' ' ')"
		return
	done
	ok
}

# stop SIG WANT DESC ARGS...: start the CLI, let it burn, signal it.
# env --default-signal: a background job of a script ignores SIGINT otherwise.
stop() {
	sig=$1 want=$2 desc=$3
	shift 3
	env --default-signal=INT "$CLI" "$@" > /dev/null 2> "$T/err" &
	p=$!
	getlast; from=$L
	# Until it has visibly started burning (no clock: the cursor moves).
	while getlast && [ $((L - from)) -lt 20000 ] && [ -e /proc/$p ]; do :; done
	kill -s "$sig" "$p"
	wait "$p"
	got=$?
	[ "$got" = "$want" ] && ok || bad "$desc: exit $got, want $want; $(head -c 200 "$T/err")"
	alone "$desc"
}

signals() {
	getlast
	far=$((L + 3000000))
	strat=ghost
	stop INT 130 "SIGINT during burn" burn 100000000 --quiet --strategy $strat
	stop TERM 143 "SIGTERM during burn" burn 100000000 --quiet --strategy $strat
	getlast; far=$((L + 3000000))
	stop INT 130 "SIGINT during exec --pid far" exec --pid $far --strategy $strat -- true
	getlast; far=$((L + 3000000))
	stop TERM 143 "SIGTERM during exec --pid far" exec --pid $far --strategy $strat -- true
}

# clone3 -> ENOSYS: probe says so, and exec/burn still work.
no_clone3() {
	"$NOCLONE3" "$CLI" probe --json > "$T/out" 2> "$T/err"
	grep -q '"clone3":false' "$T/out" && ok || bad "noclone3: probe --json: $(cat "$T/out" "$T/err")"
	getlast; n=$((L + 100))
	"$NOCLONE3" "$CLI" exec --pid "$n" -- sh -c 'echo $$' > "$T/out" 2> "$T/err"
	read -r got < "$T/out"
	[ "${got:-}" = "$n" ] && ok || bad "noclone3: exec --pid $n ran as '${got:-}': $(cat "$T/err")"
	getlast; before=$L
	"$NOCLONE3" "$CLI" burn 1000 --quiet 2> "$T/err" || bad "noclone3: burn: $(cat "$T/err")"
	getlast
	# One fork for the wrapper, which execs the CLI in place; then 1000.
	[ $((L - before)) = 1001 ] && ok || bad "noclone3: burn 1000 moved the cursor by $((L - before))"
	alone "noclone3"
}

echo "== reliability_cli as uid $(id -u)"
bad_numbers
bad_targets
no_clone3
signals
rm -rf "$T"
summary reliability_cli
