"""Event time as integers, the one conversion every domain and the engine use.

Exact integer arithmetic on aware datetimes (never `timestamp()` floats, which round),
so a replay computes the very same buckets, horizons and durations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MICROS = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_S = timedelta(seconds=1)


def micros(moment: datetime) -> int:
    """Integer microseconds since the epoch."""
    return (moment - EPOCH) // _US


def seconds(moment: datetime) -> int:
    """Whole seconds since the epoch, rounded down (the unit of window buckets)."""
    return (moment - EPOCH) // _S


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)
