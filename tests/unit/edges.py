"""Hypothesis pieces that seek the edges, and a driver through the engine step.

Times sit on a lattice anchored at `BASE`, an instant every window's buckets align
with, so events land exactly on window starts, bucket edges, the dedupe horizon and
the prune horizon of a clock that is itself on the lattice; some carry a sub-second
part. Streams get exact duplicates (also of events that turn out stale, and after
the dedupe horizon), bad records (some sharing an `event_id` with a valid event)
and batch cuts, and run through `FamilyProcessor.process` like a worker's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import strategies as st

from streams.engine.build import build_engine
from streams.engine.checkpoint import checkpoint_key
from streams.engine.messages import Message
from streams.engine.offline import DictStore
from streams.engine.processor import FamilyProcessor
from streams.metrics.base import SeriesKey
from streams.settings import load_settings
from tests.reference.common import Expected, Record, Rejected, differences

DAY = 86400
# 35 days: a multiple of every bucket (150 s, 1 h, 7 h, 30 h) and of a day
LATTICE = 35 * DAY
BASE_SECONDS = 562 * LATTICE  # 2023-11-09T00:00:00Z
BASE = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=BASE_SECONDS)
NOW = datetime(2030, 1, 1, tzinfo=UTC)  # the worker's wall clock: every valid event is in its past
UNITS = (1, 150, 3600, 25200, 108000, DAY, 7 * DAY, 30 * DAY)
SUB_SECOND = (0, 0, 0, 0, 1, 500_000, 999_999)
# how late a record arrives: mostly in order, some just past a horizon
DELAYS = (0, 0, 0, 0, 0, 60, 7200, 3 * DAY, 7 * DAY, 7 * DAY + 1, 20 * DAY)


CHECKPOINT = checkpoint_key(0)


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def offsets(span: int) -> st.SearchStrategy[int]:
    """Seconds after BASE within [0, span], mostly on the lattice of bucket edges."""
    lattice = st.builds(
        lambda k, unit, jitter: min(span, max(0, k * unit + jitter)),
        st.integers(0, 40),
        st.sampled_from(UNITS),
        st.sampled_from([0, 0, 0, -1, 1]),
    )
    return st.one_of(lattice, lattice, st.integers(0, span))


def moments(span: int) -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda s, us: BASE + timedelta(seconds=s, microseconds=us),
        offsets(span),
        st.sampled_from(SUB_SECOND),
    )


def arrival_order(rows: list[dict[str, Any]], delays: Sequence[int]) -> list[dict[str, Any]]:
    """Each row arrives `delay` seconds after it occurred (stable for ties)."""
    order = sorted(
        range(len(rows)),
        key=lambda i: datetime.fromisoformat(rows[i]["occurred_at"]) + timedelta(seconds=delays[i]),
    )
    return [rows[i] for i in order]


def bad_records(family: str, valid: Mapping[str, Any]) -> list[tuple[Rejected, bytes]]:
    """One record per dead-letter reason, built around a valid event (same event_id)."""
    body = dict(valid)
    out = [
        (Rejected("malformed_json"), b'{"event_id": "' + str(body["event_id"]).encode() + b'", '),
        (Rejected("schema_violation"), orjson.dumps({**body, "customer_id": ""})),
        (Rejected("unknown_type"), orjson.dumps({**body, "type": f"{family}.exploded"})),
        (
            Rejected("future_timestamp"),
            orjson.dumps({**body, "occurred_at": stamp(NOW + timedelta(days=1))}),
        ),
    ]
    if "currency" in body:
        out.append((Rejected("unknown_currency"), orjson.dumps({**body, "currency": "CHF"})))
        out.append((Rejected("schema_violation"), orjson.dumps({**body, "amount_minor": -5})))
    return out


# Shifts of a "pusher" (a copy of an event under a new id, that much later) that take
# the clock exactly to the dedupe horizon of the original, to the prune horizon and
# window start of a bucket-aligned original, or to a first-response target.
HORIZON_SHIFTS = (7 * DAY, 7 * DAY + 1, 30 * DAY - 1, 30 * DAY, 3600, DAY)
TARGET_SHIFTS = (3600, 14400, DAY, 2 * DAY, 7 * DAY, 7 * DAY + 1)


@st.composite
def mixed(
    draw: st.DrawFn, rows: list[dict[str, Any]], family: str, shifts: Sequence[int] = HORIZON_SHIFTS
) -> list[tuple[Record, bytes]]:
    """`rows` (in arrival order) with exact duplicates, pushers and bad records mixed in."""
    out: list[tuple[Record, bytes]] = [(row, orjson.dumps(row)) for row in rows]
    if not rows:
        return out

    def position(row: dict[str, Any]) -> int:
        return next(n for n, (r, _) in enumerate(out) if r is row)

    for k in range(draw(st.integers(0, 2))):
        row = draw(st.sampled_from(rows))
        moment = datetime.fromisoformat(row["occurred_at"]) + timedelta(seconds=draw(st.sampled_from(shifts)))
        if draw(st.booleans()):
            moment = moment.replace(microsecond=0)
        pusher = {**row, "event_id": f"{row['event_id']}-push{k}", "occurred_at": stamp(moment)}
        at = draw(st.integers(position(row) + 1, len(out)))
        out.insert(at, (pusher, orjson.dumps(pusher)))
        if draw(st.booleans()):  # and the original again, right after
            out.insert(at + 1, (row, orjson.dumps(row)))
    for _ in range(draw(st.integers(0, max(1, len(rows) // 3)))):
        row = draw(st.sampled_from(rows))
        # a copy after the original: soon, or much later (possibly past the horizon)
        out.insert(draw(st.integers(position(row) + 1, len(out))), (row, orjson.dumps(row)))
    for _ in range(draw(st.integers(0, 3))):
        bad = draw(st.sampled_from(bad_records(family, draw(st.sampled_from(rows)))))
        out.insert(draw(st.integers(0, len(out))), bad)
    return out


def cuts(n: int) -> st.SearchStrategy[list[int]]:
    """Batch boundaries: one batch, or several of random sizes."""
    return st.lists(st.integers(1, max(1, n - 1)), max_size=4).map(lambda c: sorted(set(c)))


@dataclass
class Run:
    processor: FamilyProcessor
    store: DictStore
    topic: str
    batches: list[list[Message]] = field(default_factory=list)
    #: the partition's checkpoint as it was before each batch (None: none yet)
    checkpoints: list[bytes | None] = field(default_factory=list)

    def read(self) -> dict[SeriesKey, int]:
        return self.processor.sums[0].read()

    @property
    def clock(self) -> int:
        return self.processor.sums[0].clock


def engine_env(**extra: str) -> dict[str, str]:
    return {"CSPULSE_PARTITIONS": "1", **extra}


def run(
    family: str, records: Sequence[tuple[Record, bytes]], batch_cuts: Sequence[int], env: Mapping[str, str]
) -> Run:
    """Process the raw records in batches on partition 0, like a worker would."""
    engine = build_engine(load_settings(dict(env)))
    proc = engine.processors[family]
    topic = load_settings(dict(env)).family_topics[family]
    store = DictStore()
    bounds = [0, *[c for c in batch_cuts if 0 < c < len(records)], len(records)]
    offset = 0
    done = Run(proc, store, topic)
    for lo, hi in itertools.pairwise(bounds):
        batch = [Message(topic, 0, offset + i, None, raw) for i, (_, raw) in enumerate(records[lo:hi])]
        done.batches.append(batch)
        done.checkpoints.append(store.get(CHECKPOINT))
        result = proc.process(0, batch, store, NOW)
        expected_bad = [r.reason for r, _ in records[lo:hi] if isinstance(r, Rejected)]
        assert [d.reason for d in result.deadletters] == expected_bad
        offset += hi - lo
    return done


def rebuilt(family: str, finished: Run, env: Mapping[str, str]) -> Run:
    """A fresh worker's sums rebuilt from the finished run's store."""
    engine = build_engine(load_settings(dict(env)))
    proc = engine.processors[family]
    proc.rebuild(finished.store.items(), {0})
    return Run(proc, finished.store, finished.topic)


def recovered(family: str, finished: Run, env: Mapping[str, str]) -> Run:
    """A fresh worker's sums read from the checkpoint in the finished run's store."""
    proc = build_engine(load_settings(dict(env))).processors[family]
    assert proc.recover(finished.store, {0}) == set()  # read, not rebuilt
    return Run(proc, finished.store, finished.topic)


def crashed(family: str, finished: Run, env: Mapping[str, str]) -> Run:
    """The last batch's records landed, its checkpoint did not, its offsets were not
    committed: a fresh worker recovers the older checkpoint and gets the batch again."""
    store = DictStore(finished.store)
    before = finished.checkpoints[-1]
    if before is None:
        del store[CHECKPOINT]
    else:
        store[CHECKPOINT] = before
    proc = build_engine(load_settings(dict(env))).processors[family]
    proc.recover(store, {0})
    proc.process(0, finished.batches[-1], store, NOW)
    return Run(proc, store, finished.topic)


def check(
    family: str,
    records: Sequence[tuple[Record, bytes]],
    batch_cuts: Sequence[int],
    env: Mapping[str, str],
    expected: Expected,
) -> Run:
    """Engine running sums, and sums rebuilt from the store, against the reference
    and against each other."""
    live = run(family, records, batch_cuts, env)
    assert live.clock == expected.clock
    assert differences(live.read(), expected) == []
    again = rebuilt(family, live, env)
    assert again.clock == expected.clock
    assert differences(again.read(), expected) == []
    # a restart reproduces the same numbers, not just numbers within the tolerance
    assert again.read() == live.read()
    for restarted in (recovered(family, live, env), crashed(family, live, env)):
        assert restarted.clock == live.clock
        assert restarted.read() == live.read()
    return live
