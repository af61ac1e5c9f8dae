"""A stored record costs about its length: the memory store keeps these bytes for hours."""

from __future__ import annotations

import tracemalloc

from streams.engine.records import DeadletterRecord, Record


def _state() -> dict[str, object]:
    return {"subs": {f"sub_{i}": {"mrr": 12_345 * i, "plan": "pro", "status": "active"} for i in range(3)}}


def test_dumped_records_hold_no_spare_buffer():
    record = Record(partition=1, state=_state(), offsets={"cs.subscriptions": 42}, seen={"evt_1": 1700000000})
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [record.dumps(lambda s: s) for _ in range(1000)]
        kept += [DeadletterRecord(0, {"cs.payments": 7}, {"schema_invalid": 3}).dumps() for _ in range(1000)]
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    payload = sum(len(b) for b in kept)
    # orjson's own result keeps a ~4 KiB allocation per value: that would be > 8 MB here
    assert grown < 2 * payload + 200_000, (grown, payload)


def test_round_trip():
    record = Record(partition=3, state=_state(), offsets={"t": 9}, seen={"e": 1}, counts=[1, 2, 3], clock=5)
    back = Record.loads(record.dumps(lambda s: s), lambda d: d)
    assert back == record


def test_integers_beyond_64_bits_round_trip_exactly() -> None:
    from streams.engine.records import dumps, loads

    big = {"t": [2**70 + 1, -(2**65)], "small": 3}
    raw = dumps(big)
    assert raw.startswith(b"J") and loads(raw) == big  # json module, exact
    assert loads(dumps({"t": [1]})) == {"t": [1]} and not dumps({"t": [1]}).startswith(b"J")


def test_records_are_messagepack_and_records_of_format_1_still_load() -> None:
    import orjson

    from streams.engine.records import dumps, loads

    record = Record(partition=3, state=_state(), offsets={"t": 9}, seen={"e": 1}, counts=[1, 2, 3], clock=5)
    packed = record.dumps(lambda s: s)
    assert packed[:1] == b"\x02"
    # what 0.1 wrote (JSON by orjson) restores to the same record: existing changelogs load
    format_1 = orjson.dumps({"p": 3, "o": {"t": 9}, "s": {"e": 1}, "n": [1, 2, 3], "c": 5, "d": _state()})
    assert Record.loads(format_1, lambda d: d) == record == Record.loads(packed, lambda d: d)
    assert len(packed) < 0.8 * len(format_1)
    dead = DeadletterRecord(0, {"cs.payments": 7}, {"schema_invalid": 3})
    assert (
        DeadletterRecord.loads(orjson.dumps({"p": 0, "o": {"cs.payments": 7}, "r": {"schema_invalid": 3}}))
        == dead
    )
    assert loads(dumps([2**64 - 1, -(2**63)])) == [2**64 - 1, -(2**63)]  # the ends MessagePack holds
