"""Subscription lifecycles: sign-up, trial, renewals, seat and plan changes, dunning,
pauses, scheduled and immediate cancellation, and reactivation.

Each spontaneous event is one lifecycle step of a random customer; dunning steps are
follow-ups of failed payments (see payments.py), so they come after them in event time.
"""

from __future__ import annotations

from simulator.accounts import DAY_US, Book, Customer, Subscription
from simulator.catalog import (
    ADDONS,
    BILLING_MIX,
    DISCOUNT_PCT,
    MAX_SEATS,
    PLAN_MIX,
    PLANS,
    SEAT_USD,
    SEATS,
    TRIAL_DAYS,
    pick,
)
from simulator.config import SimConfig
from simulator.context import US, Context, Event
from simulator.payments import Payments

TRIAL_CONVERSION = 0.7
PAUSE_RATE = 0.005  # per step of an active subscription
SCHEDULED_CHURN = 0.5  # share of cancellations announced with cancel_at_period_end
SAVED = 0.2  # share of those withdrawn before the period ends
ADDON_SHARE = 0.1  # share of expansions that buy an add-on subscription
ADDON_BILLING = ("month", 1, 30, 1.0)
RETENTION_COUPON_PCT = 20
FADE_STEPS = 3.0  # a customer who decides to leave cancels ~3 lifecycle steps later...
MAX_FADE_DAYS = 28  # ...at most four weeks later; its usage fades meanwhile (usage.py)


