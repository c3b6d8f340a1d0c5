#!/bin/bash
# check-jvm.sh - jlaunch and `pidcycle exec -- java` give JVMs the PIDs asked for (run by `make check-jvm`).
# Every case runs in its own private PID namespace, the launcher as nobody with no capabilities.
# Env: JLAUNCH, PIDCYCLE, JAVA, JAVA_HOME, CLASSES (set by examples/jvm-launcher/jlaunch.mk).
set -u

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; shift; for f in "$@"; do sed 's/^/       | /' "$f"; done; }

JLAUNCH=$(realpath "$JLAUNCH") PIDCYCLE=$(realpath "$PIDCYCLE") CLASSES=$(realpath "$CLASSES")
if [ ! -x "$JAVA" ] || [ ! -r "$JAVA_HOME/lib/server/libjvm.so" ]; then
	echo "jvm: SKIP: no JDK (install openjdk-17-jdk-headless)"; exit 0
fi
if [ "$(id -u)" != 0 ] || ! unshare --pid --fork --mount-proc true 2>/dev/null; then
	echo "jvm: SKIP: needs root for unshare --pid --fork --mount-proc"; exit 0
fi

T=$(mktemp -d /tmp/check-jvm.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
# Small, quick VMs: few threads, no hsperfdata files in /tmp.
JOPTS="-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
export JLAUNCH PIDCYCLE JAVA JAVA_HOME CLASSES JOPTS NOBODY T

# Run a bash snippet as root (init) of a fresh PID namespace with its own /proc.
ns() { unshare --pid --fork --mount-proc bash -c "$1"; }

# field NAME FILE: the value of NAME=... on the PIDREPORT line (empty if none).
field() { sed -n "s/^PIDREPORT.* $1=\([0-9]*\).*/\1/p" "$2" | head -1; }

# expect_min NAME OUT ERR RC MIN: exit 0, pid and every TID >= MIN.
expect_min() {
	local pid tmin
	pid=$(field pid "$2") tmin=$(field tid_min "$2")
	if [ "$4" = 0 ] && [ -n "$pid" ] && [ -n "$tmin" ] && [ "$pid" -ge "$5" ] && [ "$tmin" -ge "$5" ]; then
		ok "$1 ($(sed -n 's/^PIDREPORT //p' "$2"))"
	else bad "$1: rc=$4, want pid and all tids >= $5" "$2" "$3"; fi
}

# expect_pid NAME OUT ERR RC PID: exit 0 and exactly that PID.
expect_pid() {
	local pid
	pid=$(field pid "$2")
	if [ "$4" = 0 ] && [ "$pid" = "$5" ]; then ok "$1 ($(sed -n 's/^PIDREPORT //p' "$2"))"
	else bad "$1: rc=$4, want pid $5" "$2" "$3"; fi
}

case_min() {
	ns '$NOBODY $JLAUNCH --min 5000 $JOPTS -cp $CLASSES PidReport >$T/o 2>$T/e; echo $? >$T/rc'
	expect_min "jlaunch --min 5000 as nobody" "$T/o" "$T/e" "$(cat "$T/rc")" 5000
}

case_pid() {
	ns '$NOBODY $JLAUNCH --pid 6000 $JOPTS -cp $CLASSES PidReport >$T/o 2>$T/e; echo $? >$T/rc'
	expect_pid "jlaunch --pid 6000 as nobody" "$T/o" "$T/e" "$(cat "$T/rc")" 6000
}

# pid_max 12000, cursor moved past 9000, then 7000 is behind it: the search must wrap.
case_wrap() {
	ns 'echo 12000 >/proc/sys/kernel/pid_max || exit 9
	    $NOBODY $JLAUNCH --min 9000 $JOPTS -cp $CLASSES PidReport >$T/o1 2>$T/e1; echo $? >$T/rc1
	    $NOBODY $JLAUNCH --pid 7000 $JOPTS -cp $CLASSES PidReport >$T/o2 2>$T/e2; echo $? >$T/rc2'
	if [ $? = 9 ]; then echo "skip - wrap: cannot lower pid_max in a PID namespace (kernel < 6.14)"; return; fi
	expect_min "wrap: first --min 9000 (pid_max 12000)" "$T/o1" "$T/e1" "$(cat "$T/rc1")" 9000
	expect_pid "wrap: then --pid 7000 behind the cursor" "$T/o2" "$T/e2" "$(cat "$T/rc2")" 7000
}

case_exec() {
	ns '$NOBODY $PIDCYCLE exec --min 5000 -- $JAVA $JOPTS -cp $CLASSES PidReport >$T/o 2>$T/e; echo $? >$T/rc'
	expect_min "pidcycle exec --min 5000 -- java as nobody" "$T/o" "$T/e" "$(cat "$T/rc")" 5000
}

# The privileged paths (set_tid / ns_last_pid write) as root in the namespace.
case_root() {
	ns '$JLAUNCH --pid 6000 $JOPTS -cp $CLASSES PidReport >$T/o1 2>$T/e1; echo $? >$T/rc1
	    $JLAUNCH --min 8000 $JOPTS -cp $CLASSES PidReport >$T/o2 2>$T/e2; echo $? >$T/rc2'
	expect_pid "jlaunch --pid 6000 as root" "$T/o1" "$T/e1" "$(cat "$T/rc1")" 6000
	expect_min "jlaunch --min 8000 as root" "$T/o2" "$T/e2" "$(cat "$T/rc2")" 8000
}

# libjvm found through PATH alone, and through JVM_LIB.
case_find() {
	ns 'env -u JAVA_HOME PATH=$(dirname $JAVA):/usr/bin:/bin $NOBODY $JLAUNCH --min 5000 $JOPTS \
		-cp $CLASSES PidReport >$T/o1 2>$T/e1; echo $? >$T/rc1
	    env -u JAVA_HOME JVM_LIB=$JAVA_HOME/lib/server/libjvm.so PATH=/usr/bin:/bin \
		$NOBODY $JLAUNCH --min 6000 $JOPTS -cp $CLASSES PidReport >$T/o2 2>$T/e2; echo $? >$T/rc2
	    env JVM_LIB=/nonexistent/libjvm.so $NOBODY $JLAUNCH --min 7000 \
		-cp $CLASSES PidReport >$T/o3 2>$T/e3; echo $? >$T/rc3'
	expect_min "libjvm from the java on PATH" "$T/o1" "$T/e1" "$(cat "$T/rc1")" 5000
	expect_min "libjvm from JVM_LIB" "$T/o2" "$T/e2" "$(cat "$T/rc2")" 6000
	if [ "$(cat "$T/rc3")" = 125 ] && grep -q "no libjvm.so" "$T/e3"; then ok "bad JVM_LIB: status 125"
	else bad "bad JVM_LIB: rc=$(cat "$T/rc3"), want 125" "$T/e3"; fi
}

case_status() {
	ns '$NOBODY $JLAUNCH --min 5000 $JOPTS -cp $CLASSES ExitProbe throw >$T/o1 2>$T/e1; echo $? >$T/rc1
	    $NOBODY $JLAUNCH --min 5000 $JOPTS -cp $CLASSES ExitProbe exit 3 >$T/o2 2>$T/e2; echo $? >$T/rc2
	    $NOBODY $JLAUNCH --min 5000 $JOPTS -cp $CLASSES NoSuchClass >$T/o3 2>$T/e3; echo $? >$T/rc3'
	if [ "$(cat "$T/rc1")" = 1 ] && grep -q 'Exception in thread "main" java.lang.IllegalStateException: ExitProbe boom' "$T/e1"
	then ok "main throws: status 1, exception on stderr"
	else bad "main throws: rc=$(cat "$T/rc1"), want 1 and the exception" "$T/e1"; fi
	if [ "$(cat "$T/rc2")" = 3 ]; then ok "System.exit(3): status 3"
	else bad "System.exit(3): rc=$(cat "$T/rc2"), want 3" "$T/e2"; fi
	if [ "$(cat "$T/rc3")" = 1 ] && grep -q "could not find or load main class NoSuchClass" "$T/e3"
	then ok "missing main class: status 1"
	else bad "missing main class: rc=$(cat "$T/rc3"), want 1" "$T/e3"; fi
}

# Signals: SIGTERM to the parent reaches the JVM (143); SIGKILL to the JVM gives 137.
case_signals() {
	ns 'wait_ready() { while ! grep -q ready $1; do kill -0 $2 2>/dev/null || break; sleep 0.05; done; }
	    $NOBODY $JLAUNCH --min 5000 $JOPTS -cp $CLASSES ExitProbe sleep >$T/o1 2>$T/e1 & p=$!
	    wait_ready $T/o1 $p; kill -TERM $p; wait $p; echo $? >$T/rc1
	    $NOBODY $JLAUNCH --pid 6000 $JOPTS -cp $CLASSES ExitProbe sleep >$T/o2 2>$T/e2 & p=$!
	    wait_ready $T/o2 $p; kill -KILL 6000; wait $p; echo $? >$T/rc2'
	if [ "$(cat "$T/rc1")" = 143 ] && grep -q hook "$T/o1" && ! grep -q slept "$T/o1"; then ok "SIGTERM to the parent reaches the JVM: 143"
	else bad "SIGTERM forwarding: rc=$(cat "$T/rc1"), want 143 and the JVM's shutdown hook" "$T/o1" "$T/e1"; fi
	if [ "$(cat "$T/rc2")" = 137 ] && grep -q "ready pid=6000" "$T/o2"; then ok "JVM killed by SIGKILL: parent exits 137"
	else bad "SIGKILL status: rc=$(cat "$T/rc2"), want 137 from pid 6000" "$T/o2" "$T/e2"; fi
}

case_usage() {
	"$JLAUNCH" -cp "$CLASSES" PidReport >/dev/null 2>"$T/e"; rc=$?
	if [ $rc = 2 ] && grep -q usage "$T/e"; then ok "no --pid/--min: usage, status 2"
	else bad "usage: rc=$rc, want 2" "$T/e"; fi
}

case_usage
case_min
case_pid
case_wrap
case_exec
case_root
case_find
case_status
case_signals

echo "jvm: $pass passed, $fail failed"
[ "$fail" = 0 ]
