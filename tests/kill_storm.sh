#!/bin/sh
# kill_storm.sh - SIGKILL library callers and the CLI at random moments, KILLS
# times for each of 1, 2, 64 and 1024 workers with a CPU hog beside them, as
# uid 65534 in a private PID namespace of their own; nothing may be left.
#   sh tests/kill_storm.sh build/tests/kill_storm build/pidcycle KILLS
set -u
storm=${1:?usage: kill_storm.sh KILL_STORM CLI KILLS}
cli=${2:?usage: kill_storm.sh KILL_STORM CLI KILLS}
kills=${3:?usage: kill_storm.sh KILL_STORM CLI KILLS}
ns="timeout -k 10 3600 unshare --pid --fork --mount-proc --kill-child sh tests/engine_ns.sh 8000 nobody"
fail=0
echo "== kill storm: $kills kills each, as uid 65534"
$ns "$storm" "$kills" 1 2 64 1024 || fail=1
$ns "$storm" --cli "$cli" "$kills" 1 2 64 1024 || fail=1
exit $fail
