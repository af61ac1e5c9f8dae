"""What every batch reference shares: exact time, CONTRACT 5 intake, window read-outs.

The references in this package are written from CONTRACT.md and the README's
"Definitions", never from the engine: they import nothing from `streams/` or
`schemas/` (tests/unit/test_reference_independence.py enforces it). They read events
as the JSON objects a producer sends, keep every time as an exact `Fraction` of epoch
seconds, and evaluate windows by their definition, `(T - W, T]`, not by buckets.

Choices of the engine the references follow because the README documents them:
- the partition clock has one-second resolution: `T` = the latest `occurred_at`
  applied on the partition, truncated to the whole second;
- an `event_id` is remembered per customer and topic; it is a duplicate while its
  first (non-duplicate, valid) copy's second is at or after `T - horizon`, whether
  that copy was applied or stale. A copy older than that is processed as new.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WINDOWS = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
DEDUPE_HORIZON = 7 * 86400
INTAKE_SERIES = ("cs_events_total", "cs_deadletter_total")

Labels = tuple[tuple[str, str], ...]
Key = tuple[str, Labels]


def key(name: str, **labels: str) -> Key:
    return (name, tuple(sorted(labels.items())))


def instant(text: str) -> Fraction:
    """Exact epoch seconds of an RFC 3339 timestamp (microsecond precision)."""
    delta = datetime.fromisoformat(text) - EPOCH
    return Fraction(delta.days * 86400 + delta.seconds) + Fraction(delta.microseconds, 10**6)


def micros(seconds: Fraction) -> int:
    """Exact microseconds of an instant or a span given in seconds."""
    value = seconds * 10**6
    assert value.denominator == 1, seconds
    return int(value)


@dataclass(frozen=True)
class Rejected:
    """A record the producer knows is bad: it must be dead-lettered for `reason`."""

    reason: str


Record = Mapping[str, Any] | Rejected


@dataclass
class Expected:
    """What one topic's series must read at clock `clock`.

    `current`: series without a window; `points`: (key, exact time, value) of windowed
    series; `dues`: (key, deadline, value) counted once the clock reaches the deadline.
    """

    clock: int = 0
    current: dict[Key, int] = field(default_factory=dict)
    points: list[tuple[Key, Fraction, int]] = field(default_factory=list)
    dues: list[tuple[Key, Fraction, int]] = field(default_factory=list)

    def add(self, name: str, value: int, **labels: str) -> None:
        k = key(name, **labels)
        self.current[k] = self.current.get(k, 0) + value

    def point(self, name: str, at: Fraction, value: int, **labels: str) -> None:
        self.points.append((key(name, **labels), at, value))

    def due(self, name: str, deadline: Fraction, value: int, **labels: str) -> None:
        self.dues.append((key(name, **labels), deadline, value))

    def now(self, clock: int | None = None) -> dict[Key, int]:
        """The unwindowed series at `clock` (default: the reference's own clock)."""
        at = self.clock if clock is None else clock
        out = dict(self.current)
        for k, deadline, value in self.dues:
            if at >= deadline:
                out[k] = out.get(k, 0) + value
        return {k: v for k, v in out.items() if v}

    def between(self, low: Fraction, high: Fraction) -> dict[Key, int]:
        """Sum of the points with `low < at <= high`."""
        out: dict[Key, int] = {}
        for k, at, value in self.points:
            if low < at <= high:
                out[k] = out.get(k, 0) + value
        return out

    def domain_only(self) -> Expected:
        """Without the intake's counts: what a domain replayed on its own contributes."""
        current = {k: v for k, v in self.current.items() if k[0] not in INTAKE_SERIES}
        return Expected(self.clock, current, list(self.points), list(self.dues))

    def edge(self, low: Fraction, high: Fraction) -> bool:
        return any(low < at <= high for _, at, _ in self.points)


class Intake:
    """CONTRACT 4 and 5 for one topic on one partition: dead letters, dedupe, clock."""

    def __init__(self, topic: str, horizon: int = DEDUPE_HORIZON) -> None:
        self.topic = topic
        self.horizon = horizon
        self.latest: Fraction | None = None
        self.seen: dict[tuple[str, str], int] = {}
        self.outcomes: dict[str, int] = {}
        self.reasons: dict[str, int] = {}

    @property
    def clock(self) -> int:
        return 0 if self.latest is None else math.floor(self.latest)

    def admit(self, record: Record) -> Mapping[str, Any] | None:
        """The event if it reaches its domain; None if dead-lettered or a duplicate."""
        if isinstance(record, Rejected):
            self.reasons[record.reason] = self.reasons.get(record.reason, 0) + 1
            return None
        ident = (record["customer_id"], record["event_id"])
        first = self.seen.get(ident)
        if first is not None and first >= self.clock - self.horizon:
            self._count("duplicate")
            return None
        self.seen[ident] = math.floor(instant(record["occurred_at"]))
        return record

    def done(self, record: Mapping[str, Any], applied: bool) -> None:
        self._count("applied" if applied else "stale")
        if applied:
            at = instant(record["occurred_at"])
            if self.latest is None or at > self.latest:
                self.latest = at

    def _count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def finish(self, out: Expected) -> Expected:
        out.clock = self.clock
        for outcome, n in self.outcomes.items():
            out.add("cs_events_total", n, topic=self.topic, outcome=outcome)
        for reason, n in self.reasons.items():
            out.add("cs_deadletter_total", n, topic=self.topic, reason=reason)
        return out


def differences(
    read: Mapping[Key, int],
    expected: Expected,
    windows: Mapping[str, int] = WINDOWS,
    clock: int | None = None,
) -> list[str]:
    """Where an engine read-out at `clock` breaks the reference (empty: it agrees).

    Unwindowed series must be equal. A windowed series may miss at most one bucket
    (W/24) at the old edge of its window (CONTRACT 5), so, with every windowed value
    non-negative, it must lie between the reference over `(T - W + W/24, T]` and over
    `(T - W, T]`, and equal the latter when no event falls in `(T - W, T - W + W/24]`.
    """
    at = expected.clock if clock is None else clock
    plain: dict[Key, int] = {}
    windowed: dict[str, dict[Key, int]] = {name: {} for name in windows}
    for (name, labels), value in read.items():
        if not value:
            continue
        label_map = dict(labels)
        window = label_map.pop("window", None)
        if window is None:
            plain[(name, labels)] = value
        else:
            windowed[window][key(name, **label_map)] = value
    problems: list[str] = []
    want = expected.now(at)
    for k in sorted(set(plain) | set(want)):
        if plain.get(k, 0) != want.get(k, 0):
            problems.append(f"{k}: engine {plain.get(k, 0)} != reference {want.get(k, 0)}")
    ceiling = Fraction(10**12)  # every point is at or before the clock's second + 1
    for name, width in windows.items():
        start = Fraction(at - width)
        tolerance = Fraction(width, 24)
        high = expected.between(start, ceiling)
        low = expected.between(start + tolerance, ceiling)
        exact = not expected.edge(start, start + tolerance)
        got = windowed[name]
        for k in sorted(set(got) | set(high)):
            value, lo, hi = got.get(k, 0), low.get(k, 0), high.get(k, 0)
            if exact and value != hi:
                problems.append(f"{k} window {name} at {at}: engine {value} != reference {hi}")
            elif not lo <= value <= hi:
                problems.append(f"{k} window {name} at {at}: engine {value} not in [{lo}, {hi}]")
    return problems
