"""Running sums of one partition's contributions, and their read-out as series.

Windowed contributions are bucketed per window (bucket = W/24, the contract's
allowed boundary error) and read at the partition clock `T`: a bucket counts when
it lies in `(T - W, T]`. An event adds to one cell of a grid of the finest unit
(the greatest common divisor of the bucket sizes), which is spread into each
window's buckets before anything reads them (`_settle`): one write per series per
event instead of one per window, and one per window per cell a batch touched.
Buckets that fell out of every window are expired by the clock, never by wall
time, so a replay of history reads the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from math import gcd
from typing import Any

from streams.metrics.base import At, Key, SeriesKey, Slot, key_of, slot_of
from streams.metrics.histograms import bucket_groups, bucket_key, le_for

DEFAULT_WINDOWS: dict[str, int] = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}


def bucket_size(window: int) -> int:
    return max(1, window // 24)


@dataclass(slots=True)
class WindowGrid:
    window: int
    size: int
    cells: dict[tuple[Slot, int], int] = field(default_factory=dict)
    expired_to: int | None = None  # the floor of the last expiry

    def floor(self, clock: int) -> int:
        """Buckets at or below this index are outside the window ending at clock."""
        return (clock - self.window) // self.size

    def read(self, clock: int) -> dict[Slot, int]:
        low = self.floor(clock)
        out: dict[Slot, int] = {}
        for (key, idx), value in self.cells.items():
            if idx > low:
                out[key] = out.get(key, 0) + value
        return out

    def expire(self, clock: int) -> None:
        """Drop the buckets the window has left. Only when its floor moved: a 30d grid's
        moves every 30 h of event time, and a scan of every cell was 4 % of a worker
        replaying a backlog. A late event's bucket below the floor waits for the next
        move (never read: `read` skips it)."""
        low = self.floor(clock)
        if low == self.expired_to:
            return
        self.expired_to = low
        for cell in [c for c in self.cells if c[1] <= low]:
            del self.cells[cell]


class PartitionSums:
    """Sum of the contributions of every record of one partition, by series slot; the
    `Sink` the engine's step writes each event's delta into."""

    def __init__(self, windows: Mapping[str, int] = DEFAULT_WINDOWS) -> None:
        self.windows = dict(windows)
        self.totals: dict[Slot, int] = {}
        self.grids = {name: WindowGrid(w, bucket_size(w)) for name, w in self.windows.items()}
        sizes = [grid.size for grid in self.grids.values()]
        self._unit = gcd(*sizes) if sizes else 1  # every bucket is a whole number of units
        self._cells = [(grid.cells, grid.size // self._unit) for grid in self.grids.values()]
        self._fine: dict[tuple[Slot, int], int] = {}  # not yet in the grids, by unit
        self.due: dict[Slot, dict[int, int]] = {}
        self.clock = 0  # latest occurred_at applied here (epoch seconds)
        self._expired_at = 0
        self._step = min((g.size for g in self.grids.values()), default=1)
        self._widest = max(self.grids.values(), key=lambda g: g.window, default=None)
        self._ids: dict[Slot, int] = {}  # snapshot positions of series
        self._keys: list[tuple[str, list[list[str]]]] = []

    def bump(self, key: Slot, at: At, value: int) -> None:
        # The hot path of the engine, one call per series an event changes: zeros are
        # kept (read() skips them) to save pops. A removal is a negative value.
        if at is None:
            totals = self.totals
            totals[key] = totals.get(key, 0) + value
        elif at.__class__ is int:
            cell = (key, at // self._unit)  # type: ignore[operator]
            fine = self._fine
            fine[cell] = fine.get(cell, 0) + value
        else:
            per = self.due.setdefault(key, {})
            deadline = at.deadline  # type: ignore[union-attr]
            per[deadline] = per.get(deadline, 0) + value

    def add(self, delta: Mapping[Key, int]) -> None:
        """Every entry of a delta (a rebuild's records)."""
        bump = self.bump
        for (key, at), value in delta.items():
            bump(key, at, value)

    def _settle(self) -> None:
        """Spread the units added since the last time into every window's buckets: a
        bucket of `ratio` units holds unit `u` at `u // ratio` (the same bucket as the
        event time itself: `at // size == (at // unit) // ratio`)."""
        fine = self._fine
        if not fine:
            return
        for cells, ratio in self._cells:
            for (key, u), value in fine.items():
                cell = (key, u // ratio)
                cells[cell] = cells.get(cell, 0) + value
        fine.clear()

    def advance(self, at: int) -> None:
        if at > self.clock:
            self.clock = at

    def maybe_expire(self) -> None:
        """Expire once the clock has moved a whole small bucket since the last time."""
        if self.clock - self._expired_at >= self._step:
            self.expire()

    def expire(self) -> None:
        self._settle()
        self._expired_at = self.clock
        for grid in self.grids.values():
            grid.expire(self.clock)
        for per in self.due.values():
            for deadline in [d for d, v in per.items() if not v]:
                del per[deadline]

    def horizon(self) -> int:
        """Oldest event time any window can still see at this clock."""
        widest = self._widest
        if widest is None:
            return self.clock
        return (widest.floor(self.clock) + 1) * widest.size

    def snapshot(self) -> dict[str, Any]:
        """What `read` needs, as plain lists and numbers (zeros read as nothing, so they
        are left out); each series key once, referred to by its position (positions are
        kept from one snapshot to the next: a checkpoint is taken with every batch)."""
        self._settle()
        ids, keys = self._ids, self._keys

        def ref(key: Slot) -> int:
            at = ids.get(key)
            if at is None:
                name, labels = key_of(key)
                at = ids[key] = len(keys)
                keys.append((name, [list(pair) for pair in labels]))
            return at

        totals = [(ref(k), v) for k, v in self.totals.items() if v]
        grids = {n: [(ref(k), i, v) for (k, i), v in g.cells.items() if v] for n, g in self.grids.items()}
        due = [(ref(k), [(d, v) for d, v in p.items() if v]) for k, p in self.due.items() if any(p.values())]
        return {
            "w": self.windows,
            "k": keys,
            "t": totals,
            "g": grids,
            "d": due,
            "c": self.clock,
            "x": self._expired_at,
        }

    @classmethod
    def from_snapshot(cls, snap: Mapping[str, Any]) -> PartitionSums:
        sums = cls(snap["w"])
        keys = [slot_of((name, tuple((k, v) for k, v in labels))) for name, labels in snap["k"]]
        sums.totals.update((keys[i], v) for i, v in snap["t"])
        for name, cells in snap["g"].items():
            sums.grids[name].cells.update(((keys[i], at), v) for i, at, v in cells)
        sums.due.update((keys[i], dict(per)) for i, per in snap["d"])
        sums.clock, sums._expired_at = snap["c"], snap["x"]
        return sums

    def read(self) -> dict[SeriesKey, int]:
        """Every series this partition exposes, windowed ones with a `window` label."""
        self._settle()
        out: dict[SeriesKey, int] = {key_of(k): v for k, v in self.totals.items() if v}
        for name, grid in self.grids.items():
            for key, value in grid.read(self.clock).items():
                if value:
                    sname, labels = key_of(key)
                    out[(sname, tuple(sorted((*labels, ("window", name)))))] = value
        for key, per in self.due.items():
            if any(per.values()):  # something is awaited: show the gauge, even at 0
                out[key_of(key)] = sum(v for deadline, v in per.items() if deadline <= self.clock)
        return cumulate_buckets(out)


def cumulate_buckets(read: dict[SeriesKey, int]) -> dict[SeriesKey, int]:
    """Per-bucket histogram counts made cumulative over `le`, in place (zeros left out)."""
    for (name, rest), counts in bucket_groups(read).items():
        running = 0
        for le in le_for(name.removesuffix("_bucket")):
            running += counts.get(le, 0)
            key = bucket_key(name, rest, le)
            if running:
                read[key] = running
            else:
                read.pop(key, None)
    return read


def read_all(
    contributions: Iterable[Mapping[Key, int]], clock: int, windows: Mapping[str, int] = DEFAULT_WINDOWS
) -> dict[SeriesKey, int]:
    """Read-out of a set of records' contributions at `clock` (batch reference)."""
    sums = PartitionSums(windows)
    for part in contributions:
        sums.add(part)
    sums.advance(clock)
    return sums.read()


def merge(reads: Iterable[Mapping[SeriesKey, int]]) -> dict[SeriesKey, int]:
    """sum without (partition): what /metrics shows summed across workers."""
    out: dict[SeriesKey, int] = {}
    for r in reads:
        for key, value in r.items():
            out[key] = out.get(key, 0) + value
    return out
