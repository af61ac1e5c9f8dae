"""The simulated customer base: customers and their subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.catalog import PLANS, SEAT_USD, Billing, price_minor
from simulator.context import Event

DAY_US = 86_400_000_000


@dataclass(slots=True, eq=False)
class Customer:
    id: str
    currency: str  # every price and payment of the customer is in it
    subs: list[Subscription] = field(default_factory=list)  # live (not canceled) ones
    signed: bool = False  # has ever subscribed


@dataclass(slots=True, eq=False)
class Subscription:
    id: str
    customer: Customer
    plan: str
    tier: int  # index into PLANS; -1 for an add-on
    seat_usd: float  # list price per seat per month in USD
    billing: Billing
    quantity: int
    discount_pct: int
    status: str = "active"
    unit: int = 0  # amount_minor: price per seat per interval, in the customer's currency
    period_end: int = 0  # microseconds since start
    cancel_at_period_end: bool = False
    failures: int = 0  # failed charges in the current dunning run

    def __post_init__(self) -> None:
        self.reprice()

    def reprice(self) -> None:
        self.unit = price_minor(self.seat_usd * self.billing[3], self.customer.currency)

    def set_tier(self, tier: int) -> None:
        self.tier, self.plan, self.seat_usd = tier, PLANS[tier], SEAT_USD[tier]
        self.reprice()

    @property
    def discount(self) -> int:
        return self.unit * self.quantity * self.discount_pct // 100

    @property
    def net(self) -> int:
        """What one interval costs, after the discount (never below 1 minor unit)."""
        return self.unit * self.quantity - self.discount

    def state(self, event: Event, period_end: object) -> Event:
        """`event` completed with the full current state (CONTRACT 3)."""
        event.update(
            {
                "subscription_id": self.id,
                "status": self.status,
                "plan": self.plan,
                "currency": self.customer.currency,
                "amount_minor": self.unit,
                "quantity": self.quantity,
                "discount_minor": self.discount,
                "interval": self.billing[0],
                "interval_count": self.billing[1],
                "current_period_end": period_end,
                "cancel_at_period_end": self.cancel_at_period_end,
            }
        )
        return event
