"""Smoke test of benchmarks/bench_steps.py: the npgan part of ``--quick`` runs and writes
the documented JSON. No timing is asserted (tests never assert on wall time)."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("threadpoolctl")  # the benchmark pins NumPy's BLAS pool with it

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "bench_steps.py")


def test_quick_npgan_run_writes_the_table_as_json(tmp_path):
    out = tmp_path / "steps.json"
    proc = subprocess.run([sys.executable, SCRIPT, "--quick", "--libs", "npgan", "--workloads", "mlp_gan_b64",
                           "--rss-steps", "6", "--json", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "mlp_gan_b64" in proc.stdout and "npgan" in proc.stdout
    report = json.loads(out.read_text())
    assert set(report) == {"meta", "results", "memory"}
    meta = report["meta"]
    assert meta["threads"] == 2 and meta["rounds"] == 2 and "load_before" in meta
    assert meta["libraries"]["npgan"]["version"].startswith("npgan")
    assert any(pool["internal_api"] for pool in meta["libraries"]["npgan"]["blas"])
    rows = {row["library"]: row for row in report["results"]}
    assert set(rows) == {"npgan", "npgan-eager"}  # the captured step and the eager one beside it
    for row in rows.values():
        assert row["workload"] == "mlp_gan_b64" and row["number"] == "1"
        assert row["steps_timed"] >= 2 and 0 < row["min_ms"] <= row["median_ms"]
        assert set(row["first_step_losses"]) >= {"d_loss", "g_loss"}
    assert rows["npgan"]["first_step_losses"] == rows["npgan-eager"]["first_step_losses"]
    memory = {m["library"]: m for m in report["memory"]}
    assert set(memory) == {"npgan", "npgan-eager"}
    for m in memory.values():
        assert m["steps"] == 6 and m["peak_rss_mb"] >= m["rss_end_mb"] > 0 and isinstance(m["flat"], bool)
