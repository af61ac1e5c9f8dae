"""Payments: subscription charges (some fail and start dunning), one-time purchases and
refunds. Charges are follow-ups of the subscription step that caused them."""

from __future__ import annotations

from typing import Protocol

from simulator.accounts import Book, Customer, Subscription
from simulator.catalog import ONE_TIME_USD, PAYMENT_FAILURES, pick, price_minor
from simulator.context import Context, Event

FAILURE_RATE = 0.05  # of first charge attempts
ONE_TIME_FAILURE_RATE = 0.04
RETRY_SUCCESS = 0.6
MAX_ATTEMPTS = 4  # then the subscription is canceled
REFUNDABLE = 256  # recent succeeded payments a refund may pick from

# (customer, payment_id, amount_minor, kind, subscription_id)
Paid = tuple[Customer, str, int, str, str | None]


class Dunning(Protocol):
    """The subscription steps that follow charges (subscriptions.Subscriptions has them),
    each scheduled as a follow-up and None when the subscription has moved on."""

    def past_due(self, sub: Subscription) -> Event | None: ...
    def recover(self, sub: Subscription) -> Event | None: ...
    def give_up(self, sub: Subscription) -> Event | None: ...


class Payments:
    def __init__(self, ctx: Context, book: Book, dunning: Dunning) -> None:
        self._ctx = ctx
        self._book = book
        self._dunning = dunning
        self._recent: list[Paid] = []
        self._max_pending = 2 * len(book.customers) + 1000  # bounds memory on odd mixes

    def soon(self, median_s: float) -> float:
        """A billing delay: log-normal around `median_s`, capped at half a lifecycle step."""
        return self._ctx.delay(min(median_s, self._book.step_s / 2), 0.7)

    def bill(self, sub: Subscription, amount: int) -> None:
        """Charge `amount` for `sub` a few minutes from now."""
        ctx = self._ctx
        if amount > 0 and ctx.pending("payments") < self._max_pending:
            ctx.later("payments", self.soon(300.0), self._charge, (sub, amount))

    def retry_later(self, sub: Subscription) -> None:
        self._ctx.later("payments", self.soon(86_400.0), self._retry, sub)

    def payment(self) -> Event:
        """A payment nobody scheduled: a refund, a one-time purchase or an invoice."""
        rng = self._ctx.rng
        r = rng.random()
        if r < 0.15 and self._recent:
            return self._refund()
        if r < 0.6:
            sub = self._active_subscription()
            event = None if sub is None else self._charge((sub, sub.net))
            if event is not None:
                return event
        customer = self._book.customer()
        amount = price_minor(ONE_TIME_USD(rng), customer.currency)
        return self._pay(customer, amount, "one_time", None, ONE_TIME_FAILURE_RATE)

    def _charge(self, job: tuple[Subscription, int]) -> Event | None:
        sub, amount = job
        if sub.status not in ("active", "past_due"):
            return None  # canceled or paused before the invoice went out
        event = self._pay(sub.customer, amount, "recurring", sub.id, FAILURE_RATE)
        if event["type"] == "payment.failed" and sub.status == "active":
            ctx = self._ctx
            ctx.later("subscriptions", self.soon(120.0), self._dunning.past_due, sub)
        return event

    def _retry(self, sub: Subscription) -> Event | None:
        if sub.status != "past_due":
            return None
        ctx = self._ctx
        event = self._pay(sub.customer, sub.net, "recurring", sub.id, 1 - RETRY_SUCCESS)
        if event["type"] == "payment.succeeded":
            ctx.later("subscriptions", self.soon(60.0), self._dunning.recover, sub)
        else:
            sub.failures += 1
            if sub.failures >= MAX_ATTEMPTS:
                ctx.later("subscriptions", self.soon(600.0), self._dunning.give_up, sub)
            else:
                self.retry_later(sub)
        return event

    def _pay(self, customer: Customer, amount: int, kind: str, sub_id: str | None, fail: float) -> Event:
        ctx = self._ctx
        failed = ctx.rng.random() < fail
        event = ctx.event("payment.failed" if failed else "payment.succeeded", customer.id)
        payment_id = ctx.new_id("pay")
        event.update(
            {"payment_id": payment_id, "amount_minor": amount,
             "currency": customer.currency, "kind": kind}
        )  # fmt: skip
        if sub_id is not None:
            event["subscription_id"] = sub_id
        if failed:
            event["failure_reason"] = PAYMENT_FAILURES(ctx.rng)
        else:
            self._remember((customer, payment_id, amount, kind, sub_id))
        return event

    def _remember(self, paid: Paid) -> None:
        recent = self._recent
        if len(recent) < REFUNDABLE:
            recent.append(paid)
        else:
            recent[int(self._ctx.rng.random() * REFUNDABLE)] = paid

    def _refund(self) -> Event:
        ctx, rng, recent = self._ctx, self._ctx.rng, self._recent
        i = int(rng.random() * len(recent))
        customer, paid_id, amount, kind, sub_id = recent[i]
        recent[i] = recent[-1]
        recent.pop()
        if rng.random() < 0.3:  # partial refund
            amount = max(1, amount * rng.randint(10, 90) // 100)
        event = ctx.event("payment.refunded", customer.id)
        event.update(
            {"payment_id": ctx.new_id("pay"), "amount_minor": amount,
             "currency": customer.currency, "kind": kind, "refunded_payment_id": paid_id}
        )  # fmt: skip
        if sub_id is not None:
            event["subscription_id"] = sub_id
        return event

    def _active_subscription(self) -> Subscription | None:
        rng, known = self._ctx.rng, self._book.known
        for _ in range(8):
            if not known:
                return None
            subs = pick(rng, known).subs
            if subs:
                sub = pick(rng, subs)
                if sub.status == "active":
                    return sub
        return None