class Subscriptions:
    def __init__(self, ctx: Context, config: SimConfig, book: Book) -> None:
        self._ctx = ctx
        self._book = book
        self._trial_share = config.trial_share
        self._reactivation = config.reactivation_rate
        self._churn = config.churn_rate
        self._expand = self._churn + config.expansion_rate
        self._contract = self._expand + config.contraction_rate
        self._pause = self._contract + PAUSE_RATE
        self.payments = Payments(ctx, book, self)  # calls back past_due, recover, give_up

    def step(self) -> Event:
        """One lifecycle step of a random customer."""
        rng = self._ctx.rng
        customers = self._book.customers
        customer = customers[0]
        for _ in range(16):
            customer = pick(rng, customers)
            if not customer.signed:
                return self._open(customer, self._trial_share)
            subs = customer.subs
            if not subs:
                if rng.random() < self._reactivation:
                    return self._open(customer, 0.0)
                continue
            event = self._step(pick(rng, subs) if len(subs) > 1 else subs[0])
            if event is not None:
                return event
        # Almost everyone churned or in dunning: an update without change keeps the mix.
        if customer.subs:
            return self._event("subscription.updated", customer.subs[0])
        return self._open(customer, 0.0)

    # Follow-ups of payments; None when the subscription has moved on meanwhile.

    def past_due(self, sub: Subscription) -> Event | None:
        if sub.status != "active":
            return None
        sub.status, sub.failures = "past_due", 1
        self.payments.retry_later(sub)
        return self._event("subscription.updated", sub)

    def recover(self, sub: Subscription) -> Event | None:
        if sub.status != "past_due":
            return None
        sub.status, sub.failures = "active", 0
        return self._event("subscription.updated", sub)

    def give_up(self, sub: Subscription) -> Event | None:
        return self._cancel(sub) if sub.status == "past_due" else None

    def _step(self, sub: Subscription) -> Event | None:
        rng = self._ctx.rng
        status = sub.status
        if status == "trialing":
            if rng.random() < TRIAL_CONVERSION:
                return self._activate(sub)
            return self._cancel(sub)
        if status == "past_due":  # dunning runs on; some customers cancel meanwhile
            return self._cancel(sub) if rng.random() < self._churn else None
        if status == "paused":
            return self._activate(sub) if rng.random() < 0.8 else self._cancel(sub)
        if sub.cancel_at_period_end:
            if rng.random() < SAVED:
                sub.cancel_at_period_end = False
                sub.customer.fading_from = sub.customer.leaves_at = -1
                return self._event("subscription.updated", sub)
            return self._cancel(sub)
        if sub.customer.leaves_at >= 0:
            return None  # decided to leave: nothing changes until it does
        r = rng.random()
        if r < self._churn:
            return self._decide_to_leave(sub)
        if r < self._expand:
            return self._expansion(sub)
        if r < self._contract:
            return self._contraction(sub)
        if r < self._pause:
            sub.status = "paused"
            return self._event("subscription.updated", sub)
        return self._renew(sub)

    def _decide_to_leave(self, sub: Subscription) -> Event | None:
        """The customer will cancel: announced now (cancel_at_period_end, canceled at a
        later step) or silently, canceling a few lifecycle steps later. Its product
        usage fades from now on either way."""
        ctx, rng, customer = self._ctx, self._ctx.rng, sub.customer
        customer.fading_from = ctx.now
        if rng.random() < SCHEDULED_CHURN:
            customer.leaves_at = ctx.now + int(self._book.step_s * US)
            sub.cancel_at_period_end = True
            return self._event("subscription.updated", sub)
        lead_s = min(MAX_FADE_DAYS * 86_400.0, FADE_STEPS * self._book.step_s) * rng.uniform(0.5, 1.5)
        customer.leaves_at = ctx.now + int(lead_s * US)
        ctx.later("subscriptions", lead_s, self._leave, sub)
        return None

    def _leave(self, sub: Subscription) -> Event | None:
        return self._cancel(sub) if sub in sub.customer.subs else None

    def _open(self, customer: Customer, trial_share: float) -> Event:
        """A sign-up, or a churned customer's reactivation."""
        ctx, rng = self._ctx, self._ctx.rng
        self._book.sign_up(customer)
        customer.fading_from = customer.leaves_at = -1
        tier = PLAN_MIX(rng)
        low, high = SEATS[tier]
        sub = Subscription(
            ctx.new_id("sub"), customer, PLANS[tier], tier, SEAT_USD[tier],
            BILLING_MIX(rng), rng.randint(low, high), DISCOUNT_PCT(rng),
        )  # fmt: skip
        customer.subs.append(sub)
        if rng.random() < trial_share:
            sub.status = "trialing"
            sub.period_end = ctx.now + TRIAL_DAYS * DAY_US
        else:
            self._new_period(sub)
        return self._event("subscription.created", sub)

    def _activate(self, sub: Subscription) -> Event:
        sub.status = "active"
        self._new_period(sub)
        return self._event("subscription.updated", sub)

    def _renew(self, sub: Subscription) -> Event:
        self._new_period(sub)
        return self._event("subscription.renewed", sub)

    def _new_period(self, sub: Subscription) -> None:
        sub.period_end = self._ctx.now + sub.billing[2] * DAY_US
        self.payments.bill(sub, sub.net)

    def _expansion(self, sub: Subscription) -> Event:
        ctx, rng = self._ctx, self._ctx.rng
        customer = sub.customer
        if len(customer.subs) == 1 and rng.random() < ADDON_SHARE:
            plan, usd = ADDONS(rng)
            addon = Subscription(ctx.new_id("sub"), customer, plan, -1, usd, ADDON_BILLING, 1, 0)
            customer.subs.append(addon)
            self._new_period(addon)
            return self._event("subscription.created", addon)
        before = sub.net
        upgradable = 0 <= sub.tier < len(PLANS) - 1
        if upgradable and (sub.quantity >= MAX_SEATS or rng.random() < 0.35):
            sub.set_tier(sub.tier + 1)
        elif sub.quantity < MAX_SEATS:
            sub.quantity = min(MAX_SEATS, sub.quantity + rng.randint(1, 1 + sub.quantity // 3))
        else:
            return self._renew(sub)  # nothing left to sell
        if rng.random() < 0.5:  # prorated invoice for the rest of the period
            self.payments.bill(sub, (sub.net - before) * rng.randint(10, 100) // 100)
        return self._event("subscription.updated", sub)

    def _contraction(self, sub: Subscription) -> Event:
        rng = self._ctx.rng
        if sub.tier < 0 and len(sub.customer.subs) > 1:
            return self._cancel(sub)  # drops the add-on, keeps the core plan
        r = rng.random()
        if sub.quantity > 1 and (r < 0.6 or sub.tier <= 0):
            sub.quantity -= rng.randint(1, max(1, sub.quantity // 3))
        elif sub.tier > 0 and r < 0.9:
            sub.set_tier(sub.tier - 1)
        elif sub.discount_pct < RETENTION_COUPON_PCT:
            sub.discount_pct = RETENTION_COUPON_PCT
        else:
            return self._renew(sub)  # nothing left to take away
        return self._event("subscription.updated", sub)

    def _cancel(self, sub: Subscription) -> Event:
        sub.status = "canceled"
        customer = sub.customer
        customer.subs.remove(sub)
        if customer.subs:  # left with an add-on: that one lives on as usual
            customer.fading_from = customer.leaves_at = -1
        return self._event("subscription.canceled", sub)

    def _event(self, kind: str, sub: Subscription) -> Event:
        ctx = self._ctx
        return sub.state(ctx.event(kind, sub.customer.id), ctx.at(sub.period_end))
