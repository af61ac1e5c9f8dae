"""The Quix Streams peer: its virtualenv, the run, and a cross-check of its figures.

quixstreams pins pydantic < 2.14 and pydantic-settings < 2.16, older than the engine
uses, so it lives in a virtualenv of its own (created on first use, from PyPI) and
bench/peer_quix.py runs there as a subprocess. Nothing in the engine's .venv changes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Isolated, say, series_sum
from bench.progress import Bar

QUIX_REQUIREMENT = "quixstreams==3.28.1"
DEFAULT_VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cspulse" / "bench-peer-venv"
STALL_S = 120.0


def peer_python(venv: Path = DEFAULT_VENV) -> str:
    """The peer virtualenv's python, creating the virtualenv when it is missing."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import quixstreams"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    say(f"creating the peer virtualenv {venv} ({QUIX_REQUIREMENT}, once)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, QUIX_REQUIREMENT], check=True)
    return str(python)


def peer_versions(python: str) -> dict[str, str]:
    code = (
        "import quixstreams, confluent_kafka; print(quixstreams.__version__, confluent_kafka.libversion()[0])"
    )
    out = subprocess.run([python, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True)
    quix, librdkafka = out.stdout.split()
    return {"quixstreams": quix, "librdkafka": librdkafka}


async def run_peer(
    python: str, iso: Isolated, expect: int, workdir: Path, broker: str, timeout: float
) -> dict[str, Any]:
    """bench/peer_quix.py over the topics of `iso` until `expect` records are processed."""
    cmd = [
        python, "-W", "ignore", str(Path(__file__).with_name("peer_quix.py")),
        "--broker", broker, "--group", f"{iso.app_id}-quix",
        "--state-dir", str(workdir / "peer-state"), "--expect", str(expect),
    ]  # fmt: skip
    for family in ("subscriptions", "payments", "tickets", "surveys"):
        cmd += [f"--{family}", iso.topic(family)]
    log_path = workdir / "peer.log"
    result: dict[str, Any] | None = None
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE, stderr=log)
        try:
            assert proc.stdout is not None
            with Bar("peer (Quix Streams)", expect) as bar:
                while line := await asyncio.wait_for(proc.stdout.readline(), timeout=STALL_S):
                    msg = json.loads(line)
                    if "progress" in msg:
                        rate = msg["progress"] / (time.monotonic() - started)
                        bar.update(msg["progress"], f"{rate:,.0f}/s")
                    else:
                        result = msg["result"]
                    if time.monotonic() - started > timeout:
                        raise TimeoutError(f"the peer took more than {timeout:.0f} s")
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    if result is None or proc.returncode:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the peer failed (exit status {proc.returncode}):\n{tail}")
    return result


def cross_check(engine_metrics: str, figures: dict[str, Any]) -> dict[str, list[float]]:
    """Engine vs peer on the figures both compute: {name: [engine, peer]}.

    Money: the engine exports major units of the reporting currency; the peer sums
    minor units (every simulated currency has 2 digits), hence / 100.
    """
    out: dict[str, list[float]] = {}
    for plan, cents in sorted(figures["mrr_by_plan"].items()):
        out[f"mrr[{plan}]"] = [series_sum(engine_metrics, "cs_mrr{", where=f'plan="{plan}"'), cents / 100]
    for kind, cents in sorted(figures["movements"].items()):
        where = f'kind="{kind}"'
        out[f"mrr_movement_total[{kind}]"] = [
            series_sum(engine_metrics, "cs_mrr_movement_total{", where=where),
            cents / 100,
        ]
    frt = figures["first_response"]
    out["first_response_count"] = [
        series_sum(engine_metrics, "cs_first_response_seconds_count{"),
        frt["count"],
    ]
    out["first_response_sum_s"] = [series_sum(engine_metrics, "cs_first_response_seconds_sum{"), frt["sum"]]
    for touch, n in sorted(figures["touches"].items()):
        where = f'touch="{touch}"'
        out[f"tickets_resolved_30d[{touch}]"] = [
            series_sum(engine_metrics, "cs_tickets_resolved{", where=where + ',window="30d"')
            or series_sum(engine_metrics, "cs_tickets_resolved{", where=where),
            n,
        ]
    out["tickets_open"] = [series_sum(engine_metrics, "cs_tickets_open{"), figures["tickets_open"]]
    return out
