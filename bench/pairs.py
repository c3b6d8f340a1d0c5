#!/usr/bin/env python3
"""pairs.py - run two commands in alternated pairs and compare their JSON figures (medians).

    bench/pairs.py [-n PAIRS] [--key rate] [--key cpu_us_per] -- 'COMMAND A' 'COMMAND B'

Each command prints a JSON object on its last line (bench/ghostlab, bench/driver burn). Pair i
runs A then B for even i, B then A for odd i, so that a drift in the machine's load falls on
both alike. Prints one JSON line per run and a summary: the median of each key for A and B, the
median of the per-pair ratios B/A, and the load average before and after. Keys may name a
field of the object, or `reps.0.pids_per_sec` for the driver's first rep. The machine may be
shared: --quiet PCT waits (up to --quiet-wait seconds) before each run until a 2-second window
of /proc/stat shows at most PCT% of the CPUs busy, and records what it saw. Each run also
records `foreign`: the share of the machine's busy CPU time during the run that was not the
command's own (its rusage, descendants included) - other people's work. --clean F runs a pair
again (at most --clean-tries times) when a run of it saw a foreign share above F.
"""
import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import last_json  # noqa: E402  (one reader of a tool's JSON line)


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


def busy_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]


def run(cmd, timeout):
    """Run cmd; its JSON with `own_cpu` (its rusage, seconds), `busy_cpu` (the machine's busy
    CPU seconds meanwhile) and `foreign` (the share of busy_cpu that was not its own)."""
    hz = os.sysconf("SC_CLK_TCK")
    b0 = busy_ticks()
    p = subprocess.Popen(shlex.split(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    # communicate() reaped it: its rusage is in our RUSAGE_CHILDREN, which only grows.
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_total = ru.ru_utime + ru.ru_stime
    own = own_total - run.seen
    run.seen = own_total
    busy = (busy_ticks() - b0) / hz
    v = last_json(out)
    if p.returncode != 0 or v is None:
        sys.exit(f"pairs: {cmd!r} failed ({p.returncode}): {err.strip()[-300:]}")
    v.update({"own_cpu": round(own, 3), "busy_cpu": round(busy, 3),
              "foreign": round(max(0.0, 1 - own / busy), 3) if busy > 0 else 0.0})
    return v


run.seen = 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--pairs", type=int, default=5)
    ap.add_argument("--key", action="append")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--quiet", type=float, help="wait until at most PCT%% of the CPUs are busy")
    ap.add_argument("--quiet-wait", type=float, default=60)
    ap.add_argument("--clean", type=float, help="redo a pair with a foreign share above this")
    ap.add_argument("--clean-tries", type=int, default=20)
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    keys = args.key or ["rate", "cpu_us_per"]
    res = {"a": [], "b": []}
    load0 = loadavg()
    redone = 0
    for i in range(args.pairs):
        order = ("a", "b") if i % 2 == 0 else ("b", "a")
        for attempt in range(args.clean_tries + 1):
            got = {}
            for side in order:
                before = wait_quiet(args.quiet, args.quiet_wait) \
                    if args.quiet is not None else None
                v = run(getattr(args, side), args.timeout)
                got[side] = v
                print(json.dumps({"pair": i, "side": side, "busy_before": before,
                                  "foreign": v["foreign"], **{k: field(v, k) for k in keys}}),
                      flush=True)
            if args.clean is None or max(v["foreign"] for v in got.values()) <= args.clean \
                    or attempt == args.clean_tries:
                break
            redone += 1
        for side in order:
            res[side].append(got[side])
    summary = {"pairs": args.pairs, "redone": redone, "load_before": load0,
               "load_after": loadavg()}
    for side in ("a", "b"):
        summary[f"foreign_{side}"] = statistics.median([v["foreign"] for v in res[side]])
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
