"""The shape every metric domain shares: keyed state, contributions, deltas.

The engine never stores an aggregate. Each table record (one customer's state for
one topic family) *contributes* integer amounts to series; a partition's series are
the sum of the contributions of the records it holds. Applying an event to a record
writes the change of that record's contributions (a delta) into a `Sink`: in the
engine the partition's running sums themselves, so an event allocates no delta dict
(tests collect it in a `Delta`); after a crash or a rebalance the sums are rebuilt
from the records themselves. One event changes exactly one record, written as one
changelog message, so nothing can be half-applied.

A contribution key is `(slot, at)`, `slot` the series' interned number (`slot()`,
`key_of()`): a small int hashes at a fraction of the cost of a `(name, labels)` tuple,
and the hot loop hashes one for every write. `at` is:
- `at is None`: an all-time or current value (counters, gauges such as MRR);
- `at` an int (epoch seconds, event time): a windowed value, summed over the
  rolling windows `(T - W, T]` of the partition clock `T`;
- `at` a `Due(deadline)`: counted while the partition clock is past `deadline`
  (a first-response target that has been missed).

All values are integers (money in micro minor units, durations in microseconds);
`Domain.scales`, taken from the series catalogue (catalogue.py), says how to
turn each series into its exported unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar

Labels = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, Labels]


@dataclass(frozen=True, slots=True, order=True)
class Due:
    """Counted once the partition clock reaches `deadline` (epoch seconds)."""

    deadline: int


At = int | Due | None
Slot = int
Key = tuple[Slot, At]
Contributions = dict[Key, int]


def series(name: str, **labels: str) -> SeriesKey:
    """A series key with its labels sorted by name (the order /metrics uses)."""
    return (name, tuple(sorted(labels.items())))


# The interned series of this process: numbers never leave it (read-outs and
# checkpoints are written with the keys themselves). Grows with the distinct series
# seen, as the partition sums that hold them do.
_SLOTS: dict[SeriesKey, Slot] = {}
_KEYS: list[SeriesKey] = []


def slot_of(key: SeriesKey) -> Slot:
    """The interned number of a series key (the same for equal keys)."""
    found = _SLOTS.get(key)
    if found is None:  # only the event loop's thread interns
        found = _SLOTS[key] = len(_KEYS)
        _KEYS.append(key)
    return found


@lru_cache(maxsize=1 << 14)
def slot(name: str, **labels: str) -> Slot:
    """The interned number of `series(name, **labels)`; cached, as domains ask for the
    slots of label values (ratings, channels, features) at every event."""
    return slot_of(series(name, **labels))


def key_of(number: Slot) -> SeriesKey:
    """The series key of an interned number."""
    return _KEYS[number]


K = TypeVar("K")


def add(target: dict[K, int], key: K, value: int) -> None:
    """target[key] += value, never keeping a zero: the one "add and drop zeros"."""
    total = target.get(key, 0) + value
    if total:
        target[key] = total
    else:
        target.pop(key, None)


class Delta(dict[Key, int]):
    """Contributions collected in a dict: the sink of `contributions` and of tests'
    `apply`. Keys that reach zero are dropped."""

    def bump(self, key: Slot, at: At, value: int) -> None:
        """self[(key, at)] += value, never storing a zero."""
        if value:
            add(self, (key, at), value)


class Sink(Protocol):
    """Where `Domain.apply_into` writes its delta: a `Delta`, or a partition's sums
    (`PartitionSums`) so that the engine's step builds no dict per event."""

    def bump(self, key: Slot, at: At, value: int) -> None: ...


H = TypeVar("H", bound=tuple[Any, ...])


def since(history: list[H], horizon: int) -> list[H]:
    """The entries of an event-time history (first item: epoch seconds) at or after
    `horizon`, the same list when nothing is older (prune's common case)."""
    if history and min(h[0] for h in history) < horizon:
        return [h for h in history if h[0] >= horizon]
    return history


def add_into(target: Contributions, delta: Mapping[Key, int], sign: int = 1) -> None:
    """target += sign * delta, dropping keys that reach zero."""
    for key, value in delta.items():
        add(target, key, sign * value)


class Outcome(StrEnum):
    """What became of a valid event; the order is the order of `Record.counts`."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # decided by the engine (dedupe), never by a domain
    STALE = "stale"


S = TypeVar("S")
E = TypeVar("E", contravariant=True)


class DeltaApply(Generic[S, E]):
    """`Domain.apply` of every domain, from its `apply_into`."""

    def apply_into(self, state: S, event: E, horizon: int, out: Sink) -> Outcome:
        raise NotImplementedError

    def apply(self, state: S, event: E, horizon: int = 0) -> tuple[Outcome, Contributions]:
        out = Delta()
        return self.apply_into(state, event, horizon, out), out


class Domain(Protocol, Generic[S, E]):  # type: ignore[misc]
    """Pure metric logic of one topic family, keyed by customer."""

    @property
    def family(self) -> str:
        """Topic family this domain consumes ("subscriptions", "tickets", ...)."""
        ...

    @property
    def scales(self) -> Mapping[str, int]:
        """Exported value = stored integer / scale, per sample name (default 1), from the catalogue."""
        ...

    def new_state(self) -> S:
        """State of a customer never seen before."""
        ...

    def apply_into(self, state: S, event: E, horizon: int, out: Sink) -> Outcome:
        """Mutate `state` with `event`; write the contribution delta into `out`.

        `horizon` is `prune`'s horizon at the partition clock as of the events before
        this one: anything whose fate depends on pruning (a retired ticket) must be
        decided against it here, so that the outcome depends on the partition log
        alone and never on when `prune` last ran (a batch boundary).

        The delta must equal contributions(after) - contributions(before) on every
        key a read can see. STALE means nothing changed (nothing written).
        """
        ...

    def apply(self, state: S, event: E, horizon: int = 0) -> tuple[Outcome, Contributions]:
        """`apply_into` a fresh `Delta`: the outcome and the delta (`DeltaApply`)."""
        ...

    def contributions(self, state: S) -> Contributions:
        """Everything this record contributes (used to rebuild after recovery)."""
        ...

    def prune(self, state: S, horizon: int) -> None:
        """Forget history older than `horizon` (epoch seconds): no window can see it.

        May drop windowed contributions with `at < horizon`; must keep all-time ones.
        Must only drop what `apply` at this horizon or later already treats as gone.
        """
        ...

    def dump(self, state: S) -> Any:
        """A JSON-compatible value (dicts, lists, str, int, bool, None)."""
        ...

    def load(self, data: Any) -> S:
        """Inverse of dump."""
        ...
