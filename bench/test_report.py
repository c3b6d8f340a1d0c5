#!/usr/bin/env python3
"""test_report.py - checks the harness's pure logic (ratios, verdicts, tables) on fixture.json."""
import copy
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import report  # noqa: E402

with open(os.path.join(HERE, "fixture.json")) as f:
    FIXTURE = json.load(f)


def claim13(res, prefix):
    for c in report.claims13(res):
        if c[0].startswith(prefix):
            return c
    raise AssertionError(f"no claim {prefix!r}")


def claim(res, prefix):
    for c in report.claims(res):
        if c[0].startswith(prefix):
            return c
    raise AssertionError(f"no claim {prefix!r}")


class Rates(unittest.TestCase):
    def test_driver_rate_is_median_of_reps(self):
        # One outlier rep (500/s) must not drag the figure down.
        self.assertEqual(report.driver_rate(FIXTURE, "ghost", 1), 110000)
        self.assertEqual(report.driver_rate(FIXTURE, "fork", 1, 1024), 25)

    def test_anchors_off_is_its_own_configuration(self):
        # The anchors-off entry comes first in the fixture: a lookup that ignored the
        # key would return it for plain ghost.
        self.assertEqual(report.driver_rate(FIXTURE, "ghost", 1, anchors=False), 88000)
        self.assertIsNone(report.driver_rate(FIXTURE, "ghost", 2, anchors=False))
        r = dict(report.ratios(FIXTURE))
        self.assertAlmostEqual(r["ghost: anchors / no anchors, 1 worker"], 110000 / 88000)
        self.assertIsNone(r["ghost: anchors / no anchors, 2 workers"])
        md = report.md_throughput(FIXTURE)
        self.assertIn("| ghost, anchors off | 1 | 88,000 | - | 4.4x |", md)

    def test_hyperfine_rate_is_count_over_mean(self):
        self.assertAlmostEqual(report.hyper_rate(FIXTURE, "ghost", 1), 120000)
        self.assertIsNone(report.hyper_rate(FIXTURE, "fork", 1))  # its run failed

    def test_failed_entry_gives_none(self):
        self.assertIsNone(report.driver_rate(FIXTURE, "vfork", 1))
        self.assertIsNone(report.ratio(None, 3))
        self.assertIsNone(report.ratio(3, 0))


class Claims(unittest.TestCase):
    def test_ghost_vs_thread(self):
        name, v, op, lim, ver, cross = claim(FIXTURE, "ghost >= 5x")
        self.assertAlmostEqual(v, 5.5)
        self.assertAlmostEqual(cross, 6.0)
        self.assertEqual(ver, "PASS")

    def test_ghost_vs_thread_can_fail(self):
        res = copy.deepcopy(FIXTURE)
        res["throughput"]["driver"][0]["reps"] = [{"pids_per_sec": 50000}]
        self.assertEqual(claim(res, "ghost >= 5x")[4], "FAIL")

    def test_worker_scaling(self):
        _, v, _, _, ver, cross = claim(FIXTURE, "ghost 2 workers")
        self.assertAlmostEqual(v, 200000 / 110000)
        self.assertAlmostEqual(cross, 2.0)
        self.assertEqual(ver, "PASS")

    def test_steering_is_ratio_of_totals_and_fails_above_limit(self):
        _, v, op, lim, ver, _ = claim(FIXTURE, "steering overhead")
        self.assertAlmostEqual(v, 19 / 15)  # not the median (1.2) of the per-rep ratios
        self.assertEqual((op, lim, ver), ("<=", 1.10, "FAIL"))
        res = copy.deepcopy(FIXTURE)
        res["steering"]["driver"][1]["reps"] = [{"burn_seconds": 5, "next_seconds": 5.4}]
        self.assertEqual(claim(res, "steering overhead")[4], "PASS")

    def test_missing_figure_is_not_measured(self):
        res = copy.deepcopy(FIXTURE)
        res["steering"]["driver"] = []
        self.assertEqual(claim(res, "steering overhead")[4], "not measured")

    def test_one_worker_machine_has_no_scaling_claim(self):
        res = copy.deepcopy(FIXTURE)
        res["config"]["workers"] = [1]
        self.assertEqual(claim(res, "ghost 1 workers")[4], "not measured")

    def test_full_lap(self):
        self.assertEqual(claim(FIXTURE, "full lap")[1], 31.5)


