"""Issue 12: hostile records through a live worker on the real broker.

The unit test (tests/unit/test_hostile_input.py) feeds Hypothesis-generated hostile
records to the engine in-process; here the same generator's records are produced to the
topics of a running worker: random bytes, random JSON, valid events with one field
broken, 1 MB strings, deep nesting, NaN and infinities, numbers beyond 2^63, timestamps
at the ends of the calendar, wrong types. Every record must end applied, duplicate,
stale or dead-lettered with a known reason (received = applied + duplicate + stale +
dead-lettered), the worker must keep serving, and its memory must stay bounded.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from schemas.decode import REASONS
from schemas.events import FAMILIES
from tests.integration.conftest import EngineHarness, produce_raw
from tests.integration.stack import WorkerProcess, parse_metrics, wait_for
from tests.unit.test_hostile_input import EDGE_TIMES, NASTY_TEXT, _ticket, hostile

pytestmark = pytest.mark.integration

RSS_GROWTH_LIMIT = 300 * 2**20  # a worker holding these few customers must not grow past this


def rss(worker: WorkerProcess) -> int:
    assert worker.proc is not None
    for line in Path(f"/proc/{worker.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def outcomes(worker: WorkerProcess) -> tuple[float, set[str]]:
    series = parse_metrics(worker.metrics_text())
    counted = sum(v for k, v in series.items() if k.startswith(("cs_events_total{", "cs_deadletter_total{")))
    reasons = {k.split('reason="')[1].split('"')[0] for k in series if k.startswith("cs_deadletter_total{")}
    return counted, reasons


@st.composite
def batches(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    families = st.sampled_from(sorted(FAMILIES))
    return [(f := draw(families), draw(hostile(f, n))) for n in range(draw(st.integers(20, 60)))]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    harness = EngineHarness(tmp_path_factory.mktemp("hostile"), partitions=2)
    worker = harness.start_worker("w")
    wait_for(lambda: bool(worker.metrics_text()), 60, "the worker to serve /metrics", [worker])
    state = {"harness": harness, "worker": worker, "sent": 0, "rss0": rss(worker)}
    yield state
    harness.close()


SENT = itertools.count()


@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@example(records=[_ticket(t) for t in EDGE_TIMES])
@example(records=[("surveys", raw) for raw in NASTY_TEXT])
@given(records=batches())
def test_every_hostile_record_is_accounted_for_by_a_live_worker(
    live, records: list[tuple[str, bytes]]
) -> None:  # type: ignore[no-untyped-def]
    harness: EngineHarness = live["harness"]
    worker: WorkerProcess = live["worker"]
    topics = {family: harness.topic(family) for family in FAMILIES}
    # no key: the worker must place (re-key) or reject each record itself
    asyncio.run(produce_raw([(topics[family], None, raw, None) for family, raw in records]))
    live["sent"] += len(records)
    expected = live["sent"]
    wait_for(lambda: outcomes(worker)[0] == expected, 90, f"{expected} records accounted for", [worker],
             detail=lambda: f"accounted for {outcomes(worker)[0]} of {expected}")  # fmt: skip
    counted, reasons = outcomes(worker)
    assert counted == expected and reasons <= set(REASONS)
    assert worker.proc is not None and worker.proc.poll() is None, worker.log_tail()
    assert rss(worker) - live["rss0"] < RSS_GROWTH_LIMIT, f"RSS grew by {rss(worker) - live['rss0']:,} bytes"
