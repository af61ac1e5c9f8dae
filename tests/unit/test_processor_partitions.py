"""Partitions come and go: a revoked one's sums are dropped, an assigned one's rebuilt."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.engine.build import build_engine
from streams.engine.offline import DictStore
from streams.settings import load_settings
from tests.factories import event, messages, raw

NOW = datetime(2026, 6, 2, tzinfo=UTC)


def test_drop_forgets_the_given_partitions_only() -> None:
    proc = build_engine(load_settings({"CSPULSE_PARTITIONS": "4"})).processors["surveys"]
    store = DictStore()
    for partition in (0, 1, 2):
        proc.process(
            partition, messages("cs.surveys", partition, [raw(event("survey.responded"))]), store, NOW
        )
    assert set(proc.sums) == {0, 1, 2}
    proc.drop([0, 2, 3])  # 3 was never ours: nothing to drop, no error
    assert set(proc.sums) == {1}
    proc.drop(iter([1]))
    assert proc.sums == {}


def test_rebuild_returns_the_number_of_records_read() -> None:
    proc = build_engine(load_settings({"CSPULSE_PARTITIONS": "1"})).processors["surveys"]
    store = DictStore()
    bodies = [event("survey.responded", customer=f"cus_{i}") for i in range(3)]
    proc.process(0, messages("cs.surveys", 0, [raw(b) for b in bodies]), store, NOW)
    fresh = build_engine(load_settings({"CSPULSE_PARTITIONS": "1"})).processors["surveys"]
    assert fresh.rebuild(store.items(), {0}) == 3
    assert fresh.rebuild(iter(()), {0}) == 0
