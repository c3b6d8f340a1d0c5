#!/bin/sh
# engine_ns.sh - as root and PID 1 of a private PID namespace: lower this
# namespace's pid_max (so a lap of the allocator is cheap), then run PROG as
# root or as uid 65534 (or uid N: uid=N) with no capabilities.
# Usage: engine_ns.sh PID_MAX root|nobody|uid=N PROG [ARG...]
set -eu

max=${1:?usage: engine_ns.sh PID_MAX root|nobody PROG [ARG...]}
who=${2:?usage: engine_ns.sh PID_MAX root|nobody PROG [ARG...]}
shift 2
. "$(dirname "$0")/lib.sh"
pid1_only engine_ns.sh
# Before 6.14 pid_max is one value for the whole machine: never touch it
# (the tests that need cheap laps skip and say why).
if pid_max_per_ns; then
	echo "$max" > /proc/sys/kernel/pid_max
	if [ "$(cat /proc/sys/kernel/pid_max)" != "$max" ]; then
		echo "engine_ns.sh: could not lower pid_max in the namespace" >&2
		exit 1
	fi
fi
case $who in
root)	exec "$@" ;;
nobody)	exec $AS_NOBODY "$@" ;;
uid=*)	exec setpriv --reuid="${who#uid=}" --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$@" ;;
*)	echo "engine_ns.sh: root or nobody, not '$who'" >&2; exit 2 ;;
esac
