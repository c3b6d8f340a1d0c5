#!/bin/sh
# cases.sh - the check-run cases; each runs as uid 65534 inside a fresh private PID namespace.
# Usage (from run.sh): cases.sh BUILD_DIR CASE. Exit 0: the case passed.
# Every case prints what it saw; run.sh shows that output when it fails.
B=$1 CASE=$2
CLI=$B/pidcycle
T=$B/tests/run
LP=/proc/sys/kernel/ns_last_pid
W="$T/lastpid_write"

. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# A case is one check that ends at its first failure (lib.sh's bad counts on).
say() { echo "$CASE: $*"; }
bad() { say "FAIL: $*"; exit 1; }

# "echo N > ns_last_pid; sh -c 'echo $$'" prints N+1, as with privilege.
case_shell() {
	getlast
	n=$((L + 1000))
	out=$("$CLI" run -- sh -c "echo $n > $LP && sh -c 'echo \$\$'") || bad "run exited $?"
	say "wrote $n, the next shell was $out"
	[ "$out" = $((n + 1)) ] || bad "wanted $((n + 1))"
}

# CRIU's restorer: raw openat/lseek/write/clone(CLONE_THREAD), three threads.
case_restorer() {
	getlast
	a=$((L + 200)) b=$((L + 450)) c=$((L + 900))
	out=$("$CLI" run -- "$T/restorer" $a $b $c) || bad "restorer: $out"
	say "$out"
	[ "$out" = "restorer: threads at $a $b $c" ] || bad "wanted threads at $a $b $c"
}

# The same without run: the write is refused (the test can fail).
case_restorer_norun() {
	getlast
	out=$("$T/restorer" $((L + 100)))
	rc=$?
	say "$out (exit $rc)"
	[ $rc = 1 ] || bad "restorer without run exited $rc, wanted 1"
}

# CRaC's launcher: write ns_last_pid, then fork().
case_crac() {
	getlast
	n=$((L + 700))
	out=$("$CLI" run -- "$T/crac" $n) || bad "$out"
	say "$out"
}

