#!/bin/sh
# suite.sh - check-criu: real CRIU restores rootless processes, trees, threads and JVMs under `pidcycle run`.
# Usage (as root, from the top of the tree): tests/criu/suite.sh BUILD_DIR CRIU [CASE[:ROUNDS]...]
# Every round of a case: the target is started and dumped as uid 65534 inside
# `unshare -Urm` in one private PID namespace, then restored the same way in a
# fresh one through `pidcycle run -- criu restore --unprivileged`, and, for
# the time it takes, by a privileged CRIU (root, set_tid) in a third. Every
# PID and TID is checked, and that every task runs on.
# Cases: single tree threads jvm behind zombie load threads-load sibling
#   noclone3 tree-2loops own-userns. load: a background fork loop of ~1000
#   forks/s during the restore; tree-2loops: two fork loops as fast as they
#   go; own-userns: the restore is not run inside `unshare -Urm`: run makes
#   the user namespace itself.
B=${1:?usage: suite.sh BUILD_DIR CRIU [CASE[:ROUNDS]...]}
CRIU=${2:-}
shift 2
TOP=$(pwd)
HERE=$TOP/tests/criu
export B="$TOP/$B" CRIU
. "$TOP/tests/lib.sh"
# Every phase in a PID namespace of its own; the timeout is only a safety net.
NS="timeout -k 10 600 unshare --pid --fork --mount-proc --kill-child"

skip() { skip_all criu "check-criu: $*"; }

[ -n "$CRIU" ] || skip "no CRIU given (make check-criu CRIU=/path/to/criu, 4.1 or newer)"
[ -x "$CRIU" ] || skip "$CRIU is not an executable"
ver=$("$CRIU" --version 2> /dev/null | sed -n 's/^Version: *//p')
case $ver in
[4-9].[1-9]*|[4-9].[1-9][0-9]*|[5-9].*|[1-9][0-9].*) ;;
*) skip "$CRIU is version '${ver:-unknown}', the suite needs 4.1 or newer" ;;
esac
[ "$(id -u)" = 0 ] || skip "needs root to create PID namespaces"
pid_max_per_ns || skip "the cases lower pid_max in their namespaces, which only 6.14 and later keep per namespace (this is $(uname -r))"
why=$(unshare --pid --fork --mount-proc $AS_NOBODY "$B/pidcycle" probe | sed -n 's/^run  *no: //p')
[ -z "$why" ] || skip "pidcycle run cannot work here: $why"
JAVA=$(command -v java)
export JAVA
# A preload built with ASan needs the ASan runtime ahead of it (see check-run).
asan=$(asan_runtime "$B/libpidcycle-preload.so")
[ -n "$asan" ] && export LD_PRELOAD="$asan"

