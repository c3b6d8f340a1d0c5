#!/usr/bin/env python3
"""harness.py - runs pidcycle's benchmarks inside a private PID namespace and writes build/bench/.

Reproduce (as root, from the top of the tree):
    make bench                          full run, about 7 minutes on 2 cores
    make bench QUICK=1                  same files, reduced counts, under a minute
    make bench PEER='other-tool {pid}'  also time another tool on the same targets
Output: build/bench/results.md (tables), results.json (every raw figure), *.png (gnuplot).

The harness re-executes itself under `unshare --pid --fork --mount-proc` and refuses to measure
anything unless it really is inside a new PID namespace: the machine's own cursor never moves.
Unprivileged strategies run as uid 65534 with no capabilities (setpriv); settid/lastpid as root.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
          "--inh-caps=-all", "--bounding-set=-all"]
ENV_HOSTNS = "PIDCYCLE_BENCH_HOSTNS"
ENV_HOSTMAX = "PIDCYCLE_BENCH_HOST_PID_MAX"
LAST_PID = "/proc/sys/kernel/ns_last_pid"
PID_MAX = "/proc/sys/kernel/pid_max"
SLOW = ("fork", "vfork")        # the far distance and the lap would take many minutes
# Steering reps alternate burn-first / reach-first inside the driver: keep them even.

# Counts are chosen so that each measurement takes about two seconds at the rates in DESIGN.md.
PROFILES = {
    "full": dict(warmup=1, runs=3, reps=3,
                 counts={"fork": 5000, "vfork": 30000, "thread": 40000, "ghost": 300000},
                 heap_mb=1024, heap_counts={"fork": 60, "vfork": 20000}, exact_calls=2000,
                 distances=[("100", 100), ("10k", 10000), ("1M", 1000000), ("lap", None)],
                 pid_max=None, steer_reps=4, jvm_hops={0: 20000, 1024: 500},
                 scale_pairs=5, scale_count=400000, control_counts={"getppid": 4000000,
                                                                   "alu": 3000000},
                 peer_pairs=3, peer_hop=1000000),
    "quick": dict(warmup=0, runs=2, reps=1,
                  counts={"fork": 300, "vfork": 5000, "thread": 8000, "ghost": 50000},
                  heap_mb=1024, heap_counts={"fork": 15, "vfork": 3000}, exact_calls=300,
                  distances=[("100", 100), ("10k", 10000), ("50k", 50000), ("lap", None)],
                  pid_max=65536, steer_reps=2, jvm_hops={0: 5000, 1024: 100},
                  scale_pairs=2, scale_count=50000, control_counts={"getppid": 500000,
                                                                   "alu": 300000},
                  peer_pairs=1, peer_hop=50000),
}


def baseline(path):
    """The earlier run's 1-worker ghost figure (driver, in-process), where it came from."""
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        return {"file": path, "ghost_1": None}
    m = old.get("machine", {})
    return {"file": path, "ghost_1": report.driver_rate(old, "ghost", 1),
            "date": m.get("date"), "cpu": m.get("cpu"), "nproc": m.get("nproc"),
            "count": old.get("config", {}).get("counts", {}).get("ghost")}


