"""The benchmark harness end to end in smoke mode: every phase runs and reports numbers.

Timings are never asserted (CI machines are noisy); only that each required figure
is there and positive. The Quix Streams peer needs its virtualenv, which the harness
creates on first use (from PyPI) under ~/.cache/cspulse.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = (
    "engine_events_per_s",
    "ceiling_events_per_s",
    "peer_events_per_s",
    "latency_p50_s",
    "latency_p99_s",
    "rss_bytes_per_customer",
    "rss_bytes_per_open_ticket",
    "recovery_s_rocksdict",
    "recovery_s_memory",
)


def test_bench_smoke_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"bench.run --smoke failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    results = json.loads(out.read_text())
    assert not results["errors"]
    for key in REQUIRED:
        value = results[key]
        assert isinstance(value, int | float) and value > 0, f"{key} = {value!r}"
    assert out.with_suffix(".md").exists()
    # the peer computes the same MRR per plan as the engine over the same events
    check = results["peer"]["cross_check"]
    for name, (engine, peer) in check.items():
        if name.startswith("mrr["):
            assert engine == pytest.approx(peer, rel=1e-6, abs=0.01), name
