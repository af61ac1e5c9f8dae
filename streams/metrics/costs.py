"""Acquisition and retention spend (CONTRACT v1.1 sections 3, 6 "Costs", 7).

Every cost event is applied: spend is a sum, so arrival order never matters. Choices
where the contract is silent:
- amounts are converted like payments (payments.py): at the FX rate in force when the
  event is applied, each cost rounded to the nearest micro minor unit (ties to even);
- `channel` is free text and kept out of the series (the ratios never split by it);
- a cost's `customer_id` only places the record: this family touches no customer
  series, so a cost never makes anyone a customer (CONTRACT 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.events import CostEvent
from streams.metrics.base import Contributions, DeltaApply, Outcome, Sink, Slot, add, since, slot
from streams.metrics.catalogue import scales_for
from streams.metrics.eventtime import seconds
from streams.metrics.money import FxTable, round_div

CATEGORIES = ("acquisition", "retention")
_CODE = {name: code for code, name in enumerate(CATEGORIES)}
TOTAL: tuple[Slot, ...] = tuple(slot("cs_cost_amount_total", category=c) for c in CATEGORIES)
WINDOWED: tuple[Slot, ...] = tuple(slot("cs_cost_amount", category=c) for c in CATEGORIES)


@dataclass(slots=True)
class CostState:
    """One record: all-time spend per category and the costs windows may still see."""

    totals: list[int] = field(default_factory=lambda: [0] * len(CATEGORIES))
    history: list[tuple[int, int, int]] = field(default_factory=list)  # (at s, category, amount)


class CostDomain(DeltaApply[CostState, CostEvent]):
    """The `costs` topic family."""

    family = "costs"

    def __init__(self, fx: FxTable) -> None:
        self.fx = fx
        self.scales: dict[str, int] = scales_for(self.family, money_scale=fx.money_scale)

    def new_state(self) -> CostState:
        return CostState()

    def amount_of(self, event: CostEvent) -> int:
        """The cost in reporting micro minor units."""
        factor = self.fx.factor(event.currency)  # a KeyError naming an unknown currency
        return round_div(event.amount_minor * factor.numerator, factor.denominator)

    def apply_into(self, state: CostState, event: CostEvent, horizon: int, out: Sink) -> Outcome:
        # nothing this family decides depends on the horizon: `prune` drops only what
        # no window can see any more
        category = _CODE[event.category]
        amount = self.amount_of(event)
        at = seconds(event.occurred_at)
        state.totals[category] += amount
        state.history.append((at, category, amount))
        out.bump(TOTAL[category], None, amount)  # a tiny foreign cost may round to 0:
        out.bump(WINDOWED[category], at, amount)  # bump writes nothing then
        return Outcome.APPLIED

    def contributions(self, state: CostState) -> Contributions:
        out: Contributions = {}
        for category, amount in enumerate(state.totals):
            if amount:
                out[TOTAL[category], None] = amount
        for at, category, amount in state.history:
            if amount:
                add(out, (WINDOWED[category], at), amount)
        return out

    def prune(self, state: CostState, horizon: int) -> None:
        state.history = since(state.history, horizon)

    def dump(self, state: CostState) -> dict[str, Any]:
        """{"t": spend per category, "h": [at, category, amount, ...]}."""
        return {"t": state.totals, "h": [x for entry in state.history for x in entry]}

    def load(self, data: dict[str, Any]) -> CostState:
        flat = data["h"]
        return CostState(
            totals=list(data["t"]),
            history=list(zip(flat[0::3], flat[1::3], flat[2::3], strict=True)),
        )
