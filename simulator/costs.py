"""Costs: acquisition spend (marketing channels, booked per monthly campaign) and
retention spend (the customer-success team, tools, onboarding, gifts), in the
currencies of the agencies and teams that bill them.

Spend follows the business: each new customer accrues an acquisition cost (about nine
months of its list price), and every customer who ever subscribed accrues retention
spend per month of event time. A cost step books what one channel has accrued, in one
charge, so that the spend over any stretch of event time is what accrued in it,
however many cost events the mix asks for.
"""

from __future__ import annotations

from schemas.currencies import minor_digits
from simulator.accounts import Book
from simulator.catalog import FX_PER_USD, Weighted, pick
from simulator.context import US, Context, Event

ACQUISITION = Weighted(
    [("paid_search", 35), ("paid_social", 25), ("content", 12), ("events", 10),
     ("partners", 10), ("affiliates", 8)]
)  # fmt: skip
# Retention channels; the first ones are per-team costs, the others attributable to an account.
RETENTION = Weighted([("csm_team", 45), ("success_tools", 20), ("onboarding", 20), ("loyalty_gifts", 15)])
PER_ACCOUNT = frozenset({"onboarding", "loyalty_gifts"})
CURRENCIES = Weighted([("USD", 45), ("EUR", 20), ("GBP", 15), ("CAD", 10), ("JPY", 10)])
PAYBACK_MONTHS = 9.0  # median acquisition cost, in months of the new customer's list price
RETENTION_USD_MONTH = 40.0  # retention spend per customer per month
MONTH_US = 30 * 86_400 * US
MIN_USD = 1.0  # the smallest charge (booked ahead when nothing has accrued yet)


class Costs:
    def __init__(self, ctx: Context, book: Book) -> None:
        self._ctx = ctx
        self._book = book
        self._counted = 0  # customers of book.known whose acquisition cost is accrued
        self._accrued_at = 0  # event time up to which retention spend is accrued
        self._pending: dict[tuple[str, str], float] = {}  # (category, channel) -> USD

    def incur(self) -> Event:
        """One charge: what the most indebted channel of a category (drawn by what each
        has accrued) is owed."""
        ctx = self._ctx
        rng = ctx.rng
        self._accrue()
        pending = self._pending
        owed = {"acquisition": 0.0, "retention": 0.0}
        for (category, _), usd in pending.items():
            owed[category] += max(0.0, usd)
        total = owed["acquisition"] + owed["retention"]
        category = "acquisition" if rng.random() * total < owed["acquisition"] else "retention"
        usd, channel = max(
            ((usd, channel) for (cat, channel), usd in sorted(pending.items()) if cat == category),
            default=(0.0, RETENTION(rng)),
        )
        usd = max(MIN_USD, usd)
        key = (category, channel)
        pending[key] = pending.get(key, 0.0) - usd
        currency = CURRENCIES(rng)
        if category == "acquisition":
            source = f"cmp_{channel}_{ctx.now_dt:%Y_%m}"  # one campaign per channel and month
        elif channel in PER_ACCOUNT and self._book.known:
            source = pick(rng, self._book.known).id
        else:
            source = f"team_{channel}"
        event = ctx.event("cost.incurred", source)
        event.update(
            {"category": category, "amount_minor": _minor(usd, currency),
             "currency": currency, "channel": channel}
        )  # fmt: skip
        return event

    def _accrue(self) -> None:
        ctx, rng, known, pending = self._ctx, self._ctx.rng, self._book.known, self._pending
        for customer in known[self._counted :]:
            monthly = sum(sub.seat_usd * sub.quantity for sub in customer.subs)
            key = ("acquisition", ACQUISITION(rng))
            pending[key] = pending.get(key, 0.0) + monthly * PAYBACK_MONTHS * rng.lognormvariate(0.0, 0.4)
        self._counted = len(known)
        months = (ctx.now - self._accrued_at) / MONTH_US
        self._accrued_at = ctx.now
        if months > 0 and known:
            key = ("retention", RETENTION(rng))
            pending[key] = pending.get(key, 0.0) + RETENTION_USD_MONTH * len(known) * months


def _minor(usd: float, currency: str) -> int:
    """`usd` in minor units of `currency` (at least one unit)."""
    return max(1, round(usd * FX_PER_USD[currency] * 10 ** minor_digits(currency)))
