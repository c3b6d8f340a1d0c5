#!/bin/sh
# robust_procns.sh - as root and PID 1 of a private PID namespace (with its
# own /proc): take a number here that only this namespace has, then run PROG
# in a nested PID namespace made WITHOUT --mount-proc, as root or uid 65534:
# there /proc still shows this (its parent's) namespace.
#   unshare --pid --fork --mount-proc sh tests/robust_procns.sh root|nobody PROG
set -eu
who=${1:?usage: robust_procns.sh root|nobody PROG}
prog=${2:?usage: robust_procns.sh root|nobody PROG}
. "$(dirname "$0")/lib.sh"
pid1_only robust_procns.sh
# A process at 400 here, alive only in this (the parent) namespace.
echo 399 > /proc/sys/kernel/ns_last_pid
sleep 1000 &
holder=$!
[ "$holder" = 400 ] || { echo "robust_procns.sh: the holder got $holder, not 400" >&2; exit 1; }
case $who in
root)	as= ;;
nobody)	as=$AS_NOBODY ;;
*)	echo "robust_procns.sh: root or nobody, not '$who'" >&2; exit 2 ;;
esac
echo "== $prog as $who in a PID namespace that sees its parent's /proc (400 taken there only)"
rc=0
ROBUST_PARENT_ONLY=$holder unshare --pid --fork --kill-child $as "$prog" || rc=$?
kill "$holder"
wait "$holder" 2>/dev/null || true
exit $rc
