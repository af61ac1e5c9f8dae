"""Series stay additive across workers through rebalances and a kill -9.

Each worker exposes only the partitions it owns, read back from their checkpoints, so
`sum without (instance, partition)` over the workers equals the offline report of
the same events whatever happened to the workers in between, and the independent
batch references (tests/reference/) computed from the records read back.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from streams.engine.offline import OfflineRun
from tests.factories import event, raw
from tests.integration.conftest import produce_raw
from tests.integration.live_reference import check_live
from tests.integration.stack import owned_partitions, parse_metrics, scrape_sum, wait_for


def _burst(engine, start: int, customers: int) -> list[tuple[str, bytes | None, bytes, int | None]]:
    out = []
    for i in range(start, start + customers):
        c = f"cus_{i % 150}"
        minutes = i
        out.append(
            (
                engine.topic("subscriptions"),
                c.encode(),
                raw(event("subscription.updated", c, minutes, quantity=1 + i % 4)),
                None,
            )
        )
        out.append(
            (
                engine.topic("surveys"),
                c.encode(),
                raw(event("survey.responded", c, minutes, score=i % 11)),
                None,
            )
        )
        out.append((engine.topic("payments"), c.encode(), raw(event("payment.succeeded", c, minutes)), None))
    return out


def _families(engine) -> dict[str, str]:
    return {f: engine.topic(f) for f in ("subscriptions", "surveys", "payments")}


def _expected(engine, records) -> dict[str, float]:
    run = OfflineRun(engine.settings)
    run.feed_lines(value for _, _, value, _ in records)
    return run.series()


def _equal(got: dict[str, float], want: dict[str, float]) -> bool:
    keys = {k for k, v in got.items() if v} | {k for k, v in want.items() if v}
    return all(
        abs(got.get(k, 0.0) - want.get(k, 0.0)) <= 1e-6 * max(1.0, abs(want.get(k, 0.0))) for k in keys
    )


def _diff(got: dict[str, float], want: dict[str, float]) -> dict[str, tuple[float, float]]:
    keys = set(got) | set(want)
    return {
        k: (got.get(k, 0.0), want.get(k, 0.0))
        for k in sorted(keys)
        if abs(got.get(k, 0.0) - want.get(k, 0.0)) > 1e-6
    }


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_sum_across_workers_survives_rebalance_and_kill(engine_factory, store):
    engine = engine_factory(partitions=4, CSPULSE_STORE=store, CSPULSE_SESSION_TIMEOUT="8s")
    a = engine.start_worker("a")
    sent = _burst(engine, 0, 300)
    asyncio.run(produce_raw(sent))
    want = _expected(engine, sent)
    wait_for(lambda: _equal(scrape_sum([a]), want), 90, "worker a caught up", [a])

    b = engine.start_worker("b")
    wait_for(lambda: owned_partitions(a) and owned_partitions(b), 90, "partitions shared by a and b", [a, b])
    assert not owned_partitions(a) & owned_partitions(b), "a partition is exposed by two workers"
    wait_for(lambda: _equal(scrape_sum([a, b]), want), 60, "sum over a and b after rebalance", [a, b])

    more = _burst(engine, 300, 300)
    asyncio.run(produce_raw(more))
    want = _expected(engine, sent + more)
    wait_for(lambda: _equal(scrape_sum([a, b]), want), 60, "sum over a and b after more events", [a, b])

    a.kill()  # no goodbye: b must notice through the session timeout
    final = _burst(engine, 600, 300)
    asyncio.run(produce_raw(final))
    want = _expected(engine, sent + more + final)
    wait_for(lambda: owned_partitions(b) == {"0", "1", "2", "3"}, 90, "b owns every partition", [b])
    wait_for(
        lambda: _equal(scrape_sum([b]), want),
        90,
        "b alone has every event",
        [b],
        detail=lambda: f"got != want: {_diff(scrape_sum([b]), want)}\n{engine.group_lag()}",
    )
    got = scrape_sum([b])
    assert _diff(got, want) == {}
    check_live([b], _families(engine), {})
    # b took every partition over from a running or dead a: each one's sums were read
    # from its checkpoint, none rebuilt from every record
    recovered = _recovered(b, "subscriptions-state")
    assert recovered["checkpoint"] >= 4 and recovered["records"] == 0, recovered


def test_a_rocksdb_worker_restarts_from_its_local_files(engine_factory):
    """kill -9, then the same worker again (same data dir): the changelogs are not read
    again, only what the local files lack (nothing here), and the sums come from the
    checkpoints, equal to the report."""
    engine = engine_factory(partitions=2, CSPULSE_STORE="rocksdb://", CSPULSE_SESSION_TIMEOUT="6s")
    a = engine.start_worker("a")
    sent = _burst(engine, 0, 200)
    asyncio.run(produce_raw(sent))
    want = _expected(engine, sent)
    wait_for(lambda: _equal(scrape_sum([a]), want), 90, "worker a caught up", [a])
    assert _sample(a, "cspulse_changelog_records_restored_total", table="subscriptions-state") == 0
    # the sums show before the batch's changelog writes end (checkpoints and local offsets
    # last): a kill now would leave the restart those few records to read, which is right
    # but not what this test is about
    time.sleep(3)
    a.kill()
    again = engine.start_worker("a", port=a.port)
    owns_all = lambda: owned_partitions(again) == {"0", "1"}  # noqa: E731
    wait_for(owns_all, 90, "the restarted a owns every partition", [again])
    wait_for(lambda: _equal(scrape_sum([again]), want), 60, "the restarted a shows every event", [again])
    for table in ("subscriptions-state", "surveys-state", "health-state"):
        assert _sample(again, "cspulse_changelog_records_restored_total", table=table) == 0, table
    assert _recovered(again, "subscriptions-state") == {"checkpoint": 2, "records": 0}


def _sample(worker, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(worker.metrics_text())
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def _recovered(worker, table: str) -> dict[str, float]:
    out = {"checkpoint": 0.0, "records": 0.0}
    for family in text_string_to_metric_families(worker.metrics_text()):
        for sample in family.samples:
            if sample.name == "cspulse_partitions_recovered_total" and sample.labels["table"] == table:
                out[sample.labels["source"]] += sample.value
    return out


def test_kill_during_processing_loses_and_doubles_nothing(engine_factory):
    """kill -9 mid-burst: offsets uncommitted, changelog ahead; the restart skips what is in."""
    # commits far apart: everything processed before the kill is delivered again
    engine = engine_factory(partitions=2, CSPULSE_SESSION_TIMEOUT="6s", CSPULSE_COMMIT_INTERVAL="600")
    # the whole burst is in Kafka before the worker starts, so the kill lands mid-burst
    # however fast the worker is against the producer
    records = _burst(engine, 0, 20000)
    asyncio.run(produce_raw(records))
    want = _expected(engine, records)
    w = engine.start_worker("w")
    applied_key = f'cs_events_total{{outcome="applied",topic="{engine.topic("surveys")}"}}'

    def some_progress() -> bool:
        return parse_metrics(w.metrics_text()).get(applied_key, 0) > 200

    wait_for(some_progress, 90, "the worker started on the burst", [w])
    assert not _equal(scrape_sum([w]), want), "burst finished before the kill: make it larger"
    w.kill()
    time.sleep(1)
    again = engine.start_worker("w-again", port=w.port)
    wait_for(lambda: _equal(scrape_sum([again]), want), 120, "restarted worker caught up", [again])
    got = scrape_sum([again])
    assert _diff(got, want) == {}
    check_live([again], _families(engine), {})
    dupes = f'cs_events_total{{outcome="duplicate",topic="{engine.topic("surveys")}"}}'
    assert got.get(dupes, 0) == 0
    replayed = sum(
        float(line.rsplit(" ", 1)[1])
        for line in again.metrics_text().splitlines()
        if line.startswith("cspulse_replayed_skipped_total{")
    )
    assert replayed > 0, "the restart never met an already-applied record: the test proved nothing"
