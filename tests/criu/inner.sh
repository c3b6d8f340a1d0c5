#!/bin/sh
# inner.sh - dump, restore or check one real-CRIU case (run by ns.sh; see suite.sh).
# Usage: inner.sh PHASE CASE DIR. Environment: B (build dir), CRIU, JAVA.
# dump: start the case's target, record every PID and TID of its tree in
# DIR/tasks, dump it into DIR/img (rootless). restore: `pidcycle run --
# criu restore --unprivileged`; priv: a privileged `criu restore` of the same
# images (root of a user namespace that owns the PID namespace: set_tid). Both then check every PID and TID against
# DIR/tasks and that every task runs on, and write the restore's wall time to
# DIR/PHASE.time. Exit 0: all good; 1: a check failed; 2: the restore failed.
phase=$1 case=$2 dir=$3
CLI=$B/pidcycle
cd "$dir" || exit 1

say() { echo "$case $phase: $*"; }

# "PID TID" for every task of the tree below $1 (children from /proc).
tasks() {
	local t c
	for t in /proc/$1/task/*; do
		echo "$1 ${t##*/}"
		for c in $(cat "$t/children" 2> /dev/null); do
			tasks "$c"
		done
	done
}

now() { date +%s.%N; }

target() {
	case $case in
	tree|behind|load|sibling|tree-2loops) set -- -c 1 ;;
	threads|threads-load|own-userns)	set -- -t 3 ;;
	zombie)		set -- -z ;;
	noclone3)	set -- -t 3 -c 1 ;;
	jvm)	"$B/tests/criu/detach" "$JAVA" -XX:-UsePerfData -Xshare:off \
			-XX:+UseSerialGC -Xmx64m -cp "$B/tests/criu" Ticker "$dir/status" \
			< /dev/null > "$dir/target.out" 2>&1 &
		return ;;
	esac
	"$B/tests/criu/detach" "$B/tests/criu/target" "$@" "$dir/status" \
		< /dev/null > "$dir/target.out" 2>&1 &
}

do_dump() {
	touch status && chmod 666 status
	target
	root=$!
	until grep -q "^tick [1-9]" status 2> /dev/null; do sleep 0.05; done
	sleep 0.2
	tasks $root | sort -n > tasks
	echo $root > root
	say "tree: $(cut -d' ' -f2 tasks | tr '\n' ' ')"
	mkdir -p img
	"$CRIU" dump --unprivileged -t $root -D img -o dump.log -v4 ||
		{ say "dump failed:"; grep Error img/dump.log; exit 2; }
}

# Every task there, at its number, and running on.
check_restored() {
	root=$(cat root)
	tasks $root | sort -n > tasks.$phase
	if ! cmp -s tasks tasks.$phase; then
		say "FAIL: PIDs/TIDs differ (dumped, then restored):"
		diff tasks tasks.$phase | sed 's/^/    /'
		return 1
	fi
	sleep 0.1
	set -- $(cat status)
	a=$*
	sleep 0.3
	set -- $(cat status)
	b=$*
	say "runs: '$a' then '$b'"
	set -- $a
	shift
	for n in $b; do
		[ "$n" = tick ] && continue
		[ $# -gt 0 ] || return 1
		[ "$n" -gt "$1" ] || { say "FAIL: a task stopped counting ($1 -> $n)"; return 1; }
		shift
	done
	say "ok: $(wc -l < tasks) tasks at their PIDs and TIDs"
}

do_restore() {
	set --
	[ "$case" = sibling ] && set -- --restore-sibling
	wrap=
	[ "$case" = noclone3 ] && wrap="$B/tests/run/enosys 435"	# clone3
	t0=$(now)
	# The timeouts only keep a stuck CRIU from hanging the suite.
	if [ "$phase" = priv ]; then
		$wrap timeout -k 5 120 "$CRIU" restore --unprivileged -D img -d \
			-o priv.log -v4 "$@"
		rc=$?
	else
		# Two tight fork loops cost a lap per lost race: time for several.
		limit=
		[ "$case" = tree-2loops ] && limit="--timeout 300"
		PIDCYCLE_LOG=$dir/pidcycle.log $wrap timeout -k 5 700 "$CLI" run $limit -- \
			"$CRIU" restore --unprivileged -D img -d -o restore.log -v4 "$@"
		rc=$?
	fi
	echo "$(now) - $t0" | bc > $phase.time
	if [ $rc != 0 ]; then
		say "restore failed (exit $rc):"
		grep -h "Error\|EEXIST" img/restore.log img/priv.log 2> /dev/null | tail -5
		grep -q "File exists\|EEXIST" img/$phase.log &&
			echo EEXIST > $phase.eexist
		exit 2
	fi
	check_restored || exit 1
	kill -KILL $(cut -d' ' -f1 tasks.$phase | sort -u) 2> /dev/null
	return 0
}

case $phase in
dump) do_dump ;;
restore|priv) do_restore ;;
esac
