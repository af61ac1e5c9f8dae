"""What one table record holds: a customer's domain state plus the engine's bookkeeping.

The bookkeeping lives in the same value as the state it guards, so a record is
written as one changelog message and can never be half-applied:
- `offsets`: last source offset applied per input topic; a replay after a crash
  (changelog written, offset not yet committed) skips what is already in.
- `seen`: event ids with their event time, for the dedupe horizon.
- `counts`: applied / duplicate / stale, exported as `cs_events_total`.
- `clock`: latest event time applied to this record (rebuilds the partition clock).

Format (the first byte says which): `\x02` + MessagePack (format 2, since 0.2: smaller
and cheaper than JSON); `J` + JSON by the json module (a record holding an integer
beyond 64 bits, which MessagePack cannot carry); anything else is format 1, the JSON
records of earlier versions, still read, so existing changelogs restore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from streams.metrics.base import Outcome

OUTCOMES = tuple(str(o) for o in Outcome)


_BIG = b"J"  # marks a record with an integer beyond 64 bits, written by the json module
_PACKED = b"\x02"  # marks a MessagePack record (format 2)
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder().decode


def dumps(obj: Any) -> bytes:
    try:
        return _PACKED + _encode(obj)  # one exact-size copy: the store keeps its length only
    except OverflowError:
        # an integer beyond 64 bits (hostile amounts add up): MessagePack cannot hold it,
        # so such a record is written exactly by the json module
        return _BIG + json.dumps(obj, separators=(",", ":")).encode()


def loads(raw: bytes) -> Any:
    head = raw[:1]
    if head == _PACKED:
        return _decode(memoryview(raw)[1:])
    return json.loads(raw[1:]) if head == _BIG else orjson.loads(raw)  # format 1: JSON


@dataclass(slots=True)
class Record:
    partition: int
    state: Any
    offsets: dict[str, int] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])
    clock: int = 0

    def dumps(self, dump_state: Any) -> bytes:
        return dumps(
            {
                "p": self.partition,
                "o": self.offsets,
                "s": self.seen,
                "n": self.counts,
                "c": self.clock,
                "d": dump_state(self.state),
            }
        )

    @classmethod
    def loads(cls, raw: bytes, load_state: Any) -> Record:
        obj = loads(raw)
        return cls(
            partition=obj["p"],
            state=load_state(obj["d"]),
            offsets=obj["o"],
            seen=obj["s"],
            counts=obj["n"],
            clock=obj["c"],
        )


@dataclass(slots=True)
class DeadletterRecord:
    """Per-partition rejection counts (key `DEADLETTER_KEY % partition`)."""

    partition: int
    offsets: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)

    def dumps(self) -> bytes:
        return dumps({"p": self.partition, "o": self.offsets, "r": self.reasons})

    @classmethod
    def loads(cls, raw: bytes) -> DeadletterRecord:
        obj = loads(raw)
        return cls(partition=obj["p"], offsets=obj["o"], reasons=obj["r"])


CUSTOMER_PREFIX = b"c:"


def customer_key(customer_id: str) -> bytes:
    return CUSTOMER_PREFIX + customer_id.encode()


def deadletter_key(partition: int) -> bytes:
    return b"\x00deadletter:%d" % partition
