#!/bin/sh
# race_window.sh - a thread's exposure under `pidcycle run`: from the server's answer to the thread's clone.
# Usage (as root, from the top of the tree): bench/race_window.sh BUILD_DIR [ROUNDS] [FORKS_PER_SEC]
# A thread cannot be retried (CRIU's restorer fails on a wrong TID), so what
# matters is how long after the emulated ns_last_pid write returns its number
# is still free for anyone to take. Each round, as uid 65534 in a private PID
# namespace beside a fork loop of FORKS_PER_SEC (default 1000), replays
# CRIU's restorer (tests/run/restorer, RESTORER_TIMES=1) for 3 threads under
# run, and pairs each thread's clone time with the server's "answered at"
# (PIDCYCLE_LOG; both CLOCK_MONOTONIC). Prints the rounds that got every TID
# and the window's median, 90th percentile and maximum in microseconds.
B=${1:-build} ROUNDS=${2:-20} RATE=${3:-1000}
TOP=$(pwd)
[ "$(id -u)" = 0 ] || { echo "race_window.sh: needs root for PID namespaces" >&2; exit 2; }
out=$(mktemp -d /tmp/pidcycle-race.XXXXXX) || exit 1
chmod 777 "$out"
trap 'rm -rf "$out"' EXIT

# One namespace for all rounds; the fork loop runs throughout.
timeout -k 10 $((ROUNDS * 30 + 60)) unshare --pid --fork --mount-proc --kill-child sh -c '
	B=$1 ROUNDS=$2 RATE=$3 OUT=$4
	drop() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"; }
	drop "$B/tests/preload/forker" "$RATE" 2> "$OUT/forker.txt" &
	fpid=$!
	sleep 0.3
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		i=$((i + 1))
		read -r _ _ _ _ L < /proc/loadavg
		a=$((L + 200)) b=$((L + 450)) c=$((L + 900))
		PIDCYCLE_LOG=$OUT/log.$i RESTORER_TIMES=1 drop "$B/pidcycle" run -- \
			"$B/tests/run/restorer" $a $b $c > "$OUT/out.$i" 2>&1
		echo "rc $?" >> "$OUT/out.$i"
	done
	kill $fpid; wait $fpid
' sh "$TOP/$B" "$ROUNDS" "$RATE" "$out"

python3 - "$out" "$ROUNDS" <<'PY'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
windows, good = [], 0
for i in range(1, rounds + 1):
    text = open(f"{out}/out.{i}").read()
    good += "restorer: threads at" in text
    try:
        log = open(f"{out}/log.{i}").read()
    except OSError:
        continue
    answers = {int(m[1]) + 1: float(m[2]) for m in
               re.finditer(r"write (\d+) from pid \d+: next is .*answered at ([\d.]+)", log)}
    for m in re.finditer(r"thread (\d+): write returned at [\d.]+, clone at ([\d.]+)", text):
        tid = int(m[1])
        if tid in answers:
            windows.append((float(m[2]) - answers[tid]) * 1e6)
print(f"race_window: {good}/{rounds} rounds got every TID beside the fork loop "
      f"({open(out + '/forker.txt').read().strip()})")
if windows:
    windows.sort()
    p90 = windows[min(len(windows) - 1, int(0.9 * len(windows)))]
    print(f"race_window: answer to clone over {len(windows)} threads: median "
          f"{statistics.median(windows):.0f} us, 90th percentile {p90:.0f} us, "
          f"max {windows[-1]:.0f} us")
PY
