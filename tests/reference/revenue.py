"""Plain batch recomputation of the revenue series, from CONTRACT 3, 5, 6 and the README.

Input: the events as the JSON objects a producer sends (or `Rejected` markers for
records that must be dead-lettered), in arrival order, for one partition. Nothing is
shared with the engine: money is computed in `Fraction`s from the contract's MRR
formula and the configured FX table (rate = reporting major units per major unit,
ISO 4217 minor digits), each subscription's MRR and each payment rounded to the
nearest 10**-6 reporting minor unit (ties to even) as the README states; customer
MRR is recomputed from scratch around every event; windows are left to
`common.differences`, which applies their definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from tests.reference.common import DEDUPE_HORIZON, Expected, Intake, Record, instant

COUNTED = frozenset({"active", "past_due"})
MONTHS_PER_INTERVAL = {
    "day": Fraction(365, 12),
    "week": Fraction(52, 12),
    "month": Fraction(1),
    "quarter": Fraction(1, 3),
    "year": Fraction(1, 12),
}
# ISO 4217 minor-unit digits of the currencies the tests use
MINOR_DIGITS = {"USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "JPY": 0, "KWD": 3, "BHD": 3}


class Fx:
    """`rates`: reporting major units per major unit, as configured ({"EUR": "1.08"})."""

    def __init__(self, reporting: str, rates: Mapping[str, str]) -> None:
        self.reporting = reporting
        self.rates = {code: Fraction(str(rate)) for code, rate in rates.items()}
        self.rates[reporting] = Fraction(1)

    def micro(self, amount_minor: Fraction | int, currency: str) -> int:
        """`amount_minor` minor units of `currency` in 10**-6 reporting minor units."""
        major = Fraction(amount_minor) / 10 ** MINOR_DIGITS[currency]
        reporting_minor = major * self.rates[currency] * 10 ** MINOR_DIGITS[self.reporting]
        return round(reporting_minor * 10**6)  # Fraction rounds half to even


def subscription_mrr(event: Mapping[str, Any], fx: Fx, counted: frozenset[str] = COUNTED) -> int:
    """CONTRACT 6: the MRR an event gives its subscription, in micro reporting minor units."""
    if event["type"] == "subscription.canceled" or event["status"] not in counted:
        return 0
    net = max(0, event["amount_minor"] * event.get("quantity", 1) - event.get("discount_minor", 0))
    monthly = Fraction(net) * MONTHS_PER_INTERVAL[event["interval"]] / event.get("interval_count", 1)
    return fx.micro(monthly, event["currency"])


def subscription_reference(
    records: Iterable[Record],
    fx: Fx,
    *,
    topic: str = "cs.subscriptions",
    counted: frozenset[str] = COUNTED,
    horizon: int = DEDUPE_HORIZON,
) -> Expected:
    """Every subscription series after `records` in arrival order (one partition)."""
    intake = Intake(topic, horizon)
    out = Expected()
    last: dict[tuple[str, str], Mapping[str, Any]] = {}
    ever_active: set[str] = set()

    def customer_mrr(customer: str) -> int:
        return sum(subscription_mrr(e, fx, counted) for (c, _), e in last.items() if c == customer)

    for record in records:
        event = intake.admit(record)
        if event is None:
            continue
        customer = event["customer_id"]
        sub = (customer, event["subscription_id"])
        at = instant(event["occurred_at"])
        previous = last.get(sub)
        if previous is not None and at < instant(previous["occurred_at"]):
            intake.done(event, applied=False)  # last writer wins: older is stale
            continue
        intake.done(event, applied=True)
        before = customer_mrr(customer)
        last[sub] = event
        after = customer_mrr(customer)

        kind = None
        if before == 0 and after > 0:
            kind = "reactivation" if customer in ever_active else "new"
            ever_active.add(customer)
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
        if event["type"] == "subscription.renewed":
            outcome = "renewed"
        elif event["type"] == "subscription.canceled" and not (
            previous is not None and previous["type"] == "subscription.canceled"
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
            out.add("cs_mrr", mrr, plan=event["plan"])
            out.add("cs_subscriptions_active", 1, plan=event["plan"])
            if event.get("cancel_at_period_end"):
                out.add("cs_mrr_scheduled_churn", mrr)
    out.add("cs_customers_active", sum(1 for mrr in customers.values() if mrr > 0))
    return intake.finish(out)


def payment_reference(
    records: Iterable[Record], fx: Fx, *, topic: str = "cs.payments", horizon: int = DEDUPE_HORIZON
) -> Expected:
    """Every payment series after `records` (payments are never stale)."""
    intake = Intake(topic, horizon)
    out = Expected()
    succeeded: dict[str, int] = {}
    for record in records:
        event = intake.admit(record)
        if event is None:
            continue
        intake.done(event, applied=True)
        outcome = event["type"].removeprefix("payment.")
        amount = fx.micro(event["amount_minor"], event["currency"])
        at = instant(event["occurred_at"])
        out.add("cs_payments_total", 1, outcome=outcome, kind=event["kind"])
        out.add("cs_payment_amount_total", amount, outcome=outcome, kind=event["kind"])
        out.point("cs_payments", at, 1, outcome=outcome)
        out.point("cs_payment_amount", at, amount, outcome=outcome)
        if outcome == "succeeded":
            succeeded[event["customer_id"]] = succeeded.get(event["customer_id"], 0) + 1
    for threshold in (1, 2):
        paying = sum(1 for n in succeeded.values() if n >= threshold)
        out.add("cs_paying_customers", paying, min_payments=str(threshold))
    return intake.finish(out)
