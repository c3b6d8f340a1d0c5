"""report.py - pure logic of the bench harness: figures -> ratios, claim verdicts, markdown, plots.

Nothing here runs a benchmark; test_report.py checks it on a fixture (`make check-bench`).
"""
import os
import statistics
import subprocess

UNPRIV = ["fork", "vfork", "thread", "ghost"]
PRIV = ["settid", "lastpid"]


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(x, unit="", digits=3):
    """A number with `digits` significant figures, or n/a."""
    if x is None:
        return "n/a"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}{unit}"
    return f"{x:.{digits}g}{unit}"


def fmt_rate(x):
    return "n/a" if x is None else f"{x:,.0f}"


def fmt_secs(s):
    if s is None:
        return "n/a"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


# --- lookups into results.json ------------------------------------------------

def driver_rate(res, strategy, threads, heap_mb=0, anchors=True):
    """Median in-process PIDs/s (pidcycle_burn stats) for one configuration; anchors=False:
    ghost with its anchors off (driver --no-anchors)."""
    for e in res.get("throughput", {}).get("driver", []):
        if (e.get("strategy"), e.get("threads"), e.get("heap_mb", 0),
                e.get("anchors", True)) == (strategy, threads, heap_mb, anchors) \
                and not e.get("error"):
            return median([r.get("pids_per_sec") for r in e.get("reps", [])])
    return None


def hyper_rate(res, strategy, threads):
    """COUNT / mean command time from hyperfine (includes process start-up)."""
    for e in res.get("throughput", {}).get("hyperfine", []):
        if (e.get("strategy"), e.get("threads")) == (strategy, threads) \
                and not e.get("error") and e.get("mean"):
            return e["count"] / e["mean"]
    return None


def steering(res, strategy, threads):
    """Total reach time / total burn time over the reps. The driver alternates which of the
    two goes first, so with an even number of reps neither side always runs second."""
    for e in res.get("steering", {}).get("driver", []):
        if (e.get("strategy"), e.get("threads")) == (strategy, threads) \
                and not e.get("error") and e.get("reps"):
            return ratio(sum(r["next_seconds"] for r in e["reps"]),
                         sum(r["burn_seconds"] for r in e["reps"]))
    return None


def target_entry(res, who, label):
    for e in res.get("target", []):
        if e.get("who") == who and e.get("label") == label:
            return e
    return None


def workers(res):
    return res.get("config", {}).get("workers", [1])


# --- scaling and the peer, in alternated pairs (issue 13) -----------------------

def pair_rate(pair, kind, w):
    for r in pair.get("runs", []):
        if (r.get("kind"), r.get("workers")) == (kind, w) and not r.get("error"):
            return r.get("rate")
    return None


def pair_ratio(pair, kind, n):
    """N workers / 1 worker of one kind within one pair."""
    return ratio(pair_rate(pair, kind, n), pair_rate(pair, kind, 1))


def scaling_ratio(res, kind):
    """Median over the pairs of the per-pair ratio N / 1: ghost, or a control (getppid, alu)
    that takes no PID and shows how far the machine itself scales."""
    sc = res.get("scaling", {})
    return median([pair_ratio(p, kind, sc.get("workers")) for p in sc.get("pairs", [])])


def scaling_rate(res, kind, w):
    return median([pair_rate(p, kind, w) for p in res.get("scaling", {}).get("pairs", [])])


def peer_ratio(res):
    """Median over the pairs of peer seconds / pidcycle seconds on the same hop."""
    rows = res.get("peer_pairs", {}).get("rows", [])
    out = []
    for i in sorted({r.get("pair") for r in rows}):
        t = {r["who"]: r.get("seconds") for r in rows
             if r.get("pair") == i and not r.get("error")}
        out.append(ratio(t.get("peer"), t.get("ghost")))
    return median(out)


def peer_seconds(res, who):
    return median([r.get("seconds") for r in res.get("peer_pairs", {}).get("rows", [])
                   if r.get("who") == who and not r.get("error")])


LAP_LIMIT = 11.0  # seconds for a lap of LAP_PID_MAX, issue 13
LAP_PID_MAX = 4194304


def lap_limit(pid_max):
    """Issue 13's 11 s for 4194304, in proportion for a smaller pid_max (QUICK=1)."""
    return LAP_LIMIT * (pid_max or LAP_PID_MAX) / LAP_PID_MAX