[ $# -gt 0 ] || set -- single tree threads jvm behind zombie load threads-load sibling \
	noclone3 tree-2loops own-userns

# CRIU's kerndat cache: the dump (without run) saves one in $XDG_RUNTIME_DIR
# (on a tmpfs, or CRIU drops it), with has_clone3_set_tid = true; the restore
# under run must neither use it (threads would fail with EPERM on clone3)
# nor replace it.
kdat_sum() { md5sum "$XDG_RUNTIME_DIR/criu.kdat" 2> /dev/null | cut -d' ' -f1; }

# An interrupted suite leaves no round's directories behind.
dir= XDG_RUNTIME_DIR=
trap 'rm -rf "$dir" "${XDG_RUNTIME_DIR%/priv}"' EXIT
trap 'exit 130' INT TERM

# One round: dump, restore under run, restore privileged. Prints one line.
round() {	# round CASE N
	dir=$(mktemp -d /tmp/pidcycle-criu.XXXXXX) || return 1
	chmod 777 "$dir"
	XDG_RUNTIME_DIR=$(mktemp -d /dev/shm/pidcycle-xdg.XXXXXX) || return 1
	chmod 777 "$XDG_RUNTIME_DIR"
	export XDG_RUNTIME_DIR
	ok=1
	$NS sh "$HERE/ns.sh" dump "$1" "$dir" > "$dir/dump.out" 2>&1 ||
		{ echo "FAIL: $1 #$2: dump:"; sed 's/^/    /' "$dir/dump.out"; rm -rf "$dir"; return 1; }
	sum=$(kdat_sum)
	$NS sh "$HERE/ns.sh" restore "$1" "$dir" > "$dir/restore.out" 2>&1
	rc=$?
	if [ "$(kdat_sum)" != "$sum" ] || [ -e "$XDG_RUNTIME_DIR/criu.kdat.tmp" ]; then
		echo "criu.kdat changed under run (before: ${sum:-none})" >> "$dir/restore.out"
		rc=1
	fi
	[ -n "$sum" ] && echo "(criu.kdat from the dump was there)" >> "$dir/restore.out"
	[ -s "$dir/restore.eexist" ] && eexist=$((eexist + 1))
	# The privileged CRIU probes for itself: the cache of the rootless dump
	# says set_tid, which clone3 blocked by seccomp (noclone3) belies.
	XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR/priv
	mkdir -m 777 "$XDG_RUNTIME_DIR"
	$NS sh "$HERE/ns.sh" priv "$1" "$dir" > "$dir/priv.out" 2>&1
	prc=$?
	XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR%/priv}
	t=$(cat "$dir/restore.time" 2> /dev/null) pt=$(cat "$dir/priv.time" 2> /dev/null)
	if [ $rc = 0 ]; then
		fr=$(sed -n 's/^forker: .*: \(.*\)$/\1/p' "$dir/restore.out" | tr '\n' ' ')
		echo "ok: $1 #$2: $(sed -n 's/.*ok: //p' "$dir/restore.out")$(grep -q 'criu.kdat from' \
			"$dir/restore.out" && echo " despite a criu.kdat"); restore ${t}s under run," \
			"${pt}s privileged$([ $prc = 0 ] || echo " (privileged restore failed: exit $prc)")" \
			"${fr:+; forker $fr}"
		[ $prc = 0 ] || sed 's/^/    privileged: /' "$dir/priv.out"
	else
		ok=0
		echo "FAIL: $1 #$2 (exit $rc; load $(cut -d' ' -f1 /proc/loadavg)):"
		sed 's/^/    /' "$dir/dump.out" "$dir/restore.out"
		[ -f "$dir/pidcycle.log" ] && tail -n 20 "$dir/pidcycle.log" | sed 's/^/    log: /'
	fi
	# The window between the server's answer and the next step, for threads.
	[ -f "$dir/pidcycle.log" ] && cp "$dir/pidcycle.log" "$OUT/$1.$2.log"
	rm -rf "$dir" "$XDG_RUNTIME_DIR"
	[ $ok = 1 ]
}

# What the background fork loop of the load cases really does here.
# The load cases' nominal rate (ns.sh); about 1000 forks/s really.
export FORK_RATE=${FORK_RATE:-1300}
rate=$($NS sh -c '"$1" $FORK_RATE & f=$!
	read -r _ _ _ _ a < /proc/loadavg; sleep 2; read -r _ _ _ _ b < /proc/loadavg
	kill $f; echo $(((b - a - 1) / 2))' sh "$B/tests/preload/forker")
echo "criu: the background fork loop makes $rate forks/s here; load average $(cut -d' ' -f1-3 /proc/loadavg)"

OUT=$B/tests/criu/out
mkdir -p "$OUT"
for spec in "$@"; do
	c=${spec%%:*} n=${spec#*:}
	[ "$n" = "$spec" ] && n=1
	good=0 eexist=0
	i=1
	while [ $i -le $n ]; do
		round "$c" $i && good=$((good + 1))
		i=$((i + 1))
	done
	echo "criu: $c: $good/$n restored with every PID and TID ($eexist failed with EEXIST);" \
		"load average now $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ $good = $n ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
summary criu
