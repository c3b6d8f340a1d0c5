#!/bin/sh
# race_window.sh - a thread's exposure under `pidcycle run`: from the server's answer to the thread's clone.
# Usage (as root, from the top of the tree): bench/race_window.sh BUILD_DIR [ROUNDS] [FORKS_PER_SEC]
# A thread cannot be retried (CRIU's restorer fails on a wrong TID), so what
# matters is how long after the emulated ns_last_pid write returns its number
# is still free for anyone to take. Each round, as uid 65534 in a private PID
# namespace beside a fork loop of FORKS_PER_SEC (default 1000), replays
# CRIU's restorer (tests/run/restorer, RESTORER_TIMES=1) for 3 threads under
# run, and pairs each thread's clone time with the server's "answered at"
# (PIDCYCLE_LOG; both CLOCK_MONOTONIC). The server reads its clock just after
# replying, and the writer may run before it does: the answer is the earlier
# of that clock and the write's return. Prints the rounds that got every TID,
# the writes that needed more than one try, and the window's median, 90th
# percentile and maximum in microseconds (also from the write's return alone).
B=${1:-build} ROUNDS=${2:-20} RATE=${3:-1000}
TOP=$(pwd)
[ "$(id -u)" = 0 ] || { echo "race_window.sh: needs root for PID namespaces" >&2; exit 2; }
out=$(mktemp -d /tmp/pidcycle-race.XXXXXX) || exit 1
chmod 777 "$out"
trap '[ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT

# One namespace for all rounds; the fork loop runs throughout.
timeout -k 10 $((ROUNDS * 30 + 60)) unshare --pid --fork --mount-proc --kill-child sh -c '
	B=$1 ROUNDS=$2 RATE=$3 OUT=$4
	. "$5/tests/lib.sh"
	drop_bg "$B/tests/preload/forker" "$RATE" 2> "$OUT/forker.txt"
	fpid=$!
	sleep 0.3
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		i=$((i + 1))
		getlast
		# Far enough ahead that the fork loop does not pass the first
		# while run starts (pid_max here is 4194304: a lap is long).
		a=$((L + 2000)) b=$((L + 2250)) c=$((L + 2700))
		PIDCYCLE_LOG=$OUT/log.$i RESTORER_TIMES=1 drop "$B/pidcycle" run -- \
			"$B/tests/run/restorer" $a $b $c > "$OUT/out.$i" 2>&1
		echo "rc $?" >> "$OUT/out.$i"
	done
	kill $fpid; wait $fpid
' sh "$TOP/$B" "$ROUNDS" "$RATE" "$out" "$TOP"

python3 - "$out" "$ROUNDS" <<'PY'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
windows, writer, good, laps = [], [], 0, 0
for i in range(1, rounds + 1):
    text = open(f"{out}/out.{i}").read()
    good += "restorer: threads at" in text
    try:
        log = open(f"{out}/log.{i}").read()
    except OSError:
        continue
    answers = {}
    for m in re.finditer(r"write (\d+) from pid \d+: next is .* after ([\d.]+) s, (\d+) tries.*"
                         r"answered at ([\d.]+)", log):
        answers[int(m[1]) + 1] = float(m[4])
        laps += int(m[3]) > 1
    for m in re.finditer(r"thread (\d+): write returned at ([\d.]+), clone at ([\d.]+)", text):
        tid, back, clone = int(m[1]), float(m[2]), float(m[3])
        writer.append((clone - back) * 1e6)
        if tid in answers:
            windows.append((clone - min(back, answers[tid])) * 1e6)

def line(what, xs):
    xs.sort()
    p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
    print(f"race_window: {what} over {len(xs)} threads: median {statistics.median(xs):.0f} us, "
          f"90th percentile {p90:.0f} us, max {xs[-1]:.0f} us")

print(f"race_window: {good}/{rounds} rounds got every TID beside the fork loop "
      f"({open(out + '/forker.txt').read().strip()}); {laps} writes needed more than one try")
if windows:
    line("answer to clone", windows)
if writer:
    line("write's return to clone (the writer alone)", writer)
PY