# --- ratios and claims -------------------------------------------------------

def ratios(res):
    """Side-by-side ratios, each against a baseline measured in the same run."""
    n = max(workers(res))
    out = []
    for s in UNPRIV:
        out.append((f"{s} / thread, 1 worker", ratio(driver_rate(res, s, 1),
                                                    driver_rate(res, "thread", 1))))
    if n > 1:
        for s in UNPRIV:
            out.append((f"{s}: {n} workers / 1 worker",
                        ratio(driver_rate(res, s, n), driver_rate(res, s, 1))))
    for w in workers(res):
        out.append((f"ghost: anchors / no anchors, {w} worker{'s' if w > 1 else ''}",
                    ratio(driver_rate(res, "ghost", w),
                          driver_rate(res, "ghost", w, anchors=False))))
    for s in ("fork", "vfork"):
        heap = res.get("config", {}).get("heap_mb", 0)
        out.append((f"{s}: {heap} MiB parent / empty parent, 1 worker",
                    ratio(driver_rate(res, s, 1, heap), driver_rate(res, s, 1))))
    return out


def verdict(value, op, limit):
    if value is None:
        return "not measured"
    ok = value >= limit if op == ">=" else value <= limit
    return "PASS" if ok else "FAIL"


def claims(res):
    """Issue 3's claims as (name, value, op, limit, verdict, cross-check)."""
    n = max(workers(res))
    lap = target_entry(res, "ghost", "lap")
    rows = [
        ("ghost >= 5x thread (1 worker each)",
         ratio(driver_rate(res, "ghost", 1), driver_rate(res, "thread", 1)), ">=", 5.0,
         ratio(hyper_rate(res, "ghost", 1), hyper_rate(res, "thread", 1))),
        (f"ghost {n} workers >= 1.6x ghost 1 worker",
         ratio(driver_rate(res, "ghost", n), driver_rate(res, "ghost", 1)) if n > 1 else None,
         ">=", 1.6,
         ratio(hyper_rate(res, "ghost", n), hyper_rate(res, "ghost", 1)) if n > 1 else None),
        (f"steering overhead <= 10% (ghost, {n} workers)", steering(res, "ghost", n),
         "<=", 1.10, None),
    ]
    out = [(name, v, op, lim, verdict(v, op, lim), x) for name, v, op, lim, x in rows]
    secs = lap.get("seconds") if lap and not lap.get("error") else None
    out.append(("full lap (ghost, target just behind the cursor)", secs, "info", None,
                "measured" if secs is not None else "not measured", None))
    return out


def claims13(res):
    """Issue 13's claims as (name, value, op, limit, verdict, beside-it)."""
    sc = res.get("scaling", {})
    n = sc.get("workers") or max(workers(res))
    lap = target_entry(res, "ghost", "lap")
    pid_max = res.get("config", {}).get("pid_max")
    secs = lap.get("seconds") if lap and not lap.get("error") else None
    hop = res.get("peer_pairs", {}).get("hop")
    ceiling = scaling_ratio(res, "getppid")
    rows = [
        (f"ghost {n} workers >= 1.8x 1 worker (median of {len(sc.get('pairs', []))} "
         "alternated pairs)", scaling_ratio(res, "ghost") if n > 1 else None, ">=", 1.8,
         f"machine ceiling: getppid {fmt(ceiling, 'x')}, ALU "
         f"{fmt(scaling_ratio(res, 'alu'), 'x')}"),
        (f"full lap of {pid_max or LAP_PID_MAX:,} <= {lap_limit(pid_max):.3g} s "
         "(ghost, unprivileged)", secs, "<=", round(lap_limit(pid_max), 3),
         f"{pid_max / secs:,.0f} PIDs/s" if secs and pid_max else "-"),
        (f">= 4x the peer on hops of {hop:,} (median of pairs)" if hop
         else ">= 4x the peer (not set)", peer_ratio(res), ">=", 4.0,
         f"pidcycle {fmt_secs(peer_seconds(res, 'ghost'))}, peer "
         f"{fmt_secs(peer_seconds(res, 'peer'))}" if hop else "-"),
    ]
    base = res.get("baseline") or {}
    now, before = driver_rate(res, "ghost", 1), base.get("ghost_1")
    rows.append((
        f"ghost 1 worker no slower than before ({base.get('file', 'no baseline')}, "
        f"{base.get('date', '?')})", ratio(now, before), ">=", 1.0,
        f"{fmt_rate(now)} vs {fmt_rate(before)} PIDs/s (driver, in-process; "
        f"{base.get('count') or '?'} then, {res.get('config', {}).get('counts', {}).get('ghost', '?')} now)"
        if before else "-"))
    return [(name, v, op, lim, verdict(v, op, lim), x) for name, v, op, lim, x in rows]


