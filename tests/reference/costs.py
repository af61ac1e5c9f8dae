"""Plain batch recomputation of the cost series from CONTRACT v1.1: the oracle.

Imports nothing from streams/ or schemas/: events are the JSON bodies producers send,
money is Fraction arithmetic from the contract (integer minor units, the FX rate as
a decimal string, each cost rounded to the nearest micro minor unit of the reporting
currency, ties to even, then summed), and windows are the contract's (T - W, T] at
the clock T = the latest occurred_at, with the allowed one-bucket error W/24 given as
a tolerance: every windowed series comes back as (low, high), the sums over
(T - W + W/24, T] and (T - W, T].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

WINDOWS = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
MINOR_DIGITS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KWD": 3}

Exact = dict[str, Fraction]
Bounds = dict[str, tuple[Fraction, Fraction]]


def flat(name: str, **labels: str) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


def whole_seconds(stamp: str) -> int:
    """Whole seconds since the epoch, rounded down, without float rounding."""
    since = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - datetime(1970, 1, 1, tzinfo=UTC)
    return since.days * 86400 + since.seconds


Point = tuple[int, str, dict[str, str], Fraction]  # (at, name, labels, value)


def windowed(points: Iterable[Point], clock: int, windows: Mapping[str, int]) -> Bounds:
    """Points -> per window (low, high): sums over (T - W + W/24, T] and (T - W, T]."""
    out: Bounds = {}
    points = list(points)
    for window, width in windows.items():
        for at, name, labels, value in points:
            if clock - width < at <= clock:
                key = flat(name, **labels, window=window)
                low, high = out.get(key, (Fraction(0), Fraction(0)))
                narrow = clock - width + width // 24 < at
                out[key] = (low + (value if narrow else 0), high + value)
    return out


def reporting_amount(amount_minor: int, currency: str, rates: Mapping[str, str], reporting: str) -> Fraction:
    """One cost in reporting major units, rounded like every money figure: to 1e-6 minor units."""
    rate = Fraction(1) if currency == reporting else Fraction(Decimal(rates[currency]))
    scale = 10 ** (MINOR_DIGITS[reporting] + 6)
    micro = round(Fraction(amount_minor) * rate * scale / 10 ** MINOR_DIGITS[currency])
    return Fraction(micro, scale)


def cost_series(
    events: Iterable[Mapping[str, Any]],
    rates: Mapping[str, str],
    reporting: str = "USD",
    windows: Mapping[str, int] = WINDOWS,
) -> tuple[Exact, Bounds]:
    """(all-time series, windowed bounds) of `cost.incurred` events with distinct event ids."""
    totals: Exact = {}
    points: list[Point] = []
    clock = None
    for e in events:
        at = whole_seconds(e["occurred_at"])
        clock = at if clock is None else max(clock, at)
        amount = reporting_amount(e["amount_minor"], e["currency"], rates, reporting)
        key = flat("cs_cost_amount_total", category=e["category"])
        totals[key] = totals.get(key, Fraction(0)) + amount
        points.append((at, "cs_cost_amount", {"category": e["category"]}, amount))
    if clock is None:
        return {}, {}
    return {k: v for k, v in totals.items() if v}, windowed(points, clock, windows)
