"""MRR, MRR movements, active customers and renewals from subscription events.

One record per customer. Each subscription is last-writer-wins by `occurred_at`
(CONTRACT 5); choices where the contract is silent:
- equal `occurred_at`: the event is applied, so the later arrival wins;
- a subscription id is scoped to its customer: the same id under another customer
  is another subscription (moving a subscription between customers is not supported;
  cancel it under the old customer);
- a later non-cancel event revives a canceled subscription (a billing system's
  "reactivate"); `subscription.canceled` itself always contributes 0;
- `cs_renewals{outcome="canceled"}` counts a `subscription.canceled` only when it
  ends a subscription that was not already ended by an earlier applied cancel;
- MRR is converted at the FX rate in force when the event is applied.

Money is integer micro minor units of the reporting currency (see money.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, get_args

from schemas.events import SubscriptionEvent, SubscriptionStatus
from streams.metrics import eventtime
from streams.metrics.base import Contributions, DeltaApply, Outcome, Sink, Slot, add, since, slot
from streams.metrics.catalogue import scales_for
from streams.metrics.money import FxTable, round_div

STATUSES = frozenset(get_args(SubscriptionStatus))
COUNTED_STATUSES = frozenset({"active", "past_due"})  # CONTRACT 6: MRR counts while
# Months per billing interval (CONTRACT 6: day 365/12, week 52/12, ..., year 1/12).
MONTHLY_FACTOR: dict[str, Fraction] = {
    "day": Fraction(365, 12),
    "week": Fraction(52, 12),
    "month": Fraction(1),
    "quarter": Fraction(1, 3),
    "year": Fraction(1, 12),
}

# History / totals codes. 0-6 are kept in history (event time, code, amount);
# 7-9 are the customer-movement counts that codes NEW, CHURN, REACTIVATION imply.
NEW, EXPANSION, CONTRACTION, CHURN, REACTIVATION, RENEWED, CANCELED = range(7)
MOVEMENT_KINDS = ("new", "expansion", "contraction", "churn", "reactivation")
CUSTOMER_CODES = {NEW: 7, CHURN: 8, REACTIVATION: 9}

WINDOWED: tuple[Slot, ...] = (
    *(slot("cs_mrr_movement", kind=k) for k in MOVEMENT_KINDS),
    slot("cs_renewals", outcome="renewed"),
    slot("cs_renewals", outcome="canceled"),
)
ALL_TIME: tuple[Slot, ...] = (
    *(slot("cs_mrr_movement_total", kind=k) for k in MOVEMENT_KINDS),
    slot("cs_renewals_total", outcome="renewed"),
    slot("cs_renewals_total", outcome="canceled"),
    slot("cs_customer_movements_total", kind="new"),
    slot("cs_customer_movements_total", kind="churn"),
    slot("cs_customer_movements_total", kind="reactivation"),
)
CUSTOMER_WINDOWED = {
    code: slot("cs_customer_movements", kind=MOVEMENT_KINDS[code]) for code in CUSTOMER_CODES
}
CUSTOMERS_ACTIVE = slot("cs_customers_active")
SCHEDULED_CHURN = slot("cs_mrr_scheduled_churn")

_TOTALS = 10

# (occurred_at in epoch microseconds, plan, status, MRR, cancel_at_period_end, ended, quantity)
Sub = tuple[int, str, str, int, bool, bool, int]


@dataclass(slots=True)
class SubscriptionState:
    """One customer. `mrr` caches the sum of `subs` MRRs (not dumped)."""

    subs: dict[str, Sub] = field(default_factory=dict)
    ever_active: bool = False
    history: list[tuple[int, int, int]] = field(default_factory=list)  # (at s, code, amount)
    totals: list[int] = field(default_factory=lambda: [0] * _TOTALS)
    mrr: int = 0
    #: earliest occurred_at (microseconds) of any subscription event, stale ones too
    #: (time to value starts there, and a late earlier event restates it)
    first: int | None = None


class SubscriptionDomain(DeltaApply[SubscriptionState, SubscriptionEvent]):
    """The `subscriptions` topic family (CONTRACT 3, 6, 7)."""

    family = "subscriptions"

    def __init__(self, fx: FxTable, counted_statuses: frozenset[str] = COUNTED_STATUSES) -> None:
        unknown = set(counted_statuses) - STATUSES
        if unknown:
            raise ValueError(f"unknown subscription statuses: {sorted(unknown)}")
        self.fx = fx
        self.counted = frozenset(counted_statuses)
        self.scales: dict[str, int] = scales_for(self.family, money_scale=fx.money_scale)
        # (currency, interval) -> (num, den): micro MRR = net * num / (den * interval_count)
        self._ratios: dict[tuple[str, str], tuple[int, int]] = {}
        for currency in fx.currencies:
            for interval, months in MONTHLY_FACTOR.items():
                ratio = fx.factor(currency) * months
                self._ratios[currency, interval] = (ratio.numerator, ratio.denominator)
        self._plan_keys: dict[str, tuple[Slot, Slot]] = {}

    def new_state(self) -> SubscriptionState:
        return SubscriptionState()

    def mrr_of(self, event: SubscriptionEvent) -> int:
        """MRR this event gives its subscription (0 when not counted or canceled)."""
        if event.type == "subscription.canceled" or event.status not in self.counted:
            return 0
        net = event.amount_minor * event.quantity - event.discount_minor
        if net <= 0:
            return 0
        ratio = self._ratios.get((event.currency, event.interval))
        if ratio is None:
            self.fx.factor(event.currency)  # raises a KeyError naming the currency
            raise KeyError(event.interval)
        return round_div(net * ratio[0], ratio[1] * event.interval_count)

    def _keys(self, plan: str) -> tuple[Slot, Slot]:
        keys = self._plan_keys.get(plan)
        if keys is None:
            if len(self._plan_keys) > 10_000:  # bounded cache for hostile plan names
                self._plan_keys.clear()
            keys = self._plan_keys[plan] = (
                slot("cs_mrr", plan=plan),
                slot("cs_subscriptions_active", plan=plan),
            )
        return keys

    def apply_into(
        self, state: SubscriptionState, event: SubscriptionEvent, horizon: int, out: Sink
    ) -> Outcome:
        # nothing this family decides depends on the horizon: `prune` drops only what
        # no window can see any more
        micros = eventtime.micros(event.occurred_at)
        if state.first is None or micros < state.first:
            state.first = micros
        old = state.subs.get(event.subscription_id)
        if old is not None and micros < old[0]:
            return Outcome.STALE
        ended = event.type == "subscription.canceled"
        mrr = self.mrr_of(event)
        cape = event.cancel_at_period_end
        plan = event.plan
        status = "canceled" if ended else event.status
        state.subs[event.subscription_id] = (micros, plan, status, mrr, cape, ended, event.quantity)

        old_mrr = 0
        if old is not None and old[3]:
            old_mrr = old[3]
            mrr_key, subs_key = self._keys(old[1])
            out.bump(mrr_key, None, -old_mrr)
            out.bump(subs_key, None, -1)
            if old[4]:
                out.bump(SCHEDULED_CHURN, None, -old_mrr)
        if mrr:
            mrr_key, subs_key = self._keys(plan)
            out.bump(mrr_key, None, mrr)
            out.bump(subs_key, None, 1)
            if cape:
                out.bump(SCHEDULED_CHURN, None, mrr)

        at = micros // 1_000_000
        before = state.mrr
        after = state.mrr = before - old_mrr + mrr
        if before != after:
            self._movement(state, out, at, before, after)
        if event.type == "subscription.renewed":
            _record(state, out, at, RENEWED, 1)
        elif ended and not (old is not None and old[5]):
            _record(state, out, at, CANCELED, 1)
        return Outcome.APPLIED

    @staticmethod
    def _movement(state: SubscriptionState, out: Sink, at: int, before: int, after: int) -> None:
        if before == 0:
            code = REACTIVATION if state.ever_active else NEW
            state.ever_active = True
            amount = after
        elif after == 0:
            code, amount = CHURN, before
        elif after > before:
            code, amount = EXPANSION, after - before
        else:
            code, amount = CONTRACTION, before - after
        _record(state, out, at, code, amount)
        customer = CUSTOMER_CODES.get(code)
        if customer is not None:
            state.totals[customer] += 1
            out.bump(ALL_TIME[customer], None, 1)
            out.bump(CUSTOMER_WINDOWED[code], at, 1)
            out.bump(CUSTOMERS_ACTIVE, None, 1 if before == 0 else -1)

    def contributions(self, state: SubscriptionState) -> Contributions:
        out: Contributions = {}
        for _, plan, _, mrr, cape, _, _ in state.subs.values():
            if mrr:
                mrr_key, subs_key = self._keys(plan)
                add(out, (mrr_key, None), mrr)
                add(out, (subs_key, None), 1)
                if cape:
                    add(out, (SCHEDULED_CHURN, None), mrr)
        if state.mrr:
            out[CUSTOMERS_ACTIVE, None] = 1
        for code, value in enumerate(state.totals):
            if value:
                out[ALL_TIME[code], None] = value
        for at, code, amount in state.history:
            add(out, (WINDOWED[code], at), amount)
            if code in CUSTOMER_CODES:
                add(out, (CUSTOMER_WINDOWED[code], at), 1)
        return out

    def prune(self, state: SubscriptionState, horizon: int) -> None:
        state.history = since(state.history, horizon)

    def dump(self, state: SubscriptionState) -> dict[str, Any]:
        """{"s": {id: [us, plan, status, mrr, cape, ended, quantity]}, "e", "h": flat, "t", "f"}."""
        return {
            "s": {
                sid: [us, plan, status, mrr, int(cape), int(ended), quantity]
                for sid, (us, plan, status, mrr, cape, ended, quantity) in state.subs.items()
            },
            "e": int(state.ever_active),
            "h": [x for entry in state.history for x in entry],
            "t": state.totals,
            "f": state.first,
        }

    def load(self, data: dict[str, Any]) -> SubscriptionState:
        # records written before v1.1 health inputs have no quantity (1) and no "f"
        subs: dict[str, Sub] = {
            sid: (row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), row[6] if len(row) > 6 else 1)
            for sid, row in data["s"].items()
        }
        flat = data["h"]
        return SubscriptionState(
            subs=subs,
            ever_active=bool(data["e"]),
            history=list(zip(flat[0::3], flat[1::3], flat[2::3], strict=True)),
            totals=list(data["t"]),
            mrr=sum(sub[3] for sub in subs.values()),
            first=data.get("f"),
        )


def _record(state: SubscriptionState, out: Sink, at: int, code: int, amount: int) -> None:
    state.history.append((at, code, amount))
    state.totals[code] += amount
    out.bump(ALL_TIME[code], None, amount)
    out.bump(WINDOWED[code], at, amount)
