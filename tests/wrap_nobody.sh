#!/bin/sh
# wrap_nobody.sh - as root and PID 1 of a private PID namespace: lower this
# namespace's pid_max, then run the integration wrap tests as uid 65534 with
# no capabilities (they cannot lower it themselves). Usage: wrap_nobody.sh INTEGRATION
set -eu

integ=${1:?usage: wrap_nobody.sh PATH-TO-integration}
. "$(dirname "$0")/lib.sh"
pid1_only wrap_nobody.sh
if ! pid_max_per_ns; then
	echo "wrap tests as uid 65534: SKIPPED: kernel $kver has no per-namespace pid_max (6.14+)"
	exit 0
fi
echo 5000 > /proc/sys/kernel/pid_max
if [ "$(cat /proc/sys/kernel/pid_max)" != 5000 ]; then
	echo "wrap_nobody.sh: could not lower pid_max in the namespace" >&2
	exit 1
fi
exec env PIDCYCLE_TEST_FILTER='wrap_*' $AS_NOBODY "$integ"