def log(msg):
    print(f"[bench {time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def read_int(path):
    with open(path) as f:
        return int(f.read().split()[0])


def reap_orphans():
    """We are PID 1 here: collect any orphan so its number is not held as a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def run(cmd, as_nobody, timeout=1800, cwd=None):
    """Run cmd; return (rc, stdout, stderr, seconds). The timer includes process start-up."""
    full = (NOBODY if as_nobody else []) + cmd
    t0 = time.perf_counter()
    try:
        p = subprocess.run(full, capture_output=True, text=True, timeout=timeout, cwd=cwd)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = -1, "", f"timeout after {timeout}s"
    secs = time.perf_counter() - t0
    reap_orphans()
    return rc, out, err, secs


def lscpu_fields():
    """lscpu -J as {field: data}, children included (util-linux nests them)."""
    try:
        out = subprocess.run(["lscpu", "-J"], capture_output=True, text=True, timeout=20)
        rows = json.loads(out.stdout).get("lscpu", [])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return {}
    fields = {}
    while rows:
        r = rows.pop(0)
        fields.setdefault(r.get("field", "").rstrip(":"), r.get("data"))
        rows += r.get("children", [])
    return fields


def cgroup_setup():
    """Which cgroup hierarchy this machine mounts (v1, v2 or hybrid), and our memory cgroup."""
    types = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            mnt, fstype = left.split()[4], right.split()[0]
            if fstype in ("cgroup", "cgroup2"):
                opts = right.split()[2].split(",") if len(right.split()) > 2 else []
                types.setdefault(fstype, []).append((mnt, opts))
    if "cgroup" in types:
        version = "hybrid" if "cgroup2" in types else "v1"
    else:
        version = "v2" if "cgroup2" in types else "none"
    memcg = None
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrl, path = line.rstrip("\n").split(":", 2)
            if "memory" in ctrl.split(",") or (ctrl == "" and version == "v2"):
                memcg = path
    return {"version": version, "memory_cgroup": memcg,
            "memory_v1": any("memory" in o for _, o in types.get("cgroup", []))}


def topology():
    """The CPUs as lscpu sees them, the hypervisor, the cgroup setup: scaling depends on all."""
    f = lscpu_fields()

    def num(key):
        try:
            return int(f.get(key))
        except (TypeError, ValueError):
            return None
    hyp = f.get("Hypervisor vendor")
    if hyp is None:
        with open("/proc/cpuinfo") as c:
            hyp = "unknown (cpuinfo: hypervisor)" if " hypervisor" in c.read() else None
    return {"cpus": num("CPU(s)"), "sockets": num("Socket(s)"),
            "cores_per_socket": num("Core(s) per socket"),
            "threads_per_core": num("Thread(s) per core"), "numa_nodes": num("NUMA node(s)"),
            "hypervisor": hyp, "virtualization": f.get("Virtualization type"),
            "l2": f.get("L2 cache"), "l3": f.get("L3 cache"), "cgroup": cgroup_setup()}


def peer_command(template, target):
    """The peer's command line: {pid} is the target, {last} the target minus one (tools that
    take the last PID handed out, as set_ns_last_pid does)."""
    return template.replace("{last}", str(target - 1)).replace("{pid}", str(target))


def last_json(text):
    """The last line of text that parses as a JSON object (tools print one per line)."""
    for line in reversed(text.strip().splitlines()):
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict):
            return v
    try:
        v = json.loads(text)
        return v if isinstance(v, dict) else None
    except ValueError:
        return None


# --- entering the namespace --------------------------------------------------

def enter_namespace(argv):
    if os.geteuid() != 0:
        sys.exit("bench: needs root (unshare --pid, and root for settid/lastpid)")
    for tool in ("unshare", "setpriv", "hyperfine"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found")
    env = dict(os.environ)
    env[ENV_HOSTNS] = os.readlink("/proc/self/ns/pid")
    env[ENV_HOSTMAX] = str(read_int(PID_MAX))
    cmd = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "--",
           sys.executable, os.path.abspath(__file__)] + argv
    sys.exit(subprocess.run(cmd, env=env).returncode)


def check_inside():
    """Refuse to measure unless this is a new PID namespace, seen through its own /proc."""
    host = os.environ.get(ENV_HOSTNS)
    mine = os.readlink("/proc/self/ns/pid")
    if not host or mine == host or os.getpid() != 1:
        sys.exit(f"bench: not inside a private PID namespace ({mine} vs {host}); refusing")


# --- the run -----------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.quick = args.quick
        self.p = PROFILES["quick" if args.quick else "full"]
        self.out = os.path.abspath(args.out)
        self.tmp = tempfile.mkdtemp(prefix="pidcycle-bench-")
        # Copies that uid 65534 can run whatever the checkout's permissions are.
        self.cli = self._stage(args.cli)
        self.driver = self._stage(args.driver)
        self.lab = self._stage(args.lab) if os.path.exists(args.lab) else None
        self.cracspin = self._stage(args.cracspin) if os.path.exists(args.cracspin) else None
        os.chmod(self.tmp, 0o755)
        os.chown(self.tmp, 65534, 65534)
        self.peer = os.environ.get("PEER") or None
        self.baseline_file = args.baseline
        n = len(os.sched_getaffinity(0))
        self.workers = sorted({1, n} | {w for w in (2, 4, 8, 16, 32) if w < n})
        self.errors = []
        self.res = {"schema": 1, "quick": bool(args.quick)}

    def _stage(self, path):
        dst = os.path.join(self.tmp, os.path.basename(path))
        shutil.copy2(path, dst)
        os.chmod(dst, 0o755)
        return dst

    def error(self, what, detail):
        self.errors.append(f"{what}: {detail}")
        log(f"ERROR {what}: {detail.strip()[:300]}")

    def nobody(self, strategy):
        return strategy not in report.PRIV

    # -- machine and setup --
    def machine(self):
        cpu = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        if self.p["pid_max"]:
            with open(PID_MAX, "w") as f:
                f.write(str(self.p["pid_max"]))
        hf = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True)
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        self.res["machine"] = {
            "cpu": cpu, "nproc": len(os.sched_getaffinity(0)), "kernel": os.uname().release,
            "pid_max_host": int(os.environ.get(ENV_HOSTMAX, "0")),
            "pid_max_bench": read_int(PID_MAX),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "hyperfine": hf.stdout.strip(), "loadavg_start": load,
            "pid_namespace": os.readlink("/proc/self/ns/pid"),
            "topology": topology(),
        }
        self.res["baseline"] = baseline(self.baseline_file)
        self.res["config"] = {
            "workers": self.workers, "counts": self.p["counts"], "heap_mb": self.p["heap_mb"],
            "heap_counts": self.p["heap_counts"], "warmup": self.p["warmup"],
            "runs": self.p["runs"], "reps": self.p["reps"], "exact_calls": self.p["exact_calls"],
            "target_labels": [lab for lab, _ in self.p["distances"]],
            "far_label": self.p["distances"][2][0], "far_distance": self.p["distances"][2][1],
            "pid_max": read_int(PID_MAX), "peer": self.peer,
        }

    def probe(self):
        self.res["probe"] = {}
        for who, nob in (("root", False), ("nobody", True)):
            rc, out, err, _ = run([self.cli, "probe", "--json"], nob, cwd=self.tmp)
            self.res["probe"][who] = last_json(out) or {"rc": rc, "stdout": out, "stderr": err}
            if rc != 0:
                self.error(f"probe as {who}", err or out)

    # -- throughput --
    def hyperfine(self, strategies):
        """One hyperfine call, -L strategy/-L threads; the count per strategy via ${C_<s>}."""
        js = os.path.join(self.tmp, "hf.json")
        md = os.path.join(self.tmp, "hf.md")
        env_counts = [f"C_{s}={self.p['counts'][s]}" for s in strategies]
        cmd = ["env"] + env_counts + [
            "hyperfine", "--style", "none", "--warmup", str(self.p["warmup"]),
            "--runs", str(self.p["runs"]), "--export-json", js, "--export-markdown", md,
            "-L", "strategy", ",".join(strategies),
            "-L", "threads", ",".join(str(w) for w in self.workers),
            f"{self.cli} burn ${{C_{{strategy}}}} --strategy {{strategy}} "
            "--threads {threads} --json"]
        rc, out, err, _ = run(cmd, True, cwd=self.tmp)
        if rc != 0:
            return None, err or out
        with open(js) as f:
            data = json.load(f)
        shutil.copy(md, os.path.join(self.out, "hyperfine-throughput.md"))
        return data, None

    def throughput_hyperfine(self):
        data, err = self.hyperfine(report.UNPRIV)
        if data is None:
            # One strategy failing stops hyperfine: redo them one by one to keep the others.
            self.error("hyperfine (all strategies)", err)
            data = {"results": []}
            for s in report.UNPRIV:
                d, e = self.hyperfine([s])
                if d is None:
                    self.error(f"hyperfine {s}", e)
                    data["results"].append({"parameters": {"strategy": s}, "error": e[-500:]})
                else:
                    data["results"] += d["results"]
        rows = []
        for r in data["results"]:
            par = r.get("parameters", {})
            s = par.get("strategy")
            row = {"strategy": s, "threads": int(par["threads"]) if "threads" in par else None,
                   "count": self.p["counts"].get(s), "user": "nobody"}
            for k in ("command", "mean", "stddev", "median", "min", "max", "user", "system",
                      "times", "error"):
                if k in r:
                    row["cpu_user" if k == "user" else k] = r[k]
            if row.get("mean"):
                row["pids_per_sec"] = row["count"] / row["mean"]
            rows.append(row)
        self.res.setdefault("throughput", {})["hyperfine"] = rows

    def driver_burn(self, strategy, threads, count, heap_mb=0, reps=1, anchors=True):
        cmd = [self.driver, "burn", str(count), "--strategy", strategy, "--threads",
               str(threads), "--reps", str(reps)]
        if heap_mb:
            cmd += ["--heap-mb", str(heap_mb)]
        if not anchors:
            cmd += ["--no-anchors"]
        rc, out, err, secs = run(cmd, self.nobody(strategy), cwd=self.tmp)
        entry = last_json(out) or {"error": rc, "message": (err or out)[-500:]}
        entry.update({"strategy": strategy, "threads": threads, "heap_mb": heap_mb,
                      "anchors": anchors, "count": count, "process_seconds": secs})
        if rc != 0 or entry.get("error"):
            entry.setdefault("error", rc)
            self.error(f"driver burn {strategy} x{threads} heap {heap_mb} anchors {anchors}",
                       entry.get("message", err))
        return entry

    def throughput_driver(self):
        """Rounds of one rep per configuration, so that a change in the machine's load
        (the cores are shared) falls on every strategy alike rather than on one. Ghost
        also runs with its anchors off (lib/anchors.c), to show what they buy."""
        rows = {(s, w, True): None for s in report.UNPRIV for w in self.workers}
        rows.update({("ghost", w, False): None for w in self.workers})
        for rnd in range(self.p["reps"]):
            for (s, w, a) in rows:
                e = self.driver_burn(s, w, self.p["counts"][s], anchors=a)
                if rows[(s, w, a)] is None:
                    rows[(s, w, a)] = e
                elif not e.get("error") and not rows[(s, w, a)].get("error"):
                    rows[(s, w, a)]["reps"] += e["reps"]
                    rows[(s, w, a)]["process_seconds"] += e["process_seconds"]
            log(f"driver burn round {rnd + 1}/{self.p['reps']} done")
        out = list(rows.values())
        for (s, w, a) in rows:
            rate = report.driver_rate({'throughput': {'driver': out}}, s, w, anchors=a)
            log(f"driver burn {s} x{w}{'' if a else ' (no anchors)'}: "
                f"{report.fmt_rate(rate)} PIDs/s")
        for s, c in self.p["heap_counts"].items():
            out.append(self.driver_burn(s, 1, c, self.p["heap_mb"], self.p["reps"]))
            log(f"driver burn {s} with {self.p['heap_mb']} MiB heap done")
        self.res.setdefault("throughput", {})["driver"] = out

    def exact(self):
        rows = []
        caps = self.res.get("probe", {}).get("root", {})
        for s in report.PRIV:
            # Measure unless the probe positively said no (a missing probe: just try).
            if caps.get("set_tid" if s == "settid" else "ns_last_pid_writable") is False:
                rows.append({"strategy": s, "skipped": "not available (probe)"})
                continue
            rc, out, err, _ = run([self.driver, "exact", str(self.p["exact_calls"]),
                                   "--strategy", s], False, cwd=self.tmp)
            e = last_json(out) or {"error": rc, "message": (err or out)[-500:]}
            e["strategy"] = s
            if rc != 0 or e.get("error"):
                self.error(f"exact {s}", e.get("message", err))
            rows.append(e)
        self.res["exact"] = rows

    # -- time to target --
    def target_for(self, dist):
        """A free number `dist` ahead (numbers allowed for the two estimates and the tool's
        own process), or for dist None one just behind the cursor: a full lap."""
        last, pmax = read_int(LAST_PID), read_int(PID_MAX)
        t = max(300, last - 1) if dist is None else last + 4 + dist
        if t >= pmax:
            t = 300 + (t - pmax)
        while os.path.exists(f"/proc/{t}"):
            t += 1
        return t

    def estimate(self, target, strategy):
        """(CLI estimate: AUTO's view, driver estimate: this strategy's view)."""
        rc, out, _, _ = run([self.cli, "estimate", str(target), "--json"],
                            self.nobody(strategy), cwd=self.tmp)
        auto = last_json(out) if rc == 0 else None
        rc, out, _, _ = run([self.driver, "estimate", str(target), "--strategy", strategy],
                            self.nobody(strategy), cwd=self.tmp)
        return auto, (last_json(out) if rc == 0 else None)

    def reach(self, who, label, dist):
        t = self.target_for(dist)
        e = {"who": who, "label": label, "target": t, "cursor_before": read_int(LAST_PID)}
        if who == "peer":
            cmd = ["sh", "-c", peer_command(self.peer, t)]
            nob = True
        else:
            auto, mine = self.estimate(t, who)
            e.update({"estimate_cli": auto, "estimate": mine})
            if auto:
                e["eta_auto_seconds"] = auto.get("eta_seconds")
            if mine and who not in report.PRIV:
                e["eta_seconds"] = mine.get("eta_seconds")
            cmd, nob = [self.cli, "next", str(t), "--strategy", who], self.nobody(who)
        rc, out, err, secs = run(cmd, nob, cwd=self.tmp)
        after = read_int(LAST_PID)
        e.update({"rc": rc, "seconds": secs, "cursor_after": after,
                  "distance": dist if dist is not None else None})
        if dist is None:  # a lap: the predictor's count of free numbers, else the geometry
            e["distance"] = (e.get("estimate") or {}).get("distance") or read_int(PID_MAX) - 300
        if who != "peer":
            e["hit"] = after == t - 1
        else:  # the peer is not exact: how far past the last PID it wanted it stopped
            e["past_by"] = after - (t - 1)
        if rc != 0:
            e["error"] = rc
            e["stderr"] = (err or out)[-500:]
            self.error(f"time to target {who} {label}", err or out)
        return e

    def targets(self):
        whos = list(report.UNPRIV)
        caps = self.res.get("probe", {}).get("root", {})
        if caps.get("ns_last_pid_writable", True):
            whos.append("lastpid")
        self.res["config"]["target_strategies"] = whos
        rows, cli = [], []
        far = self.p["distances"][2]
        for label, dist in self.p["distances"]:
            for who in whos + (["peer"] if self.peer else []):
                if who in SLOW and (dist is None or dist >= 1000000 or label == far[0]):
                    rows.append({"who": who, "label": label,
                                 "skipped": "skipped (too slow)"})
                    continue
                rows.append(self.reach(who, label, dist))
                log(f"target {who} {label}: {report.target_cell(rows[-1])}")
                # `burn` of the same count beside the far hop, and beside ghost's lap.
                if (label == far[0] and who in ("thread", "ghost")) or \
                        (dist is None and who == "ghost"):
                    cli.append(self.cli_steer(who, rows[-1]["distance"], rows[-1]))
        self.res["target"] = rows
        self.res.setdefault("steering", {})["cli"] = cli

    def cli_steer(self, strategy, dist, reached):
        """`burn D` as a whole command, to set beside `next` D away (same defaults)."""
        rc, out, err, secs = run([self.cli, "burn", str(dist), "--strategy", strategy,
                                  "--json"], True, cwd=self.tmp)
        if rc != 0:
            self.error(f"cli burn {strategy} {dist}", err or out)
        return {"strategy": strategy, "distance": dist, "label": reached.get("label"),
                "burn_seconds": secs if rc == 0
                else None, "next_seconds": reached.get("seconds") if not reached.get(
                    "error") else None, "burn_json": last_json(out)}

    def steering_driver(self):
        rows = []
        dist = self.p["distances"][2][1]
        for w in sorted({1, max(self.workers)}):
            rc, out, err, _ = run([self.driver, "reach", str(dist), "--strategy", "ghost",
                                   "--threads", str(w), "--reps", str(self.p["steer_reps"])],
                                  True, cwd=self.tmp)
            e = last_json(out) or {"error": rc, "message": (err or out)[-500:]}
            e.update({"strategy": "ghost", "threads": w, "distance": dist})
            if rc != 0 or e.get("error"):
                e.setdefault("error", rc)
                self.error(f"driver reach ghost x{w}", e.get("message", err))
            rows.append(e)
            r = report.steering({"steering": {"driver": rows}}, "ghost", w)
            log(f"steering ghost x{w}: ratio {report.fmt(r)}")
        self.res.setdefault("steering", {})["driver"] = rows

    # -- scaling (issue 13): 1 worker vs N, beside the machine's own ceiling --
    def scale_run(self, kind, w):
        """One rate: the library's ghost burn (driver, in-process) or a control workload that
        takes no PID (ghostlab --control: getppid() calls, or an ALU loop), split over w."""
        if kind == "ghost":
            e = self.driver_burn("ghost", w, self.p["scale_count"])
            reps = e.get("reps") or [{}]
            return {"kind": kind, "workers": w, "rate": reps[0].get("pids_per_sec"),
                    "error": e.get("error")}
        if not self.lab:
            return {"kind": kind, "workers": w, "error": "no ghostlab"}
        per = self.p["control_counts"][kind] // w
        rc, out, err, _ = run([self.lab, str(per), "-w", str(w), "--control", kind], True,
                              cwd=self.tmp)
        e = last_json(out) or {}
        if rc != 0 or e.get("error"):
            self.error(f"ghostlab control {kind} x{w}", err or out)
        return {"kind": kind, "workers": w, "rate": e.get("rate"),
                "cpu_us_per": e.get("cpu_us_per"), "error": e.get("error") or (rc or None)}

    def scaling(self):
        """Alternated pairs: in pair i each workload runs with 1 worker and with N, the order
        reversed every other pair, so that the load of the shared machine falls on all alike;
        the ratio of a pair is N / 1 of the same kind, its median the figure."""
        n = max(self.workers)
        if n < 2:
            self.res["scaling"] = {"workers": n, "pairs": []}
            return
        kinds = ["ghost", "getppid", "alu"]
        pairs = []
        for i in range(self.p["scale_pairs"]):
            runs = [(k, w) for k in kinds for w in (1, n)]
            if i % 2:
                runs.reverse()
            pair = {"pair": i, "loadavg": open("/proc/loadavg").read().split()[0], "runs": []}
            for k, w in runs:
                pair["runs"].append(self.scale_run(k, w))
            pairs.append(pair)
            log(f"scaling pair {i + 1}: " + ", ".join(
                f"{k} {report.fmt(report.pair_ratio(pair, k, n), 'x')}" for k in kinds))
        self.res["scaling"] = {"workers": n, "pairs": pairs}

    def peer_pairs(self):
        """pidcycle and the peer on hops of the same length, alternated, one after the other."""
        if not self.peer:
            return
        hop, rows = self.p["peer_hop"], []
        for i in range(self.p["peer_pairs"]):
            for who in (("ghost", "peer") if i % 2 == 0 else ("peer", "ghost")):
                e = self.reach(who, f"pair{i}", hop)
                e["pair"] = i
                rows.append(e)
                log(f"peer pair {i + 1} {who}: {report.target_cell(e)}")
        self.res["peer_pairs"] = {"hop": hop, "rows": rows}

    # -- JVM launchers: "PID at least N", the library against CRaC's fork loop --
    def spin_once(self, mode, heap_mb, hop):
        """cracspin MIN in one mode; its own timer starts after the heap is touched."""
        want = read_int(LAST_PID) + hop
        rc, out, err, secs = run([self.cracspin, mode, "--heap", str(heap_mb), str(want)],
                                 True, timeout=900, cwd=self.tmp)
        line = [x for x in err.splitlines() if x.startswith("cracspin:")]
        parts = line[-1].split() if line else []
        ok = rc == 0 and len(parts) >= 6
        child = int(parts[-1]) if ok else None
        if not ok or child < want:
            self.error(f"cracspin {mode} heap {heap_mb}", (err or out)[-300:])
            return None
        return {"mode": mode.lstrip("-"), "heap_mb": heap_mb, "hop": hop, "min": want,
                "child": child, "forks": int(parts[1]), "seconds": float(parts[3])}

    def jvm(self):
        if not self.cracspin:
            self.error("jvm", "build/cracspin was not built (no JDK headers): skipped")
            return
        rows = []
        # CRaC's loop refuses to wrap: start low enough for all the hops below.
        need = 4 * sum(self.p["jvm_hops"].values()) + 1000
        if read_int(LAST_PID) + need >= read_int(PID_MAX):
            run([self.cli, "next", "1000", "--strategy", "ghost"], True, cwd=self.tmp)
        for heap_mb, hop in sorted(self.p["jvm_hops"].items()):
            # Alternate the order so that drift in load hits both alike.
            for mode in ("--lib", "--spin-only", "--spin-only", "--lib"):
                e = self.spin_once(mode, heap_mb, hop)
                if e:
                    rows.append(e)
            r = report.jvm_ratio({"jvm": rows}, heap_mb)
            log(f"jvm heap {heap_mb} MiB, hop {hop}: fork loop / library {report.fmt(r, 'x')}")
        self.res["jvm"] = rows

    # -- output --
    def write(self):
        with open("/proc/loadavg") as f:
            self.res["machine"]["loadavg_end"] = f.read().split()[:3]
        self.res["errors"] = self.errors
        self.res["claims"] = [dict(zip(("claim", "value", "op", "limit", "verdict",
                                        "cross_check"), c)) for c in report.claims(self.res)]
        self.res["ratios"] = dict(report.ratios(self.res))
        self.res["plots"] = [os.path.relpath(p) for p in report.plots(self.res, self.out)]
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(self.res, f, indent=1, sort_keys=True)
        with open(os.path.join(self.out, "results.md"), "w") as f:
            f.write(report.markdown(self.res))

    def main(self):
        os.makedirs(self.out, exist_ok=True)
        steps = [("machine", self.machine), ("probe", self.probe),
                 ("throughput (hyperfine)", self.throughput_hyperfine),
                 ("throughput (driver)", self.throughput_driver), ("exact", self.exact),
                 ("scaling", self.scaling), ("time to target", self.targets),
                 ("peer pairs", self.peer_pairs), ("steering", self.steering_driver),
                 ("jvm launchers", self.jvm)]
        try:
            for name, fn in steps:
                log(f"step: {name}")
                try:
                    fn()
                except Exception as ex:  # one broken step must not lose the others
                    self.error(f"step {name}", repr(ex))
            self.write()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        log(f"wrote {self.out}/results.md, results.json, {len(self.res.get('plots', []))} plots")
        for line in (report.md_claims(self.res) + "\n" +
                     report.md_claims13(self.res)).splitlines():
            print(line)
        if self.errors:
            print(f"bench: {len(self.errors)} measurement(s) failed; see results.md",
                  file=sys.stderr)
            return 1
        return 0


T0 = time.monotonic()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="build/bench")
    ap.add_argument("--cli", default="build/pidcycle")
    ap.add_argument("--driver", default="build/bench/driver")
    ap.add_argument("--cracspin", default="build/cracspin")
    ap.add_argument("--lab", default="build/bench/ghostlab")
    ap.add_argument("--baseline", default="bench/results/results.json",
                    help="an earlier run's results.json: its 1-worker ghost rate is the "
                    "figure issue 13's '1 worker no slower' compares with")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if ENV_HOSTNS not in os.environ:
        enter_namespace(sys.argv[1:])
    check_inside()
    sys.exit(Bench(args).main())


if __name__ == "__main__":
    main()
