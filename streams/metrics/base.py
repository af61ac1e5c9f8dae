"""The shape every metric domain shares: keyed state, contributions, deltas.

The engine never stores an aggregate. Each table record (one customer's state for
one topic family) *contributes* integer amounts to series; a partition's series are
the sum of the contributions of the records it holds. Applying an event to a record
returns the change of that record's contributions (a delta), which the engine adds
to the partition's running sums; after a crash or a rebalance the sums are rebuilt
from the records themselves. One event changes exactly one record, written as one
changelog message, so nothing can be half-applied.

A contribution key is `(series, at)`:
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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

Labels = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, Labels]


@dataclass(frozen=True, slots=True, order=True)
class Due:
    """Counted once the partition clock reaches `deadline` (epoch seconds)."""

    deadline: int


At = int | Due | None
Key = tuple[SeriesKey, At]
Contributions = dict[Key, int]


def series(name: str, **labels: str) -> SeriesKey:
    """A series key with its labels sorted by name (the order /metrics uses)."""
    return (name, tuple(sorted(labels.items())))


K = TypeVar("K")


def add(target: dict[K, int], key: K, value: int) -> None:
    """target[key] += value, never keeping a zero: the one "add and drop zeros"."""
    total = target.get(key, 0) + value
    if total:
        target[key] = total
    else:
        target.pop(key, None)


def bump(out: Contributions, key: SeriesKey, at: At, value: int) -> None:
    """out[(key, at)] += value, never storing a zero."""
    if value:
        add(out, (key, at), value)


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


def diff(old: Mapping[Key, int], new: Mapping[Key, int]) -> Contributions:
    """new - old, without zero entries."""
    out: Contributions = dict(new)
    add_into(out, old, -1)
    return out


def total(parts: Iterable[Mapping[Key, int]]) -> Contributions:
    out: Contributions = {}
    for part in parts:
        add_into(out, part)
    return out


class Outcome(StrEnum):
    """What became of a valid event; the order is the order of `Record.counts`."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # decided by the engine (dedupe), never by a domain
    STALE = "stale"


S = TypeVar("S")
E = TypeVar("E", contravariant=True)


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

    def apply(self, state: S, event: E, horizon: int = 0) -> tuple[Outcome, Contributions]:
        """Mutate `state` with `event`; return the outcome and the contribution delta.

        `horizon` is `prune`'s horizon at the partition clock as of the events before
        this one: anything whose fate depends on pruning (a retired ticket) must be
        decided against it here, so that the outcome depends on the partition log
        alone and never on when `prune` last ran (a batch boundary).

        The delta must equal contributions(after) - contributions(before) on every
        key a read can see. STALE means nothing changed (empty delta).
        """
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
