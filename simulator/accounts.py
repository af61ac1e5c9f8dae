"""The simulated customer base: customers, their subscriptions, and the book of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.catalog import PLANS, SEAT_USD, Billing, Weighted, pick, price_minor
from simulator.config import SimConfig
from simulator.context import Context, Event

DAY_US = 86_400_000_000


@dataclass(slots=True, eq=False)
class Customer:
    id: str
    currency: str  # every price and payment of the customer is in it
    subs: list[Subscription] = field(default_factory=list)  # live (not canceled) ones
    signed: bool = False  # has ever subscribed
    # Set when the customer decides to leave (see subscriptions.py): from `fading_from`
    # its product usage fades until it cancels, around `leaves_at` (microseconds).
    fading_from: int = -1
    leaves_at: int = -1

    @property
    def seats(self) -> int:
        """Seats bought: the quantity of the live core subscriptions (0 when none)."""
        return sum(sub.quantity for sub in self.subs if sub.tier >= 0 and sub.status != "paused")


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


class Book:
    """The customers, shared by subscriptions (which sign them up) and payments (which
    bill them), so that neither has to reach into the other for them."""

    def __init__(self, ctx: Context, config: SimConfig) -> None:
        self._ctx = ctx
        first, *rest = config.currencies
        currency = Weighted([(first, 55.0)] + [(code, 45.0 / len(rest)) for code in rest])
        rng = ctx.rng
        self.customers = [Customer(f"cus_{i:06d}", currency(rng)) for i in range(config.customers)]
        self.known: list[Customer] = []  # customers who ever subscribed, in sign-up order
        # Mean event time between two lifecycle steps of one customer. Billing delays
        # (invoice, dunning retries) are capped by it: a dense stream compresses time,
        # and dunning must not outlast many renewals.
        share = config.mix.get("subscriptions", 0.0) / sum(config.mix.values())
        self.step_s = config.customers * config.mean_gap_s / share if share else float("inf")

    def customer(self) -> Customer:
        """A random customer, mostly one who has subscribed."""
        rng = self._ctx.rng
        if self.known and rng.random() < 0.9:
            return pick(rng, self.known)
        return pick(rng, self.customers)

    def sign_up(self, customer: Customer) -> None:
        if not customer.signed:
            customer.signed = True
            self.known.append(customer)
