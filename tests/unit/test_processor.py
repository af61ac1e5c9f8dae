"""The engine step: routing, dedupe, staleness, idempotent replays, rebuild."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.engine.build import build_engine
from streams.engine.offline import DictStore
from streams.engine.partitioning import partition_for
from streams.engine.processor import FamilyProcessor
from streams.settings import load_settings
from tests.factories import event, messages, raw

NOW = datetime(2026, 6, 2, tzinfo=UTC)
SURVEYS = "cs.surveys"


def _engine(partitions: int = 1):
    return build_engine(load_settings({"CSPULSE_PARTITIONS": str(partitions)}))


def _read(proc: FamilyProcessor, partition: int = 0) -> dict:
    return {(n, lab): v for (n, lab), v in proc.sums[partition].read().items()}


def _value(proc: FamilyProcessor, name: str, partition: int = 0, **labels: str) -> int:
    want = tuple(sorted(labels.items()))
    return sum(
        v for (n, lab), v in proc.sums[partition].read().items() if n == name and all(x in lab for x in want)
    )


def test_duplicates_change_nothing_but_the_duplicate_count():
    proc = _engine().processors["surveys"]
    store = DictStore()
    body = event("survey.responded", event_id="e1")
    proc.process(0, messages(SURVEYS, 0, [raw(body), raw(body)]), store, NOW)
    assert _value(proc, "cs_survey_responses_total", survey="nps", rating="promoter") == 1
    assert _value(proc, "cs_events_total", outcome="applied") == 1
    assert _value(proc, "cs_events_total", outcome="duplicate") == 1


def test_replayed_offsets_are_skipped_after_a_crash():
    proc = _engine().processors["surveys"]
    store = DictStore()
    batch = messages(SURVEYS, 0, [raw(event("survey.responded")) for _ in range(3)])
    first = proc.process(0, batch, store, NOW)
    # the worker died before committing: the same offsets come again
    again = proc.process(0, batch, store, NOW)
    assert _value(proc, "cs_events_total", outcome="applied") == 3
    assert _value(proc, "cs_events_total", outcome="duplicate") == 0
    # not applied again, but handed back for serving (a write lost in the crash is redone)
    assert (again.applied, again.replayed) == ([], 3)
    assert [e.event_id for e in again.redelivered] == [e.event_id for e in first.applied]


def test_rebuild_from_store_equals_running_sums():
    engine = _engine()
    proc = engine.processors["subscriptions"]
    store = DictStore()
    values = [
        raw(event("subscription.created", minutes=0)),
        raw(event("subscription.updated", minutes=10, quantity=3)),
        raw(event("subscription.updated", minutes=5, quantity=2)),  # stale
        raw(event("subscription.canceled", minutes=20, status="canceled")),
        b"{not json",
    ]
    proc.process(0, messages("cs.subscriptions", 0, values), store, NOW)
    live = _read(proc)
    assert _value(proc, "cs_events_total", outcome="stale") == 1
    assert _value(proc, "cs_deadletter_total", reason="malformed_json") == 1
    fresh = _engine().processors["subscriptions"]
    fresh.rebuild(store.items(), {0})
    assert _read(fresh) == live
    assert fresh.sums[0].clock == proc.sums[0].clock


def test_rebuild_ignores_partitions_not_owned():
    proc = _engine(partitions=4).processors["surveys"]
    store = DictStore()
    by_partition: dict[int, list[bytes]] = {}
    for i in range(40):
        body = event("survey.responded", customer=f"cus_{i}")
        by_partition.setdefault(partition_for(body["customer_id"], 4), []).append(raw(body))
    for p, values in by_partition.items():
        proc.process(p, messages(SURVEYS, p, values), store, NOW)
    fresh = _engine(partitions=4).processors["surveys"]
    fresh.rebuild(store.items(), {1, 3})
    assert set(fresh.sums) == {1, 3}
    for p in (1, 3):
        assert _read(fresh, p) == _read(proc, p)


def test_wrong_partition_is_rekeyed_not_applied():
    proc = _engine(partitions=4).processors["surveys"]
    body = event("survey.responded", customer="cus_7")
    owner = partition_for("cus_7", 4)
    other = (owner + 1) % 4
    result = proc.process(other, messages(SURVEYS, other, [raw(body)]), DictStore(), NOW)
    assert [(r.customer_id, r.partition) for r in result.rekeys] == [("cus_7", owner)]
    assert _value(proc, "cs_events_total", partition=other) == 0


def test_rejections_are_counted_once_per_offset():
    proc = _engine().processors["payments"]
    store = DictStore()
    bad = [
        b"[1,2]",
        raw(event("payment.succeeded", amount_minor=-5)),
        raw(event("payment.failed", currency="XXX")),
    ]
    batch = messages("cs.payments", 0, bad)
    first = proc.process(0, batch, store, NOW)
    again = proc.process(0, batch, store, NOW)
    assert [d.reason for d in first.deadletters] == [
        "schema_violation",
        "schema_violation",
        "unknown_currency",
    ]
    assert again.deadletters == []
    assert _value(proc, "cs_deadletter_total", reason="schema_violation") == 2
    fresh = _engine().processors["payments"]
    fresh.rebuild(store.items(), {0})
    assert _read(fresh) == _read(proc)
