"""Payment counts and amounts, and paying customers, from payment events.

Every payment event is applied: all figures are sums, so arrival order never
matters (CONTRACT 5). Choices where the contract is silent:
- `cs_paying_customers` counts succeeded payments only; a later refund does not
  take a customer out (refunds are their own outcome);
- amounts are converted at the FX rate in force when the event is applied, each
  payment rounded to the nearest micro minor unit (ties to even).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.events import PaymentEvent
from streams.metrics.base import Contributions, DeltaApply, Key, Outcome, Sink, Slot, since, slot
from streams.metrics.catalogue import scales_for
from streams.metrics.eventtime import seconds
from streams.metrics.money import FxTable, round_div

OUTCOMES = ("succeeded", "failed", "refunded")
KINDS = ("recurring", "one_time")
_OUTCOME_CODE = {f"payment.{name}": code for code, name in enumerate(OUTCOMES)}
_KIND_CODE = {name: code for code, name in enumerate(KINDS)}
_PAIRS = len(OUTCOMES) * len(KINDS)

# totals[i] (counts) and totals[_PAIRS + i] (amounts), i = outcome * 2 + kind
COUNT_TOTAL: tuple[Slot, ...] = tuple(
    slot("cs_payments_total", outcome=o, kind=k) for o in OUTCOMES for k in KINDS
)
AMOUNT_TOTAL: tuple[Slot, ...] = tuple(
    slot("cs_payment_amount_total", outcome=o, kind=k) for o in OUTCOMES for k in KINDS
)
COUNT_WINDOWED = tuple(slot("cs_payments", outcome=o) for o in OUTCOMES)
AMOUNT_WINDOWED = tuple(slot("cs_payment_amount", outcome=o) for o in OUTCOMES)
PAYING = (
    slot("cs_paying_customers", min_payments="1"),
    slot("cs_paying_customers", min_payments="2"),
)


@dataclass(slots=True)
class PaymentState:
    """One customer: all-time totals and the payments windows may still see."""

    totals: list[int] = field(default_factory=lambda: [0] * (2 * _PAIRS))
    history: list[tuple[int, int, int]] = field(default_factory=list)  # (at s, outcome, amount)

    @property
    def succeeded(self) -> int:
        return self.totals[0] + self.totals[1]


class PaymentDomain(DeltaApply[PaymentState, PaymentEvent]):
    """The `payments` topic family (CONTRACT 3, 6, 7)."""

    family = "payments"

    def __init__(self, fx: FxTable) -> None:
        self.fx = fx
        self.scales: dict[str, int] = scales_for(self.family, money_scale=fx.money_scale)
        self._ratios = {c: (fx.factor(c).numerator, fx.factor(c).denominator) for c in fx.currencies}

    def new_state(self) -> PaymentState:
        return PaymentState()

    def amount_of(self, event: PaymentEvent) -> int:
        """The payment in reporting micro minor units."""
        try:
            num, den = self._ratios[event.currency]
        except KeyError:
            self.fx.factor(event.currency)  # raises a KeyError naming the currency
            raise
        return round_div(event.amount_minor * num, den)

    def apply_into(self, state: PaymentState, event: PaymentEvent, horizon: int, out: Sink) -> Outcome:
        # nothing this family decides depends on the horizon: `prune` drops only what
        # no window can see any more
        outcome = _OUTCOME_CODE[event.type]
        pair = outcome * 2 + _KIND_CODE[event.kind]
        amount = self.amount_of(event)
        at = seconds(event.occurred_at)
        paid_before = state.succeeded
        state.totals[pair] += 1
        state.totals[_PAIRS + pair] += amount
        state.history.append((at, outcome, amount))
        out.bump(COUNT_TOTAL[pair], None, 1)
        out.bump(COUNT_WINDOWED[outcome], at, 1)
        out.bump(AMOUNT_TOTAL[pair], None, amount)
        out.bump(AMOUNT_WINDOWED[outcome], at, amount)
        if outcome == 0 and paid_before < 2:
            out.bump(PAYING[paid_before], None, 1)
        return Outcome.APPLIED

    def contributions(self, state: PaymentState) -> Contributions:
        out: Contributions = {}
        totals = state.totals
        for pair in range(_PAIRS):
            if totals[pair]:
                out[COUNT_TOTAL[pair], None] = totals[pair]
            if totals[_PAIRS + pair]:
                out[AMOUNT_TOTAL[pair], None] = totals[_PAIRS + pair]
        for at, outcome, amount in state.history:
            count_key: Key = (COUNT_WINDOWED[outcome], at)
            out[count_key] = out.get(count_key, 0) + 1
            if amount:
                amount_key: Key = (AMOUNT_WINDOWED[outcome], at)
                out[amount_key] = out.get(amount_key, 0) + amount
        paid = state.succeeded
        for threshold, paying in enumerate(PAYING, start=1):
            if paid >= threshold:
                out[paying, None] = 1
        return out

    def prune(self, state: PaymentState, horizon: int) -> None:
        state.history = since(state.history, horizon)

    def dump(self, state: PaymentState) -> dict[str, Any]:
        """{"t": 6 counts then 6 amounts, "h": [at, outcome, amount, ...]}."""
        return {"t": state.totals, "h": [x for entry in state.history for x in entry]}

    def load(self, data: dict[str, Any]) -> PaymentState:
        flat = data["h"]
        return PaymentState(
            totals=list(data["t"]),
            history=list(zip(flat[0::3], flat[1::3], flat[2::3], strict=True)),
        )
