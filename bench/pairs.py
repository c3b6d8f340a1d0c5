#!/usr/bin/env python3
"""pairs.py - run two commands in alternated pairs and compare their JSON figures (medians).

    bench/pairs.py [-n PAIRS] [--key rate] [--key cpu_us_per] -- 'COMMAND A' 'COMMAND B'

Each command prints a JSON object on its last line (bench/ghostlab, bench/driver burn). Pair i
runs A then B for even i, B then A for odd i, so that a drift in the machine's load falls on
both alike. Prints one JSON line per run and a summary: the median of each key for A and B, the
median of the per-pair ratios B/A, and the load average before and after. Keys may name a
field of the object, or `reps.0.pids_per_sec` for the driver's first rep. The machine may be
shared: --quiet PCT waits (up to --quiet-wait seconds) before each run until a 2-second window
of /proc/stat shows at most PCT% of the CPUs busy, and records what it saw.
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict):
            return v
    return None


def field(obj, key):
    for part in key.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)] if int(part) < len(obj) else None
        elif isinstance(obj, dict):
            obj = obj.get(part)
        if obj is None:
            return None
    return obj


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def busy_share(window=2.0):
    """Share of all CPUs busy (not idle or iowait) over `window` seconds, from /proc/stat."""
    def ticks():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v[:8]) - v[3] - v[4], sum(v[:8])
    b0, t0 = ticks()
    time.sleep(window)
    b1, t1 = ticks()
    return (b1 - b0) / max(1, t1 - t0)


def wait_quiet(pct, most):
    """Wait until the machine is at most pct% busy, at most `most` seconds; return the share."""
    until = time.monotonic() + most
    while True:
        b = busy_share()
        if b * 100 <= pct or time.monotonic() >= until:
            return b


def run(cmd, timeout):
    p = subprocess.run(shlex.split(cmd), capture_output=True, text=True, timeout=timeout)
    v = last_json(p.stdout)
    if p.returncode != 0 or v is None:
        sys.exit(f"pairs: {cmd!r} failed ({p.returncode}): {p.stderr.strip()[-300:]}")
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--pairs", type=int, default=5)
    ap.add_argument("--key", action="append")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--quiet", type=float, help="wait until at most PCT%% of the CPUs are busy")
    ap.add_argument("--quiet-wait", type=float, default=60)
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    keys = args.key or ["rate", "cpu_us_per"]
    res = {"a": [], "b": []}
    load0 = loadavg()
    for i in range(args.pairs):
        order = ("a", "b") if i % 2 == 0 else ("b", "a")
        for side in order:
            before = wait_quiet(args.quiet, args.quiet_wait) if args.quiet is not None else None
            v = run(getattr(args, side), args.timeout)
            res[side].append(v)
            print(json.dumps({"pair": i, "side": side, "busy_before": before,
                              **{k: field(v, k) for k in keys}}), flush=True)
    summary = {"pairs": args.pairs, "load_before": load0, "load_after": loadavg()}
    for k in keys:
        a = [field(v, k) for v in res["a"]]
        b = [field(v, k) for v in res["b"]]
        summary[k] = {"a": statistics.median(a), "b": statistics.median(b),
                      "b/a": statistics.median([y / x for x, y in zip(a, b) if x]),
                      "b/a range": [round(min(y / x for x, y in zip(a, b) if x), 3),
                                    round(max(y / x for x, y in zip(a, b) if x), 3)]}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