class Issue13(unittest.TestCase):
    def test_scaling_ratio_is_median_of_pair_ratios(self):
        # Pairs give 1.9x, 1.5x, 1.7x: the median is 1.7x; the ratio of the median rates
        # (204000 / 120000) would also be 1.7 here, so check a case where they differ too.
        self.assertAlmostEqual(report.scaling_ratio(FIXTURE, "ghost"), 1.7)
        res = copy.deepcopy(FIXTURE)
        res["scaling"]["pairs"][2]["runs"][1]["rate"] = 240000  # pair ratios 1.9, 1.5, 2.0
        self.assertAlmostEqual(report.scaling_ratio(res, "ghost"), 1.9)
        self.assertNotAlmostEqual(report.scaling_rate(res, "ghost", 2) /
                                  report.scaling_rate(res, "ghost", 1), 1.9)

    def test_failed_run_leaves_its_pair_out(self):
        self.assertAlmostEqual(report.scaling_ratio(FIXTURE, "alu"), 1.95)  # 1.9, 2.0

    def test_scaling_claim_and_ceiling(self):
        name, v, op, lim, ver, beside = claim13(FIXTURE, "ghost 2 workers >= 1.8x")
        self.assertEqual((op, lim, ver), (">=", 1.8, "FAIL"))
        self.assertIn("getppid 1.9x", beside)
        res = copy.deepcopy(FIXTURE)
        res["scaling"]["pairs"][1]["runs"][1]["rate"] = 380000
        self.assertEqual(claim13(res, "ghost 2 workers")[4], "PASS")

    def test_lap_claim(self):
        name, v, op, lim, ver, beside = claim13(FIXTURE, "full lap")
        self.assertEqual((v, op, lim, ver), (31.5, "<=", 11.0, "FAIL"))
        self.assertIn("133,153 PIDs/s", beside)
        self.assertTrue(name.startswith("full lap of 4,194,304 <= 11 s"), name)
        res = copy.deepcopy(FIXTURE)
        res["config"]["pid_max"] = 65536  # QUICK=1: the limit in proportion
        self.assertEqual(claim13(res, "full lap")[3], round(11 * 65536 / 4194304, 3))
        res = copy.deepcopy(FIXTURE)
        report.target_entry(res, "ghost", "lap")["seconds"] = 10.5
        self.assertEqual(claim13(res, "full lap")[4], "PASS")

    def test_peer_ratio_is_median_of_pairs_and_skips_failures(self):
        self.assertAlmostEqual(report.peer_ratio(FIXTURE), (5.0 + 4.2) / 2)
        self.assertEqual(claim13(FIXTURE, ">= 4x the peer")[4], "PASS")
        res = copy.deepcopy(FIXTURE)
        res["peer_pairs"]["rows"][2]["seconds"] = 10.0  # 5x, 2x
        self.assertEqual(claim13(res, ">= 4x the peer")[4], "FAIL")
        res["peer_pairs"] = {}
        self.assertEqual(claim13(res, ">= 4x the peer")[4], "not measured")

    def test_one_worker_against_the_baseline(self):
        name, v, op, lim, ver, beside = claim13(FIXTURE, "ghost 1 worker no slower")
        self.assertEqual((op, lim, ver), (">=", 1.0, "PASS"))
        self.assertAlmostEqual(v, 1.1)  # median of 120k, 110k, 500 against 100k
        self.assertIn("110,000 vs 100,000 PIDs/s", beside)
        res = copy.deepcopy(FIXTURE)
        res["baseline"]["ghost_1"] = 115000
        self.assertEqual(claim13(res, "ghost 1 worker no slower")[4], "FAIL")
        del res["baseline"]
        self.assertEqual(claim13(res, "ghost 1 worker no slower")[4], "not measured")

    def test_baseline_reads_an_earlier_run(self):
        import harness
        b = harness.baseline(os.path.join(HERE, "fixture.json"))
        self.assertEqual((b["ghost_1"], b["date"]), (110000, "2025-01-01 00:00 UTC"))
        self.assertIsNone(harness.baseline("/nonexistent/results.json")["ghost_1"])

    def test_peer_command_placeholders(self):
        import harness
        self.assertEqual(harness.peer_command("t {last}", 1000), "t 999")
        self.assertEqual(harness.peer_command("t {pid} {last}", 1000), "t 1000 999")

    def test_markdown_sections(self):
        md = report.markdown(FIXTURE)
        self.assertIn("Topology: 1 socket(s) x 2 core(s) x 1 thread(s) = 2 CPUs, 1 NUMA node(s), "
                      "hypervisor KVM, cgroup v1 (memory controller v1)", md)
        self.assertIn("| 2 | 0.7 | 200,000 | 300,000 | 1.5x | 1.5x | n/a |", md)
        self.assertIn("| median |  | 120,000 | 204,000 | 1.7x | 1.9x | 1.95x |", md)
        self.assertIn("| 2 | 5.00 s | 21.00 s | 4.2x |", md)
        self.assertIn("| 3 | 4.00 s | error (1) | n/a |", md)


