"""Run `cspulse report --from-topics --json` the way a user would, and compare."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import orjson

from tests.integration.stack import NOT_STATE, WorkerProcess, scrape_sum, wait_for


def report_from_topics(env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "streams.cli", "report", "--from-topics", "--json"],
        env={**os.environ, **env},
        capture_output=True,
        check=True,
        timeout=600,
    )
    series: dict[str, float] = orjson.loads(out.stdout)
    return {k: v for k, v in series.items() if not k.startswith(NOT_STATE)}


def simulate(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "streams.cli", "simulate", "--no-progress", *args],
        env={**os.environ, **env},
        capture_output=True,
        check=True,
        timeout=600,
    )


def differences(got: dict[str, float], want: dict[str, float], prefixes: tuple[str, ...] = ("cs_",)) -> dict:
    keys = {k for k in set(got) | set(want) if k.startswith(prefixes)}
    out = {}
    for k in sorted(keys):
        a, b = got.get(k, 0.0), want.get(k, 0.0)
        if abs(a - b) > 1e-6 * max(1.0, abs(b)):
            out[k] = (a, b)
    return out


def wait_until_equal(
    workers: list[WorkerProcess],
    want: dict[str, float],
    timeout: float,
    what: str = "the sum over the workers to equal the report",
    lag: Callable[[], str] | None = None,
) -> dict[str, float]:
    """Wait until `/metrics` summed over `workers` equals `want`; the sum it last saw.

    On a timeout the message lists every differing series, then `lag()` (e.g. the group's
    committed offsets) and the workers' log tails."""

    def detail() -> str:
        extra = f"\n{lag()}" if lag is not None else ""
        return f"got != want: {differences(scrape_sum(workers), want)}{extra}"

    wait_for(lambda: differences(scrape_sum(workers), want) == {}, timeout, what, workers, detail=detail)
    return scrape_sum(workers)
