#!/bin/sh
# robust_pids.sh - as root and PID 1 of a private PID namespace: make a pids
# cgroup with pids.max MAX, run PROG in it (as root or uid 65534) with
# ROBUST_PIDS_MAX=MAX so that its pids test runs, then remove the cgroup.
# cgroup v1 (a pids hierarchy) or v2 (the pids controller); skips, saying
# why, when neither can be made here.
#   unshare --pid --fork --mount-proc sh tests/robust_pids.sh MAX root|nobody PROG
set -u

max=${1:?usage: robust_pids.sh MAX root|nobody PROG}
who=${2:?usage: robust_pids.sh MAX root|nobody PROG}
prog=${3:?usage: robust_pids.sh MAX root|nobody PROG}
. "$(dirname "$0")/lib.sh"
pid1_only robust_pids.sh

# v1: the mount point of a hierarchy with the pids controller.
v1_root() {
	awk '$9 == "cgroup" && $NF ~ /(^|,)pids(,|$)/ { print $5; exit }' /proc/self/mountinfo
}
# v2: the unified mount, if it offers the pids controller.
v2_root() {
	awk '$9 == "cgroup2" { print $5 }' /proc/self/mountinfo | while read -r m; do
		grep -qw pids "$m/cgroup.controllers" 2>/dev/null && { echo "$m"; break; }
	done
}

# A cgroup of our own with a pids.max file, or nothing.
make_cgroup() {
	name=pidcycle-robust-$(cut -c1-8 /proc/sys/kernel/random/boot_id)-$max-$who
	base=$(v1_root)
	if [ -z "$base" ]; then
		base=$(v2_root)
		[ -n "$base" ] || return 1
		grep -qw pids "$base/cgroup.subtree_control" ||
			echo +pids > "$base/cgroup.subtree_control" 2>/dev/null || return 1
	fi
	cg=$base/$name
	rmdir "$cg" 2>/dev/null	# a stale one from a killed run
	mkdir "$cg" 2>/dev/null || return 1
	if [ ! -e "$cg/pids.max" ] || ! echo "$max" > "$cg/pids.max"; then
		rmdir "$cg"
		return 1
	fi
	echo "$cg"
}

# pid_max is per namespace from 6.14: lower it for cheap laps, as engine_ns.sh does.
if pid_max_per_ns; then
	echo 8000 > /proc/sys/kernel/pid_max
fi

cg=$(make_cgroup) || {
	echo "robust_pids.sh: SKIP: no pids cgroup can be made here (neither a v1 pids" \
		"hierarchy nor a v2 pids controller we may enable)"
	exit 0
}
case $who in
root)	as= ;;
nobody)	as=$AS_NOBODY ;;
*)	echo "robust_pids.sh: root or nobody, not '$who'" >&2; rmdir "$cg"; exit 2 ;;
esac
echo "== $prog in $cg (pids.max $max) as $who"
ROBUST_PIDS_MAX=$max PIDCYCLE_TEST_FILTER=pids_cgroup_limit \
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" $as "$prog"
rc=$?
rmdir "$cg" || rc=1
exit $rc