class Markdown(unittest.TestCase):
    def setUp(self):
        self.md = report.markdown(FIXTURE)

    def test_machine_line(self):
        self.assertIn("Test CPU 9000, 2 CPUs, Linux 6.18.0-test, host pid_max 32768", self.md)

    def test_peer_not_set(self):
        row = [ln for ln in self.md.splitlines() if ln.startswith("| 100 |")][0]
        self.assertTrue(row.endswith("| not set |"), row)

    def test_peer_set_shows_its_time(self):
        res = copy.deepcopy(FIXTURE)
        res["config"]["peer"] = "tool {pid}"
        res["target"].append({"who": "peer", "label": "100", "seconds": 0.5, "distance": 100})
        row = [ln for ln in report.markdown(res).splitlines() if ln.startswith("| 100 |")][0]
        self.assertTrue(row.endswith("| 500.0 ms |"), row)

    def test_target_cells(self):
        self.assertIn("| 1M | skipped (too slow) | 8.00 s (ETA 7.50 s) MISSED |", self.md)
        self.assertIn("| lap | skipped (too slow) | 31.50 s (ETA 30.00 s) |", self.md)

    def test_exact_table(self):
        self.assertIn("| settid | fork_at | 190 µs | 230 µs | 140 µs | 10 |", self.md)
        self.assertIn("not available (probe)", self.md)

    def test_steering_rows(self):
        self.assertIn("| in-process, 3 reps | ghost | 2 | 1,000,000 | 5.00 s | 6.33 s | 1.27 |",
                      self.md)
        self.assertIn("| CLI, 1 run | ghost | default | 1,000,000 | 8.00 s | 8.00 s | 1 |",
                      self.md)

    def test_heap_ratio(self):
        self.assertIn("| fork | 1,000 | 25 | 0.025x |", self.md)


class Plots(unittest.TestCase):
    def test_plot_data(self):
        d = report.plot_data(FIXTURE)
        self.assertIn("ghost 110000 200000", d["throughput"])
        self.assertIn("vfork 0 0", d["throughput"])
        blocks = d["target"].split("\n\n\n")
        self.assertEqual(len(blocks), 2)  # fork, ghost: skipped cells are not plotted
        self.assertIn("lap 4194003 31.5 30.0", blocks[1])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=1).result
    ok = result.wasSuccessful()
    print(f"check-bench: {result.testsRun} tests, {'passed' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)