# --- markdown ----------------------------------------------------------------

def machine_line(res):
    m = res.get("machine", {})
    return (f"{m.get('cpu', '?')}, {m.get('nproc', '?')} CPUs, Linux {m.get('kernel', '?')}, "
            f"host pid_max {m.get('pid_max_host', '?')}, bench namespace pid_max "
            f"{m.get('pid_max_bench', '?')}, {m.get('date', '?')}")


def topology_line(res):
    t = res.get("machine", {}).get("topology")
    if not t:
        return "not recorded"
    cg = t.get("cgroup") or {}
    return (f"{t.get('sockets', '?')} socket(s) x {t.get('cores_per_socket', '?')} core(s) x "
            f"{t.get('threads_per_core', '?')} thread(s) = {t.get('cpus', '?')} CPUs, "
            f"{t.get('numa_nodes', '?')} NUMA node(s), hypervisor "
            f"{t.get('hypervisor') or 'none'}, cgroup {cg.get('version', '?')}"
            + (" (memory controller v1)" if cg.get("memory_v1") else "")
            + f", L2 {t.get('l2', '?')}, L3 {t.get('l3', '?')}")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def md_claims13(res):
    rows = []
    for name, v, op, lim, ver, beside in claims13(res):
        shown = fmt_secs(v) if op == "<=" else fmt(v, "x")
        rows.append((name, shown, f"{op} {lim:g}", ver, beside))
    return table(["claim", "measured", "wanted", "verdict", "beside it (same run)"], rows)


def md_scaling(res):
    sc = res.get("scaling", {})
    n = sc.get("workers")
    rows = []
    for p in sc.get("pairs", []):
        rows.append((p["pair"] + 1, p.get("loadavg", "?"),
                     fmt_rate(pair_rate(p, "ghost", 1)), fmt_rate(pair_rate(p, "ghost", n)),
                     fmt(pair_ratio(p, "ghost", n), "x"), fmt(pair_ratio(p, "getppid", n), "x"),
                     fmt(pair_ratio(p, "alu", n), "x")))
    rows.append(("median", "", fmt_rate(scaling_rate(res, "ghost", 1)),
                 fmt_rate(scaling_rate(res, "ghost", n)), fmt(scaling_ratio(res, "ghost"), "x"),
                 fmt(scaling_ratio(res, "getppid"), "x"), fmt(scaling_ratio(res, "alu"), "x")))
    return table(["pair", "load", "ghost PIDs/s, 1 worker", f"ghost PIDs/s, {n} workers",
                  f"ghost {n}/1", f"getppid {n}/1 (ceiling)", f"ALU {n}/1 (ceiling)"], rows)


def md_peer(res):
    pp = res.get("peer_pairs", {})
    if not pp.get("rows"):
        return "(not measured: set PEER)"
    rows = []
    for i in sorted({r.get("pair") for r in pp["rows"]}):
        cells = {r["who"]: r for r in pp["rows"] if r.get("pair") == i}
        g, q = cells.get("ghost") or {}, cells.get("peer") or {}
        both = not g.get("error") and not q.get("error")
        rows.append((i + 1, target_cell(g), target_cell(q),
                     fmt(ratio(q.get("seconds"), g.get("seconds")) if both else None, "x")))
    rows.append(("median", fmt_secs(peer_seconds(res, "ghost")),
                 fmt_secs(peer_seconds(res, "peer")), fmt(peer_ratio(res), "x")))
    return table(["pair", f"pidcycle next, {pp['hop']:,} away", "peer, same hop",
                  "peer / pidcycle"], rows)


def md_claims(res):
    rows = []
    for name, v, op, lim, ver, cross in claims(res):
        if op == "info":
            rows.append((name, fmt_secs(v), "-", ver, "-"))
        else:
            rows.append((name, fmt(v, "x" if op == ">=" else ""), f"{op} {lim}", ver,
                         fmt(cross, "x") if cross is not None else "-"))
    return table(["claim", "measured", "wanted", "verdict", "hyperfine cross-check"], rows)


