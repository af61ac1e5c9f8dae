"""A revoked partition's sums leave the processor (the worker drops them on revocation)."""

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
