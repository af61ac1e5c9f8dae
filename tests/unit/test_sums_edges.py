"""Partition sums at their edges, found by the mutation run (tests/mutation/RESULTS.md):
the bucket of short windows and of windows that are no multiple of 24, the horizon as
the oldest second a window still sees, the clock of a partition that applied nothing,
and a zero added where nothing was."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from streams.engine.build import build_engine
from streams.engine.offline import DictStore
from streams.exposition import SumsCollector
from streams.metrics.aggregate import PartitionSums, bucket_size
from streams.metrics.base import add, series, slot_of
from streams.settings import load_settings
from tests.factories import messages

DAY = 86400


def test_a_bucket_is_a_whole_twenty_fourth_of_the_window_and_at_least_a_second() -> None:
    # CONTRACT: the allowed boundary error is one bucket of W/24 (whole seconds)
    assert [bucket_size(w) for w in (24, 47, 48, 100, 3600, 30 * DAY)] == [1, 1, 2, 4, 150, 108000]
    assert all(type(bucket_size(w)) is int for w in (24, 100))


def test_the_horizon_is_the_oldest_second_the_widest_window_still_sees() -> None:
    sums = PartitionSums({"30d": 30 * DAY})
    clock = 100 * 108000 + 5  # 30d buckets are 30 h (108000 s)
    key = series("cs_x")
    sums.add({(slot_of(key), 8316000): 1, (slot_of(key), 8315999): 10})
    sums.advance(clock)
    # the window reads buckets above (clock - W) // size = 76: from second 77 * 108000
    assert sums.horizon() == 8316000
    assert sums.read() == {(key[0], (("window", "30d"),)): 1}


def test_a_partition_that_applied_nothing_has_no_clock_to_show() -> None:
    proc = build_engine(load_settings({"CSPULSE_PARTITIONS": "1"})).processors["surveys"]
    proc.process(0, messages("cs.surveys", 0, [b"{not json"]), DictStore(), datetime(2026, 6, 2, tzinfo=UTC))
    assert proc.sums[0].clock == 0
    registry = CollectorRegistry()
    registry.register(SumsCollector([proc]))
    assert (
        registry.get_sample_value(
            "cs_deadletter_total", {"partition": "0", "topic": "cs.surveys", "reason": "malformed_json"}
        )
        == 1
    )
    assert (
        registry.get_sample_value(
            "cs_last_event_timestamp_seconds", {"partition": "0", "topic": "cs.surveys"}
        )
        is None
    )


def test_adding_zero_where_nothing_was_keeps_nothing() -> None:
    target: dict[str, int] = {}
    add(target, "k", 0)
    assert target == {}
    add(target, "k", 2)
    add(target, "k", -2)
    assert target == {}