def md_throughput(res):
    base = driver_rate(res, "thread", 1)
    rows = []
    for s in UNPRIV:
        for t in workers(res):
            d = driver_rate(res, s, t)
            rows.append((s, t, fmt_rate(d), fmt_rate(hyper_rate(res, s, t)),
                         fmt(ratio(d, base), "x")))
    for t in workers(res):
        d = driver_rate(res, "ghost", t, anchors=False)
        if d is not None:
            rows.append(("ghost, anchors off", t, fmt_rate(d), "-", fmt(ratio(d, base), "x")))
    return table(["strategy", "workers", "PIDs/s (in-process)",
                  "PIDs/s (hyperfine, whole command)", "vs thread @1"], rows)


def md_heap(res):
    heap = res.get("config", {}).get("heap_mb", 0)
    rows = []
    for s in ("fork", "vfork"):
        a, b = driver_rate(res, s, 1), driver_rate(res, s, 1, heap)
        rows.append((s, fmt_rate(a), fmt_rate(b), fmt(ratio(b, a), "x")))
    return table(["strategy (1 worker)", "PIDs/s, empty parent", f"PIDs/s, {heap} MiB touched heap",
                  "ratio"], rows)


def md_exact(res):
    rows = []
    for e in res.get("exact", []):
        if e.get("error") or e.get("skipped"):
            rows.append((e.get("strategy"), "-", e.get("skipped") or e.get("message", "error"),
                         "", "", ""))
            continue
        for call in ("fork_at", "set_next"):
            c = e.get(call)
            if c:
                fw = e.get("fork_wait", {}).get("median_us")
                rows.append((e["strategy"], call, fmt(c["median_us"], " µs"),
                             fmt(c["p90_us"], " µs"), fmt(fw, " µs"),
                             c.get("calls", "")))
    return table(["strategy", "call", "median", "p90", "plain fork+waitpid (median)", "calls"],
                 rows)


def target_cell(e):
    if e is None:
        return "-"
    if e.get("skipped"):
        return e["skipped"]
    if e.get("error"):
        return f"error ({e['error']})"
    cell = fmt_secs(e.get("seconds"))
    if e.get("eta_seconds") is not None:
        cell += f" (ETA {fmt_secs(e['eta_seconds'])})"
    if e.get("hit") is False:
        cell += " MISSED"
    return cell


def md_target(res):
    labels = res.get("config", {}).get("target_labels", [])
    whos = res.get("config", {}).get("target_strategies", [])
    peer = res.get("config", {}).get("peer")
    rows = []
    for lab in labels:
        row = [lab]
        row += [target_cell(target_entry(res, w, lab)) for w in whos]
        row.append(target_cell(target_entry(res, "peer", lab)) if peer else "not set")
        rows.append(row)
    return table(["distance"] + list(whos) + ["peer"], rows)


def md_steering(res):
    rows = []
    for e in res.get("steering", {}).get("driver", []):
        if e.get("error"):
            rows.append(("in-process", e["strategy"], e["threads"], e.get("distance"),
                         "", "", e.get("message", "error")))
            continue
        reps = e.get("reps", [])
        rows.append((f"in-process, {len(reps)} reps", e["strategy"], e["threads"],
                     f"{e['distance']:,}",
                     fmt_secs(statistics.mean([r["burn_seconds"] for r in reps])),
                     fmt_secs(statistics.mean([r["next_seconds"] for r in reps])),
                     fmt(steering(res, e["strategy"], e["threads"]))))
    for e in res.get("steering", {}).get("cli", []):
        lap = " (lap)" if e.get("label") == "lap" else ""
        rows.append(("CLI, 1 run", e["strategy"], "default", f"{e['distance']:,}{lap}",
                     fmt_secs(e.get("burn_seconds")), fmt_secs(e.get("next_seconds")),
                     fmt(ratio(e.get("next_seconds"), e.get("burn_seconds")))))
    return table(["timer", "strategy", "workers", "distance", "burn (mean)",
                  "reach target (mean)", "ratio"], rows)


def jvm_seconds(res, mode, heap_mb):
    return median([e["seconds"] for e in res.get("jvm", [])
                   if e["mode"] == mode and e["heap_mb"] == heap_mb])


