"""Static tables of the simulated business: prices, mixes, delays and score shapes."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

from schemas.currencies import minor_digits

T = TypeVar("T")


def pick(rng: Random, items: Sequence[T]) -> T:
    """A uniform choice, faster than `rng.choice` (one `random()` call, no rejection)."""
    return items[int(rng.random() * len(items))]


class Weighted(Generic[T]):
    """A fixed categorical distribution, sampled with one `random()` call."""

    __slots__ = ("_cum", "_total", "_values")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        values, weights = zip(*pairs, strict=True)
        self._values: tuple[T, ...] = values
        self._cum = list(accumulate(weights))
        self._total = self._cum[-1]

    def __call__(self, rng: Random) -> T:
        return self._values[bisect_right(self._cum, rng.random() * self._total)]


# Approximate units of a currency per USD, only to make local price lists look native.
FX_PER_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0, "CAD": 1.36, "AUD": 1.5}


def price_minor(usd: float, currency: str) -> int:
    """A round local price in minor units for a price of `usd` dollars."""
    local = usd * FX_PER_USD.get(currency, 1.0)
    digits = minor_digits(currency)
    if digits == 0:
        return max(10, round(local / 10) * 10)
    return max(1, round(local)) * 10**digits


# Core plans, per seat per month in USD, and the seat range a new customer buys.
PLANS = ("starter", "growth", "pro", "enterprise")
SEAT_USD = (15.0, 39.0, 79.0, 149.0)
SEATS = ((1, 5), (3, 15), (5, 30), (10, 50))
MAX_SEATS = 50
PLAN_MIX = Weighted([(0, 40), (1, 35), (2, 18), (3, 7)])
ADDONS = Weighted([(("addon-analytics", 25.0), 60), (("addon-premium-support", 99.0), 40)])

# (interval, interval_count, length in days, price as a multiple of one month's)
Billing = tuple[str, int, int, float]
BILLING_MIX: Weighted[Billing] = Weighted(
    [
        (("month", 1, 30, 1.0), 60),
        (("year", 1, 365, 10.0), 20),  # two months free
        (("quarter", 1, 91, 2.85), 9),
        (("month", 3, 91, 2.85), 5),
        (("month", 6, 182, 5.5), 3),
        (("week", 1, 7, 0.25), 3),
    ]
)
TRIAL_DAYS = 14
DISCOUNT_PCT = Weighted([(0, 78), (10, 8), (15, 5), (20, 5), (25, 2), (50, 2)])

PAYMENT_FAILURES = Weighted(
    [
        ("card_declined", 40),
        ("insufficient_funds", 25),
        ("expired_card", 15),
        ("authentication_required", 10),
        ("processing_error", 10),
    ]
)
ONE_TIME_USD = Weighted([(49.0, 25), (99.0, 25), (199.0, 20), (499.0, 15), (1500.0, 10), (4000.0, 5)])

CHANNELS = Weighted([("email", 38), ("chat", 27), ("web", 15), ("phone", 10), ("social", 5), ("other", 5)])
PRIORITIES = Weighted([("low", 18), ("normal", 55), ("high", 20), ("urgent", 7)])
TEAMS = Weighted([("support", 45), ("technical", 25), ("billing", 15), ("onboarding", 10), ("success", 5)])
# First-response targets (CONTRACT 6 defaults); agents answer at a fraction of them.
FRT_TARGET_S = {"urgent": 3600.0, "high": 4 * 3600.0, "normal": 24 * 3600.0, "low": 48 * 3600.0}

# Score weights, lowest score first: NPS ~ +30, CSAT ~ 84 %, CES mostly easy.
NPS_SCORES = Weighted(zip(range(11), (3, 1, 1, 2, 2, 5, 6, 13, 17, 24, 26), strict=True))
CSAT_SCORES = Weighted(zip(range(1, 6), (4, 4, 8, 28, 56), strict=True))
CSAT_AFTER_BAD_TICKET = Weighted(zip(range(1, 6), (14, 12, 16, 30, 28), strict=True))
CES_SCORES = Weighted(zip(range(1, 8), (2, 4, 7, 12, 22, 28, 25), strict=True))
SURVEY_MIX = Weighted([("nps", 60), ("ces", 25), ("csat", 15)])
SURVEY_CHANNELS = Weighted([("email", 50), ("in_app", 40), ("web", 10)])

COMMENTS = {
    "good": (
        "Quick and helpful answer, thanks!",
        "Love the new dashboard.",
        "Support solved it in minutes.",
        "Easy to roll out to the whole team.",
        "Très bien, merci !",
    ),
    "neutral": (
        "It works, but setup took a while.",
        "Fine overall; the docs could be clearer.",
        "Schnelle Antwort, aber das Problem bleibt 🤔",
    ),
    "bad": (
        "Took days to get a reply.",
        "Billing is confusing.",
        "The issue came back after it was closed.",
        "Too expensive for what we use.",
    ),
}
