"""Partition sums checkpoints: read back equal, refused when another version or other
windows wrote them, and never trusted over records that came after them."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.engine.build import build_engine
from streams.engine.checkpoint import checkpoint_key
from streams.engine.offline import DictStore
from streams.engine.records import dumps, loads
from streams.settings import load_settings
from tests.factories import event, messages, raw

NOW = datetime(2026, 6, 2, tzinfo=UTC)
TOPIC = "cs.subscriptions"


def _processor(**env: str):
    return build_engine(load_settings({"CSPULSE_PARTITIONS": "1", **env})).processors["subscriptions"]


def _fed() -> tuple[object, DictStore]:
    proc = _processor()
    store = DictStore()
    values = [
        raw(event("subscription.created", minutes=0)),
        raw(event("subscription.updated", minutes=10, quantity=3)),
        raw(event("subscription.canceled", minutes=20, status="canceled")),
        b"{not json",
    ]
    proc.process(0, messages(TOPIC, 0, values), store, NOW)
    return proc, store


def test_a_recovered_partition_reads_its_checkpoint_and_continues_alike():
    live, store = _fed()
    fresh = _processor()
    assert fresh.recover(store, {0}) == set()
    assert fresh.sums[0].read() == live.sums[0].read()
    assert fresh.sums[0].clock == live.sums[0].clock
    more = messages(TOPIC, 0, [raw(event("subscription.created", customer="cus_2", minutes=30))], start=4)
    copy = DictStore(store)
    live.process(0, more, store, NOW)
    fresh.process(0, more, copy, NOW)
    assert fresh.sums[0].read() == live.sums[0].read()


def test_a_checkpoint_of_another_version_or_other_windows_is_rebuilt_over():
    live, store = _fed()
    stale = loads(store[checkpoint_key(0)])
    stale["v"] = "cspulse 0.0.9 sums 1"
    store[checkpoint_key(0)] = dumps(stale)
    fresh = _processor()
    assert fresh.recover(store, {0}) == {0}
    assert fresh.sums[0].read() == live.sums[0].read()
    _, store = _fed()
    other = _processor(CSPULSE_WINDOWS="1h,24h")
    assert other.recover(store, {0}) == {0}


def test_a_partition_without_a_checkpoint_is_rebuilt_and_others_are_not_read():
    live, store = _fed()
    del store[checkpoint_key(0)]
    fresh = _processor()
    assert fresh.recover(store, {0}) == {0}
    assert fresh.sums[0].read() == live.sums[0].read()


def test_records_ahead_of_the_checkpoint_rebuild_the_partition_when_their_batch_comes_again():
    proc, store = _processor(), DictStore()
    first = messages(TOPIC, 0, [raw(event("subscription.created", minutes=0))])
    second = messages(TOPIC, 0, [raw(event("subscription.created", customer="cus_2", minutes=5))], start=1)
    proc.process(0, first, store, NOW)
    older = store[checkpoint_key(0)]
    proc.process(0, second, store, NOW)
    want = proc.sums[0].read()
    store[checkpoint_key(0)] = older  # the second batch's checkpoint never landed
    fresh = _processor()
    fresh.recover(store, {0})
    assert fresh.sums[0].read() != want  # the checkpoint alone misses the second batch
    fresh.process(0, second, store, NOW)  # not committed: it comes again
    assert fresh.sums[0].read() == want


def test_each_series_is_written_once_however_many_checkpoints_were_taken():
    # positions of series keys are kept from one snapshot to the next (a checkpoint goes
    # with every batch): a series must not be listed again each time
    live, _ = _fed()
    first = live.sums[0].snapshot()
    again = live.sums[0].snapshot()
    assert len(again["k"]) == len(first["k"]) == len({repr(k) for k in first["k"]})
    assert again["t"] == first["t"]


def test_checkpointed_buckets_are_whole_numbers():
    live, _ = _fed()
    cells = [cell for grid in live.sums[0].snapshot()["g"].values() for cell in grid]
    assert cells and all(type(index) is int for _, index, _ in cells)
