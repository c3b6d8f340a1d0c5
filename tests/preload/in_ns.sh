#!/bin/sh
# in_ns.sh - runs as root and PID 1 of a private PID namespace: set up, then one command.
# Usage: in_ns.sh PID_MAX|- FORKER(0|1|2) AS(nobody|userns|root) command...
#   FORKER 1: a shell loop forking all the time; 2: two tight fork+_exit
#   loops (the C program $FORKLOOP). nobody: uid 65534 without capabilities;
#   userns: that, then root of a new user namespace (CRIU's rootless setup:
#   every capability but over PIDs); root: as is, privileged. With HOLD=N in
#   the environment, root first makes a task at PID N that lives HOLD_SEC
#   seconds (a number held for a moment). The command's exit code is ours.
pid_max=$1 forker=$2 as=$3
shift 3
# No fork before the command's (no $(dirname ...)): shim-inuse counts on its PID being 2.
. "${0%/*}/../lib.sh"
if [ "$pid_max" != - ]; then
	pid_max_per_ns || exit 77	# skip
	echo "$pid_max" > /proc/sys/kernel/pid_max || exit 99
fi
if [ "$as" = userns ] && ! drop unshare -Ur true 2> /dev/null; then
	exit 77	# no unprivileged user namespaces here: skip
fi
fpid=
if [ "$forker" = 1 ]; then
	# Someone else taking numbers all the time: the races the shim must win.
	drop_bg sh -c 'while :; do /bin/true; done'
	fpid=$!
	sleep 0.2
elif [ "$forker" = 2 ]; then
	drop_bg "$FORKLOOP" 0
	fpid=$!
	drop_bg "$FORKLOOP" 0
	fpid="$fpid $!"
	sleep 0.2
fi
if [ -n "${HOLD:-}" ]; then
	# The holder at HOLD; then the cursor goes back below it, so that the
	# number is ahead (no lap) once the holder is gone.
	echo $((HOLD - 1)) > /proc/sys/kernel/ns_last_pid || exit 99
	sleep "${HOLD_SEC:-0.3}" &
	echo $((HOLD / 2)) > /proc/sys/kernel/ns_last_pid || exit 99
fi
case $as in
nobody) drop "$@" ;;
userns) drop unshare -Ur "$@" ;;
root) "$@" ;;
*) echo "in_ns.sh: bad AS $as" >&2; false ;;
esac
rc=$?
[ -n "$fpid" ] && kill $fpid
exit $rc
