"""Prometheus-style histograms as contributions: buckets, sum, count.

An observation adds 1 to the lowest bucket whose upper bound `le` is >= the value (so
exactly 60 s lands in le="60.0"), its value in microseconds to `_sum` (exported in
seconds: the catalogue's scale) and 1 to `_count`. Buckets are kept per bucket, not
cumulative: an observation then touches 3 series instead of up to 13 (times every window), and
`PartitionSums.read` makes them cumulative, as Prometheus wants them. `le` strings
match prometheus_client's formatting ("60.0", "+Inf") so the collector can expose the
keys as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from streams.metrics.base import At, Labels, SeriesKey, Sink, Slot, series, slot_of
from streams.metrics.eventtime import MICROS

#: CONTRACT section 7 bucket bounds, seconds
BUCKETS: tuple[int, ...] = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800)
#: Histograms with bounds of their own (CONTRACT v1.1 section 7); every other uses BUCKETS.
#: Bounds are in the histogram's stored unit divided by its unit (seconds, or points).
OWN_BUCKETS: dict[str, tuple[int, ...]] = {
    "cs_time_to_value_seconds": (3600, 14400, 86400, 259200, 604800, 1209600, 2592000),
    "cs_time_to_value_window_seconds": (3600, 14400, 86400, 259200, 604800, 1209600, 2592000),
    "cs_health_score": (10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
}


def _le(bounds: tuple[int, ...]) -> tuple[str, ...]:
    return (*(str(float(b)) for b in bounds), "+Inf")


LE: tuple[str, ...] = _le(BUCKETS)
_OWN_LE = {name: _le(bounds) for name, bounds in OWN_BUCKETS.items()}


def le_for(name: str) -> tuple[str, ...]:
    """The `le` strings of histogram `name` (without `_bucket`), +Inf last."""
    return _OWN_LE.get(name, LE)


@lru_cache(maxsize=4096)
def _keys(name: str, labels: Labels) -> tuple[tuple[Slot, ...], Slot, Slot]:
    """(bucket slots in bound order incl. +Inf, sum slot, count slot); cached, built once."""
    extra = dict(labels)
    buckets = tuple(slot_of(series(f"{name}_bucket", le=le, **extra)) for le in le_for(name))
    return buckets, slot_of(series(f"{name}_sum", **extra)), slot_of(series(f"{name}_count", **extra))


@lru_cache(maxsize=64)
def _bounds(name: str, unit: int) -> tuple[int, ...]:
    return tuple(b * unit for b in OWN_BUCKETS.get(name, BUCKETS))


def observe(
    out: Sink, name: str, micros: int, at: At, labels: Labels = (), sign: int = 1, unit: int = MICROS
) -> None:
    """One observation of `micros` (>= 0, in 1/`unit` of the bounds) into histogram `name`
    (sign -1 takes it back)."""
    buckets, sum_key, count_key = _keys(name, labels)
    bounds = _bounds(name, unit)
    first = len(bounds)  # +Inf only
    for i, bound in enumerate(bounds):
        if micros <= bound:
            first = i
            break
    out.bump(buckets[first], at, sign)
    out.bump(sum_key, at, sign * micros)
    out.bump(count_key, at, sign)


def bucket_groups(read: Mapping[SeriesKey, int]) -> dict[tuple[str, Labels], dict[str, int]]:
    """The `_bucket` series of a read-out by histogram: (name, labels without le) -> {le: value}."""
    groups: dict[tuple[str, Labels], dict[str, int]] = {}
    for (name, labels), value in read.items():
        if name.endswith("_bucket"):
            rest = tuple(kv for kv in labels if kv[0] != "le")
            groups.setdefault((name, rest), {})[dict(labels).get("le", "")] = value
    return groups


def bucket_key(name: str, rest: Labels, le: str) -> SeriesKey:
    return name, tuple(sorted((*rest, ("le", le))))