def jvm_ratio(res, heap_mb):
    """How many times longer CRaC's fork loop takes than pidcycle_fork_min()."""
    return ratio(jvm_seconds(res, "spin-only", heap_mb), jvm_seconds(res, "lib", heap_mb))


def md_jvm(res):
    rows = []
    for heap_mb in sorted({e["heap_mb"] for e in res.get("jvm", [])}):
        hop = next(e["hop"] for e in res["jvm"] if e["heap_mb"] == heap_mb)
        rows.append((f"{heap_mb} MiB" if heap_mb else "small", f"{hop:,}",
                     fmt_secs(jvm_seconds(res, "spin-only", heap_mb)),
                     fmt_secs(jvm_seconds(res, "lib", heap_mb)),
                     fmt(jvm_ratio(res, heap_mb), "x")))
    if not rows:
        return "(not measured: build/cracspin needs the JDK headers)"
    return table(["parent heap (touched)", "N - cursor", "fork()+waitpid loop (CRaC)",
                  "pidcycle_fork_min()", "loop / library"], rows)


def markdown(res):
    q = res.get("quick")
    cfg = res.get("config", {})
    parts = [
        "# pidcycle benchmarks" + (" (QUICK=1: reduced counts)" if q else ""),
        "",
        f"Machine: {machine_line(res)}.",
        "",
        f"Topology: {topology_line(res)}.",
        "",
        "Every figure was taken inside a private PID namespace; unprivileged strategies ran as "
        "uid 65534 with no capabilities, settid/lastpid as root. The cores are shared, so "
        "absolute figures are noisy: compare the side-by-side ratios.",
    ]
    if q:
        parts += ["", f"QUICK=1 lowered pid_max inside the namespace to {cfg.get('pid_max')} "
                  f"(the full lap is that long) and uses {cfg.get('far_label')} instead of 1M "
                  "as the far distance. Each figure comes from one short run: the verdicts are "
                  "indicative only, take them from a full `make bench`."]
    parts += [
        "", "## Claims (issue 3)", "", md_claims(res),
        "", "## Claims (issue 13): every core", "", md_claims13(res),
        "", "## Scaling: 1 worker against N, beside the machine's own ceiling", "",
        "Alternated pairs: in each pair the library's ghost burn (driver, in-process) and two "
        "control workloads that take no PID (`ghostlab --control getppid`, a syscall loop, and "
        "`--control alu`, a register-only loop) each run with 1 worker and with N, the order "
        "reversed every other pair. A ratio is N / 1 within one pair; the controls show how "
        "far this machine scales at all in the same minutes.",
        "", md_scaling(res),
        "", "## The peer, side by side", "",
        "`pidcycle next` (ghost, default workers) and `$PEER` on hops of the same length, "
        "alternated, each as a whole command run as uid 65534.",
        "", md_peer(res),
        "", "## Throughput", "", md_throughput(res),
        "", "## Ratios (baselines from this run)", "",
        table(["ratio", "value"], [(k, fmt(v, "x")) for k, v in ratios(res)]),
        "", "## Big parent (fork copies page tables)", "", md_heap(res),
        "", "## Privileged: time per exact call", "", md_exact(res),
        "", "## Time to target (measured, predictor's ETA in brackets)", "",
        "Each cell times `pidcycle next PID --strategy S` as a whole command (start-up "
        "included). The ETA is the predictor's (`pidcycle_estimate()` for that strategy, "
        "taken just before); `pidcycle estimate PID --json` speaks only for AUTO, its "
        "`eta_seconds` is kept in results.json as `eta_auto_seconds`. "
        "The peer column times `$PEER` with `{pid}` replaced by the same kind of target.",
        "", md_target(res),
        "", "## Steering overhead (reach a target vs burn the same count)", "", md_steering(res),
        "", "## JVM launchers: a child with PID >= N", "",
        "`build/cracspin` as uid 65534: `--spin-only` is CRaC's fallback (fork()+_exit()+"
        "waitpid() until the PIDs reach N), `--lib` calls `pidcycle_fork_min(N)`; both "
        "touch the heap first and time only the search and the fork (median of 2 each).",
        "", md_jvm(res),
        "", "Plots: " + ", ".join(f"`{p}`" for p in res.get("plots", [])) if res.get("plots")
        else "", "",
    ]
    return "\n".join(parts)


# --- plots -------------------------------------------------------------------

