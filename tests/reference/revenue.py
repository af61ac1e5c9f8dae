"""Plain batch recomputation of the revenue series: the oracle for property tests.

Deliberately naive and independent of streams/metrics (only FxTable and the event
models are shared): it keeps the last applied event of every subscription, recomputes
a customer's MRR from scratch with Fractions around every event, and evaluates the
rolling windows directly from the list of timestamped values.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from schemas.events import PaymentEvent, SubscriptionEvent
from streams.metrics.money import FxTable

WINDOWS = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
COUNTED = frozenset({"active", "past_due"})
MONTHS_PER_INTERVAL = {
    "day": Fraction(365, 12),
    "week": Fraction(52, 12),
    "month": Fraction(1),
    "quarter": Fraction(1, 3),
    "year": Fraction(1, 12),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Series = dict[tuple[str, tuple[tuple[str, str], ...]], int]


def seconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(seconds=1)


def subscription_mrr(event: SubscriptionEvent, fx: FxTable, counted: frozenset[str]) -> int:
    if event.type == "subscription.canceled" or event.status not in counted:
        return 0
    net = max(0, event.amount_minor * event.quantity - event.discount_minor)
    monthly = Fraction(net) * MONTHS_PER_INTERVAL[event.interval] / event.interval_count
    return round(fx.to_micro(monthly, event.currency))


class _Series:
    """Current values plus (name, labels, at, value) points read through windows."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        self.points: list[tuple[str, dict[str, str], int, int]] = []

    def add(self, name: str, value: int, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        self.values[key] = self.values.get(key, 0) + value

    def point(self, name: str, at: int, value: int, **labels: str) -> None:
        self.points.append((name, labels, at, value))

    def read(self, clock: int, windows: Mapping[str, int]) -> Series:
        out = dict(self.values)
        for window_name, width in windows.items():
            size = max(1, width // 24)
            for name, labels, at, value in self.points:
                if at // size > (clock - width) // size:
                    key = (name, tuple(sorted({**labels, "window": window_name}.items())))
                    out[key] = out.get(key, 0) + value
        return {key: value for key, value in out.items() if value}


def subscription_series(
    events: Iterable[SubscriptionEvent],
    fx: FxTable,
    *,
    counted: frozenset[str] = COUNTED,
    clock: int | None = None,
    windows: Mapping[str, int] = WINDOWS,
) -> Series:
    """Every revenue series after replaying `events` in arrival order, read at `clock`
    (default: the latest applied event time)."""
    last: dict[tuple[str, str], SubscriptionEvent] = {}
    ever_active: set[str] = set()
    out = _Series()
    latest = 0

    def customer_mrr(customer: str) -> int:
        return sum(subscription_mrr(e, fx, counted) for (c, _), e in last.items() if c == customer)

    for event in events:
        key = (event.customer_id, event.subscription_id)
        previous = last.get(key)
        if previous is not None and event.occurred_at < previous.occurred_at:
            continue  # stale
        before = customer_mrr(event.customer_id)
        last[key] = event
        after = customer_mrr(event.customer_id)
        at = seconds(event.occurred_at)
        latest = max(latest, at)

        kind = None
        if before == 0 and after > 0:
            kind = "reactivation" if event.customer_id in ever_active else "new"
            ever_active.add(event.customer_id)
        elif before > 0 and after == 0:
            kind = "churn"
        elif 0 < before < after:
            kind = "expansion"
        elif 0 < after < before:
            kind = "contraction"
        if kind is not None:
            out.add("cs_mrr_movement_total", abs(after - before), kind=kind)
            out.point("cs_mrr_movement", at, abs(after - before), kind=kind)
            if kind in ("new", "churn", "reactivation"):
                out.add("cs_customer_movements_total", 1, kind=kind)
                out.point("cs_customer_movements", at, 1, kind=kind)

        outcome = None
        if event.type == "subscription.renewed":
            outcome = "renewed"
        elif event.type == "subscription.canceled" and not (
            previous is not None and previous.type == "subscription.canceled"
        ):
            outcome = "canceled"
        if outcome is not None:
            out.add("cs_renewals_total", 1, outcome=outcome)
            out.point("cs_renewals", at, 1, outcome=outcome)

    customers: dict[str, int] = {}
    for (customer, _), event in last.items():
        mrr = subscription_mrr(event, fx, counted)
        customers[customer] = customers.get(customer, 0) + mrr
        if mrr > 0:
            out.add("cs_mrr", mrr, plan=event.plan)
            out.add("cs_subscriptions_active", 1, plan=event.plan)
            if event.cancel_at_period_end:
                out.add("cs_mrr_scheduled_churn", mrr)
    out.add("cs_customers_active", sum(1 for mrr in customers.values() if mrr > 0))
    return out.read(latest if clock is None else clock, windows)


def payment_series(
    events: Iterable[PaymentEvent],
    fx: FxTable,
    *,
    clock: int | None = None,
    windows: Mapping[str, int] = WINDOWS,
) -> Series:
    """Every payment series after `events` (order does not matter), read at `clock`."""
    out = _Series()
    succeeded: dict[str, int] = {}
    latest = 0
    for event in events:
        outcome = event.type.removeprefix("payment.")
        amount = round(fx.to_micro(event.amount_minor, event.currency))
        at = seconds(event.occurred_at)
        latest = max(latest, at)
        out.add("cs_payments_total", 1, outcome=outcome, kind=event.kind)
        out.add("cs_payment_amount_total", amount, outcome=outcome, kind=event.kind)
        out.point("cs_payments", at, 1, outcome=outcome)
        out.point("cs_payment_amount", at, amount, outcome=outcome)
        if outcome == "succeeded":
            succeeded[event.customer_id] = succeeded.get(event.customer_id, 0) + 1
    for threshold in (1, 2):
        paying = sum(1 for n in succeeded.values() if n >= threshold)
        out.add("cs_paying_customers", paying, min_payments=str(threshold))
    return out.read(latest if clock is None else clock, windows)


# Factories with defaults, shared by the unit and property tests.
_ids = itertools.count()


def when(moment: datetime | int | str) -> datetime:
    """An aware datetime from a datetime, epoch seconds or an RFC 3339 string."""
    if isinstance(moment, datetime):
        return moment
    if isinstance(moment, int):
        return EPOCH + timedelta(seconds=moment)
    return datetime.fromisoformat(moment)


def subscription_event(
    at: datetime | int | str,
    type: str = "subscription.updated",
    customer: str = "c1",
    sub: str = "s1",
    **fields: Any,
) -> SubscriptionEvent:
    values: dict[str, Any] = {
        "type": type,
        "status": "active",
        "plan": "pro",
        "currency": "USD",
        "amount_minor": 1000,
        "interval": "month",
        **fields,
    }
    return SubscriptionEvent(
        event_id=f"s-{next(_ids)}",
        occurred_at=when(at),
        customer_id=customer,
        subscription_id=sub,
        **values,
    )


def payment_event(
    at: datetime | int | str,
    type: str = "payment.succeeded",
    customer: str = "c1",
    amount_minor: int = 1000,
    **fields: Any,
) -> PaymentEvent:
    values: dict[str, Any] = {"type": type, "currency": "USD", "kind": "recurring", **fields}
    return PaymentEvent(
        event_id=f"p-{next(_ids)}",
        occurred_at=when(at),
        customer_id=customer,
        payment_id=f"pay-{next(_ids)}",
        amount_minor=amount_minor,
        **values,
    )
