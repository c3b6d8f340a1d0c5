#!/bin/sh
# wrap_nobody.sh - as root and PID 1 of a private PID namespace: lower this
# namespace's pid_max, then run the integration wrap tests as uid 65534 with
# no capabilities (they cannot lower it themselves). Usage: wrap_nobody.sh INTEGRATION
set -eu

integ=${1:?usage: wrap_nobody.sh PATH-TO-integration}
if [ "$$" != 1 ]; then
	echo "wrap_nobody.sh: must be PID 1 of a private PID namespace" >&2
	exit 2
fi
# Before 6.14 pid_max is one value for the whole machine: never touch it.
v=$(uname -r)
major=${v%%.*}
minor=${v#*.}
minor=${minor%%[!0-9]*}
if [ "$major" -lt 6 ] || { [ "$major" = 6 ] && [ "$minor" -lt 14 ]; }; then
	echo "wrap tests as uid 65534: SKIPPED: kernel $v has no per-namespace pid_max (6.14+)"
	exit 0
fi
echo 5000 > /proc/sys/kernel/pid_max
if [ "$(cat /proc/sys/kernel/pid_max)" != 5000 ]; then
	echo "wrap_nobody.sh: could not lower pid_max in the namespace" >&2
	exit 1
fi
exec env PIDCYCLE_TEST_FILTER='wrap_*' setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all --bounding-set=-all "$integ"