def plot_data(res):
    """The .dat contents per plot: pure, so it can be checked without gnuplot."""
    ws = workers(res)
    tp = ["# strategy " + " ".join(f"w{w}" for w in ws)]
    for s in UNPRIV:
        tp.append(s + " " + " ".join(str(driver_rate(res, s, w) or 0) for w in ws))
    heap = res.get("config", {}).get("heap_mb", 0)
    hp = ["# strategy empty heap"]
    for s in ("fork", "vfork"):
        hp.append(f"{s} {driver_rate(res, s, 1) or 0} {driver_rate(res, s, 1, heap) or 0}")
    # One block per strategy (two blank lines apart) so gnuplot can plot `index i`.
    blocks = []
    for w in target_whos(res):
        rows = [f"{e['label']} {e.get('distance') or 0} {e['seconds']} "
                f"{e.get('eta_seconds') or '?'}" for e in plotted_targets(res) if e["who"] == w]
        blocks.append(f"# {w}: label distance seconds eta\n" + "\n".join(rows))
    return {"throughput": "\n".join(tp) + "\n", "heap": "\n".join(hp) + "\n",
            "target": "\n\n\n".join(blocks) + "\n"}


def plotted_targets(res):
    return [e for e in res.get("target", [])
            if e.get("seconds") and not e.get("error") and not e.get("skipped")]


def target_whos(res):
    seen = []
    for e in plotted_targets(res):
        if e["who"] not in seen:
            seen.append(e["who"])
    return seen


def gnuplot_terminal():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True,
                             text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = out.stdout + out.stderr
    return "pngcairo" if "pngcairo" in text else ("png" if " png " in text else None)


def gnuplot_scripts(res, outdir, term):
    ws = workers(res)
    cols = ", ".join(f"'{outdir}/throughput.dat' using {i + 2}:xtic(1) title '{w} worker(s)'"
                     for i, w in enumerate(ws))
    common = (f"set terminal {term} size 900,540\nset grid ytics\n"
              "set datafile missing '?'\nset key outside right top\n")
    top = max([1.0] + [driver_rate(res, s, w) or 0 for s in UNPRIV for w in ws]) * 4
    tp = (common + f"set output '{outdir}/throughput.png'\n"
          "set title 'PIDs/s by strategy (in-process, log scale)'\n"
          "set style data histograms\nset style fill solid 0.8\nset logscale y\n"
          f"set ylabel 'PIDs/s'\nset yrange [1:{top:.0f}]\n" + f"plot {cols}\n")
    hp = (common + f"set output '{outdir}/heap.png'\n"
          f"set title 'fork/vfork: empty parent vs {res.get('config', {}).get('heap_mb')} MiB "
          "touched heap (1 worker)'\nset style data histograms\nset style fill solid 0.8\n"
          f"set logscale y\nset ylabel 'PIDs/s'\nset yrange [1:{top:.0f}]\n"
          f"plot '{outdir}/heap.dat' using 2:xtic(1) title 'empty', '' using 3 title 'big heap'\n")
    lines = []
    for i, w in enumerate(target_whos(res)):
        lines.append(f"'{outdir}/target.dat' index {i} using 2:3 with linespoints "
                     f"linecolor {i + 1} title '{w}'")
        if w != "peer":
            lines.append(f"'{outdir}/target.dat' index {i} using 2:4 with lines dashtype 2 "
                         f"linecolor {i + 1} title '{w} ETA'")
    tg = (common + f"set output '{outdir}/target.png'\n"
          "set title 'Time to target vs distance (dashed: predictor ETA)'\n"
          "set logscale xy\nset xlabel 'distance (free numbers)'\nset ylabel 'seconds'\n"
          + ("plot " + ", ".join(lines) + "\n" if lines else ""))
    return {"throughput": tp, "heap": hp, "target": tg if lines else None}


def plots(res, outdir):
    """Write .dat/.gp files and run gnuplot; returns the PNG paths made."""
    term = gnuplot_terminal()
    made = []
    for name, text in plot_data(res).items():
        with open(os.path.join(outdir, name + ".dat"), "w") as f:
            f.write(text)
    if term is None:
        return made
    for name, script in gnuplot_scripts(res, outdir, term).items():
        if script is None:
            continue
        gp = os.path.join(outdir, name + ".gp")
        with open(gp, "w") as f:
            f.write(script)
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
        png = os.path.join(outdir, name + ".png")
        if r.returncode == 0 and os.path.exists(png):
            made.append(png)
    return made
