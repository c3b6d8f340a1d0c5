#!/bin/sh
# faults.sh - set up one fault in this private PID + mount namespace (as root,
# PID 1), then exec the reliability tests for it as root or as uid 65534:
#   unshare --pid --fork --mount-proc sh tests/faults.sh CASE USER RELIABILITY [ARG]
# CASE: plain | hidepid | sysro | nolastpid | nosysctl;  USER: root | nobody.
# The mounts vanish with the namespace; nothing outside it changes.
set -eu

case_=${1:?usage: faults.sh CASE root|nobody PATH-TO-reliability}
user=${2:?usage: faults.sh CASE root|nobody PATH-TO-reliability}
bin=${3:?usage: faults.sh CASE root|nobody PATH-TO-reliability}
shift 3
K=/proc/sys/kernel
. "$(dirname "$0")/lib.sh"
pid1_only faults.sh "and of a private mount namespace"

# pid_max is per namespace from 6.14: lower it here for cheap laps.
lower_pid_max() {
	if pid_max_per_ns; then echo 30000 > $K/pid_max; fi
}

filter=
case $case_ in
plain)
	lower_pid_max ;;
hidepid)
	lower_pid_max
	# A root process that is neither a group nor a session leader: its
	# number is only a PID, which uid 65534 cannot see in /proc. Past 300,
	# so that only "in use" can be the answer.
	echo 1000 > $K/ns_last_pid
	sleep 1000 &
	export RT_HIDDEN_PID=$!
	mount -o remount,hidepid=2 /proc
	filter='fault_hidepid' ;;
sysro)
	mount --bind /proc/sys /proc/sys
	mount -o remount,bind,ro /proc/sys
	filter='fault_sys_ro' ;;
nolastpid)
	# As without CONFIG_CHECKPOINT_RESTORE: pid_max stays (a copy).
	max=$(cat $K/pid_max)
	mount -t tmpfs -o size=16k,mode=0755 none $K
	echo "$max" > $K/pid_max
	filter='fault_no_lastpid' ;;
nosysctl)
	mount -t tmpfs -o size=16k,mode=0755 none $K
	filter='fault_no_sysctl' ;;
*)
	echo "faults.sh: unknown case '$case_'" >&2
	exit 2 ;;
esac

echo "== reliability: $case_ as $user"
export PIDCYCLE_TEST_FILTER="$filter"
if [ "$user" = root ]; then
	exec "$bin" "$@"
fi
exec $AS_NOBODY "$bin" "$@"
