"""Product usage: `product.used` by the users of paying accounts.

An account's users scale with its seats (a few power users, a long tail), so big
accounts send most of the traffic. Core features exist from the start; new ones are
released over time and their adoption ramps up after release. An account that has
decided to cancel (subscriptions.py) uses the product less and less until it leaves.
Some trackers batch uses into one event (`count` > 1). The weekly rhythm (quieter
weekends) is in the generator's family draw, which sends fewer usage steps then.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from simulator.accounts import Book, Customer
from simulator.catalog import MAX_SEATS, pick
from simulator.context import Context, Event

# (feature, popularity, released after this many lifecycle steps of event time; 0: at start)
FEATURES = (
    ("dashboard", 30.0, 0),
    ("reports", 18.0, 0),
    ("search", 14.0, 0),
    ("integrations", 8.0, 0),
    ("exports", 6.0, 0),
    ("settings", 4.0, 0),
    ("alerts", 10.0, 4),
    ("ai_assistant", 14.0, 8),
    ("mobile_app", 8.0, 12),
    ("workflows", 9.0, 16),
)
RAMP_STEPS = 8.0  # a new feature reaches its full popularity this long after release
BATCHED = 0.2  # share of events from a batching tracker (count > 1)
FADED = 0.15  # what is left of an account's usage when it cancels
POWER = 1.6  # > 1: low user numbers (power users) are picked more often
FREE_USERS = 3  # users of a prospect on the free plan (no seats yet)


class Usage:
    def __init__(self, ctx: Context, book: Book) -> None:
        self._ctx = ctx
        self._book = book
        step_us = min(book.step_s, 1e12) * 1_000_000  # one lifecycle step in microseconds
        self._release = [int(steps * step_us) for _, _, steps in FEATURES]
        self._ramp = RAMP_STEPS * step_us

    def released(self, name: str) -> int:
        """When `name` is released, in microseconds since start."""
        return self._release[[f for f, _, _ in FEATURES].index(name)]

    def use(self) -> Event:
        """One use (or a batch of uses) of a feature by a user of a busy account."""
        ctx = self._ctx
        rng = ctx.rng
        customer = self._account()
        seats = customer.seats if customer is not None else 0
        if customer is None:
            customer, seats = self._book.customer(), FREE_USERS
        user = int(seats * rng.random() ** POWER) + 1
        event = ctx.event("product.used", customer.id)
        event["user_id"] = f"usr_{user:04d}"
        event["feature"] = self._feature()
        if rng.random() < BATCHED:
            event["count"] = min(200, 2 + int(rng.expovariate(0.25)))
        return event

    def _account(self) -> Customer | None:
        """A customer with seats, picked in proportion to seats times its engagement."""
        rng, known = self._ctx.rng, self._book.known
        if not known:
            return None
        for _ in range(48):
            customer = pick(rng, known)
            seats = customer.seats
            if seats and rng.random() * MAX_SEATS < seats * self.engagement(customer):
                return customer
        return None

    def engagement(self, customer: Customer) -> float:
        """1 normally; fading linearly to FADED between deciding to leave and leaving."""
        start = customer.fading_from
        if start < 0:
            return 1.0
        span = max(1, customer.leaves_at - start)
        progress = min(1.0, max(0.0, (self._ctx.now - start) / span))
        return 1.0 - (1.0 - FADED) * progress

    def _feature(self) -> str:
        now, ramp = self._ctx.now, self._ramp
        weights = [
            0.0 if now < at else popularity * min(1.0, (now - at) / ramp) if at else popularity
            for (_, popularity, _), at in zip(FEATURES, self._release, strict=True)
        ]
        cum = list(accumulate(weights))
        return FEATURES[bisect_right(cum, self._ctx.rng.random() * cum[-1])][0]
