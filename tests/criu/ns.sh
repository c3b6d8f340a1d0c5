#!/bin/sh
# ns.sh - one phase of a real-CRIU case, as root and PID 1 of a fresh private PID namespace.
# Usage: ns.sh PHASE CASE DIR (PHASE: dump, restore or priv; see suite.sh).
# It sets the namespace up (pid_max, the cursor, background forkers), then
# runs inner.sh. dump and restore: as uid 65534 with no capabilities, inside
# `unshare -Urm` (CRIU's rootless setup: root of a user namespace that does
# not own this PID namespace). priv: uid 65534 makes a user namespace that
# owns a new PID namespace, and is root there: a CRIU with every privilege
# over its PIDs (set_tid), restoring the same images with the same mapping.
phase=$1 case=$2 dir=$3
here=$(dirname "$0")
# The targets are started at BASE; a small pid_max keeps laps short (two
# tight fork loops make nearly every try of a process a lap: smaller still).
PID_MAX=40000 BASE=5000
[ "$case" = tree-2loops ] && PID_MAX=12000
# FORK_RATE: the background fork loop's nominal rate (suite.sh sets it,
# measures and prints what it really makes).
. "$here/../lib.sh"
if [ "$phase" = priv ]; then
	exec $AS_NOBODY unshare --user --map-root-user --pid --fork \
		--mount-proc sh "$0" priv-in "$case" "$dir"
fi
if [ "$phase" = priv-in ]; then	# already uid 65534 outside
	drop() { "$@"; }
	drop_bg() { "$@" & }
fi
# Only where pid_max is per namespace (suite.sh skips elsewhere): before
# 6.14 this write would change the whole machine's.
pid1_only ns.sh
pid_max_per_ns || exit 99
echo $PID_MAX > /proc/sys/kernel/pid_max || exit 99
case "$phase:$case" in
dump:*)		cursor=$((BASE - 1)) ;;
*:behind)	cursor=$((BASE + 20000)) ;;	# the numbers are behind: a lap
*)		cursor=$((BASE - 300)) ;;	# they are ahead, as after a reboot
esac
echo $cursor > /proc/sys/kernel/ns_last_pid || exit 99
forkers=
if [ "$phase" != dump ]; then
	case $case in
	load|threads-load)	drop_bg "$B/tests/preload/forker" $FORK_RATE; forkers=$! ;;
	tree-2loops)		drop_bg "$B/tests/preload/forker" 0; f1=$!
				drop_bg "$B/tests/preload/forker" 0; forkers="$f1 $!" ;;
	esac
fi
if [ "$phase" = priv-in ]; then
	sh "$here/inner.sh" priv "$case" "$dir"
elif [ "$phase:$case" = restore:own-userns ]; then
	drop sh "$here/inner.sh" "$phase" "$case" "$dir"	# run makes it
else
	drop unshare -Urm sh "$here/inner.sh" "$phase" "$case" "$dir"
fi
rc=$?
if [ -n "$forkers" ]; then
	kill $forkers
	wait $forkers 2> /dev/null	# their rates, into the phase's output
fi
exit $rc