# Cooperating writers serialise on flock of the file, as on the real one:
# each gets exactly its number although all run at once.
case_flock_writers() {
	getlast
	for i in 1 2 3 4 5 6; do
		echo $((L + 300 * i))
	done > $tmp/want
	out=$("$CLI" run -- sh -c '
		for v in $(cat '$tmp/want'); do
			flock '$LP' sh -c "echo $((v - 1)) > '$LP' && sh -c \"echo \\\$\\\$\"" &
		done
		wait' | sort -n)
	want=$(sort -n $tmp/want)
	rm -f $tmp/want
	say "got $(echo $out)"
	[ "$(echo $out)" = "$(echo $want)" ] || bad "wanted $(echo $want)"
}

# Writers at once without a lock: every write is served (its length back),
# and a read meanwhile answers with a number.
case_concurrent() {
	getlast
	out=$("$CLI" run -- sh -c '
		for i in 1 2 3 4 5 6 7 8; do "'"$W"'" $(('"$L"' + 1000 + 500 * i)) & done
		echo "read $(cat '$LP')"
		wait')
	say "$(echo $out)"
	[ "$(printf '%s\n' "$out" | grep -cx "ok [0-9]*")" = 8 ] || bad "wanted 8 successful writes"
	printf '%s\n' "$out" | grep -qx "read [0-9][0-9]*" || bad "no value read"
}

# Values the kernel refuses are refused the same way (EINVAL), through the
# FUSE file, and short writes are as short (run.sh lowered pid_max to 5000);
# a value below the floor is ERANGE once the namespace passed 300; an empty
# write succeeds, and one past offset 0 succeeds and does nothing.
case_values() {
	out=$("$CLI" run -- sh -c '
		w() { printf "%s => %s\n" "$1" "$("'"$W"'" -- "$1")"; }
		w 1000; w -1; w +5; w abc; w 5x; w 99999999; w 5001; w 5000
		w " 1042 "; w "2000 6"; w 0x400; w ""; w 50
		a=$(cat '$LP'); "'"$W"'" -o 5 4000 > /dev/null; b=$(cat '$LP')
		echo "offset 5: $a then $b"')
	printf '%s\n' "$out" | sed "s/^/$CASE: /"
	for want in "1000 => ok 4" "-1 => EINVAL" "+5 => EINVAL" "abc => EINVAL" \
		"5x => EINVAL" "99999999 => EINVAL" "5001 => EINVAL" "5000 => ok 4" \
		" 1042  => ok 6" "2000 6 => ok 5" "0x400 => ok 5" " => ok 0" \
		"50 => ERANGE"; do
		printf '%s\n' "$out" | grep -qxF -- "$want" || bad "wanted '$want'"
	done
	# Two processes between the two reads: the writer and the second cat.
	set -- $(printf '%s\n' "$out" | sed -n 's/^offset 5: //p')
	[ "$3" = $(($1 + 2)) ] || bad "a write at offset 5 moved the cursor"
}

# A read at offset 0 is "%d\n" of the real cursor, cut to the size asked
# (cat's own PID, the first after 1233); at any other offset it is empty (so
# the shell's read, byte by byte, sees one digit: the kernel's file does the
# same); it is a file of mode 0666.
case_read() {
	out=$("$CLI" run -- sh -c '
		echo 1233 > '$LP'
		echo "value $(cat '$LP')"
		echo "cut $(head -c 2 '$LP')"
		echo "past [$(dd if='$LP' ibs=1 skip=2 count=8 2> /dev/null)]"
		echo "mode $(stat -c %a '$LP')"')
	printf '%s\n' "$out" | sed "s/^/$CASE: /"
	for want in "value 1234" "cut 12" "past []" "mode 666"; do
		printf '%s\n' "$out" | grep -qxF -- "$want" || bad "wanted '$want'"
	done
}

# Exit statuses as exec: CMD's own, 128+N for a signal, 127 not found.
case_status() {
	"$CLI" run -- sh -c 'exit 7'; rc=$?
	say "exit 7 -> $rc"; [ $rc = 7 ] || bad "wanted 7"
	"$CLI" run -- sh -c 'kill -TERM $$'; rc=$?
	say "SIGTERM -> $rc"; [ $rc = 143 ] || bad "wanted 143"
	"$CLI" run -- /nonexistent/cmd 2>/dev/null; rc=$?
	say "not found -> $rc"; [ $rc = 127 ] || bad "wanted 127"
	"$CLI" run 2>/dev/null; rc=$?
	say "no CMD -> $rc"; [ $rc = 2 ] || bad "wanted 2"
}

# libpidcycle inside CMD goes through the emulated file: next and exec.
case_library() {
	getlast
	n=$((L + 600))
	out=$("$CLI" run -- sh -c "'$CLI' next $n && sh -c 'echo \$\$'")
	say "next $n, then a shell: $out"
	[ "$out" = $n ] || bad "wanted $n"
	out=$("$CLI" run -- "$CLI" exec --pid $((n + 400)) -- sh -c 'echo $$')
	say "exec --pid $((n + 400)): $out"
	[ "$out" = $((n + 400)) ] || bad "wanted $((n + 400))"
}

# Processes other than PID 1 and this shell (builtins only).
others() {
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = 1 ] || [ "$p" = $$ ] || echo "$p"
	done
}

# Is process $1 alive (not gone, not a zombie)?
alive() {
	[ -d /proc/$1 ] && ! grep -q '^State:[[:space:]]*Z' /proc/$1/status 2> /dev/null
}

# Is any process listed on stdin alive?
any_alive() {
	while read -r p; do
		alive "$p" && return 0
	done
	return 1
}

# The children of process $1 (from /proc: no pgrep).
children() {
	for f in /proc/[0-9]*/stat; do
		read -r pid _ _ ppid _ < "$f" 2> /dev/null && [ "$ppid" = "$1" ] && echo "$pid"
	done
}

# Nothing of run is visible outside CMD: no mount in the caller's namespace
# while CMD runs; no descriptor of run's reaches CMD; after it, no process.
case_nothing_left() {
	here=$(ls /proc/self/fd | wc -l)
	out=$("$CLI" run -- sh -c "grep -c pidcycle /proc/self/mountinfo
		ls /proc/self/fd | wc -l
		grep -c pidcycle /proc/$$/mountinfo")
	say "inside: mounts, fds, mounts of the caller: $(echo $out)"
	set -- $out
	[ "$1" = 1 ] || bad "CMD does not see exactly one pidcycle mount"
	[ "$2" = "$here" ] || bad "CMD has $2 fds, the caller $here"
	[ "$3" = 0 ] || bad "the caller's namespace has a pidcycle mount"
	others > $tmp/left
	say "processes left: $(cat $tmp/left)"
	[ ! -s $tmp/left ] || bad "processes left after run ended"
	grep -q pidcycle /proc/self/mountinfo && bad "a pidcycle mount is left"
	return 0
}

# SIGKILL of run: its server goes too; CMD, left behind, sees ENOTCONN.
case_sigkill() {
	"$CLI" run -- sh -c "while :; do cat $LP > $tmp/seen 2>&1; sleep 0.05; done" &
	p0=$!
	until [ -s $tmp/seen ]; do sleep 0.05; done
	kids=$(children $p0)
	say "run $p0 has children: $(echo $kids)"
	[ $(echo $kids | wc -w) = 2 ] || bad "wanted 2 children (server and CMD)"
	kill -KILL $p0
	wait $p0 2> /dev/null
	until seen=$(grep -m 1 "not connected" $tmp/seen); do sleep 0.05; done
	say "CMD now reads: $seen"
	still=
	for k in $kids; do
		alive $k && still="$still $k"
	done
	say "alive after the kill:$still"
	set -- $still
	[ $# = 1 ] || bad "wanted only CMD alive, not:$still"
	kill -KILL $1
	# Its last cat or sleep may outlive it by a moment.
	while others > $tmp/left; any_alive < $tmp/left; do
		sleep 0.05
	done
	grep -q pidcycle /proc/self/mountinfo && bad "a pidcycle mount is visible"
	return 0
}

# A writer killed while it is served, and one queued behind it, leave at
# once (FUSE still waits for the server's answer after SIGKILL); a handled
# signal makes the write fail with EINTR; the server serves on. The run's
# own timeout is long, so without prompt interrupts this would hang.
case_interrupt() {
	getlast
	out=$(PIDCYCLE_LOG=$tmp/srv "$CLI" run --strategy fork --threads 1 --timeout 3000 -- sh -c '
		"'"$W"'" '$((L + 3000000))' & a=$!
		sleep 0.3
		"'"$W"'" '$((L + 3500000))' & b=$!
		sleep 0.3
		kill -KILL $b; wait $b; echo "queued writer: status $?"
		kill -KILL $a; wait $a; echo "served writer: status $?"
		"'"$W"'" -a 0.3 '$((L + 3000000))'
		read -r _ _ _ _ c < /proc/loadavg
		"'"$W"'" $((c + 100))')
	printf '%s\n' "$out" | sed "s/^/$CASE: /"
	sed "s/^/$CASE: server: /" $tmp/srv
	for want in "queued writer: status 137" "served writer: status 137" "EINTR"; do
		printf '%s\n' "$out" | grep -qxF -- "$want" || bad "wanted '$want'"
	done
	printf '%s\n' "$out" | grep -qx "ok [0-9]*" || bad "the last write failed"
	[ "$(grep -c ': EINTR after' $tmp/srv)" = 3 ] || bad "the server did not answer EINTR 3 times"
	rm -f $tmp/srv
}

# Without the new mount API (fsopen answering ENOSYS, as on older kernels):
# the mount(2) fallback, a temporary directory that does not stay behind.
case_old_mount_api() {
	getlast
	n=$((L + 1000))
	before=$(ls -d /tmp/pidcycle-run.* 2> /dev/null | wc -l)
	out=$("$T/enosys" 430 "$CLI" run -- sh -c "echo $n > $LP && sh -c 'echo \$\$'") ||
		bad "run exited $?"
	say "wrote $n, the next shell was $out"
	[ "$out" = $((n + 1)) ] || bad "wanted $((n + 1))"
	[ "$(ls -d /tmp/pidcycle-run.* 2> /dev/null | wc -l)" = "$before" ] ||
		bad "a temporary directory was left in /tmp"
}

# What CRIU sees under run: its set_tid probe answers ENOSYS (so it writes
# ns_last_pid for threads too; EINVAL without run), its kerndat cache
# (criu.kdat, maybe holding an older answer) looks absent and a new one
# cannot be created, the file itself is left as it was; other names are
# untouched.
case_criu_view() {
	H=$B/tests/preload/hostile
	mkdir -p $tmp/xdg
	echo cached > $tmp/xdg/criu.kdat
	echo other > $tmp/xdg/other
	out=$(XDG_RUNTIME_DIR=$tmp/xdg "$CLI" run -- sh -c '
		"'"$H"'" probe
		cat "$XDG_RUNTIME_DIR/criu.kdat" 2>&1 | sed "s/.*: //"
		(set -C; : > "$XDG_RUNTIME_DIR/criu.kdat.tmp") 2>&1 | sed "s/.*: //"
		cat "$XDG_RUNTIME_DIR/other"')
	printf '%s\n' "$out" | sed "s/^/$CASE: /"
	say "without run: $("$H" probe)"
	for want in "hostile: set_tid probe: ENOSYS" "No such file or directory" "File exists" other; do
		printf '%s\n' "$out" | grep -qxF -- "$want" || bad "wanted '$want'"
	done
	"$H" probe | grep -q EINVAL || bad "the probe says EINVAL without run"
	[ "$(cat $tmp/xdg/criu.kdat)" = cached ] || bad "criu.kdat changed"
	[ ! -e $tmp/xdg/criu.kdat.tmp ] || bad "criu.kdat.tmp was created"
}

"case_$CASE"
