"""Referrals and upsell / cross-sell offers (CONTRACT v1.1 sections 3, 6 "Growth", 7).

State per customer (the referrer, or the offered account): each referral's earliest
`referral.sent` and earliest `referral.converted`, each offer's earliest presentation
and earliest decision, and the customer's latest `referral.sent`. An event changes
one id; its delta is that id's contributions after minus before (growth_parts.py),
so a late earlier event moves a count to its own window, whatever the arrival order
or batching. Ids are scoped to their customer (the record).

Horizon: ids are kept for ever, not pruned. Order-independence needs them: a
repeat of an outcome already counted (a second `referral.converted`, a decision after
another) must be recognised however late it comes, and conversions routinely come
weeks after the referral. A bounded horizon (e.g. the 7d dedupe horizon) would keep
the state smaller but count such a late repeat a second time. The cost is about
40 bytes per id in the customer's record: referrals and offers are human-scale
events (tens per account), not telemetry. Windowed contributions older than the
widest window are invisible (the partition grids expire them), so keeping them changes
no reading. Every growth event is APPLIED, including one that changes no count (it
still advances the partition clock, like any other valid event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.events import GrowthEvent, OfferDecisionEvent, OfferPresentedEvent, ReferralSentEvent
from streams.metrics.base import Contributions, Delta, DeltaApply, Outcome, Sink
from streams.metrics.catalogue import scales_for
from streams.metrics.eventtime import micros
from streams.metrics.growth_parts import (
    DECISION_CODE,
    KIND_CODE,
    Decision,
    Shown,
    earliest,
    offer_parts,
    referral_parts,
    referrer_parts,
)


@dataclass(slots=True)
class Offer:
    shown: Shown | None = None
    decision: Decision | None = None


@dataclass(slots=True)
class GrowthState:
    #: referral_id -> [earliest sent, earliest converted] (epoch microseconds or None)
    referrals: dict[str, list[int | None]] = field(default_factory=dict)
    last_sent: int | None = None  # the latest referral.sent of this customer, microseconds
    offers: dict[str, Offer] = field(default_factory=dict)


class GrowthDomain(DeltaApply[GrowthState, GrowthEvent]):
    """The `growth` topic family."""

    family = "growth"
    scales: dict[str, int] = scales_for(family)

    def new_state(self) -> GrowthState:
        return GrowthState()

    def apply_into(self, state: GrowthState, event: GrowthEvent, horizon: int, out: Sink) -> Outcome:
        # nothing here depends on the horizon: no id is ever forgotten (module docstring);
        # the touched id's contributions are taken back (sign -1) and written again
        us = micros(event.occurred_at)
        if isinstance(event, OfferPresentedEvent | OfferDecisionEvent):
            offer = state.offers.setdefault(event.offer_id, Offer())
            offer_parts(offer.shown, offer.decision, out, -1)
            kind = KIND_CODE[event.kind]
            if isinstance(event, OfferPresentedEvent):
                shown = Shown(us, kind)
                offer.shown = shown if offer.shown is None else min(offer.shown, shown)
            else:
                decision = Decision(us, DECISION_CODE[event.type], kind)
                offer.decision = decision if offer.decision is None else min(offer.decision, decision)
            offer_parts(offer.shown, offer.decision, out)
        else:
            times = state.referrals.setdefault(event.referral_id, [None, None])
            referral_parts(times, out, -1)
            outcome = 0 if isinstance(event, ReferralSentEvent) else 1
            times[outcome] = earliest(times[outcome], us)
            referral_parts(times, out)
            if outcome == 0:
                referrer_parts(state.last_sent, out, -1)
                state.last_sent = us if state.last_sent is None else max(state.last_sent, us)
                referrer_parts(state.last_sent, out)
        return Outcome.APPLIED

    def contributions(self, state: GrowthState) -> Contributions:
        out = Delta()
        for times in state.referrals.values():
            referral_parts(times, out)
        referrer_parts(state.last_sent, out)
        for offer in state.offers.values():
            offer_parts(offer.shown, offer.decision, out)
        return out

    def prune(self, state: GrowthState, horizon: int) -> None:
        """Nothing: every id is kept (the horizon choice in the module docstring)."""

    def dump(self, state: GrowthState) -> dict[str, Any]:
        """{"r": {id: [sent, converted]}, "l": last sent, "o": {id: [shown or null, decision or null]}}."""
        return {
            "r": state.referrals,
            "l": state.last_sent,
            "o": {
                oid: [list(o.shown) if o.shown else None, list(o.decision) if o.decision else None]
                for oid, o in state.offers.items()
            },
        }

    def load(self, data: dict[str, Any]) -> GrowthState:
        return GrowthState(
            referrals={rid: list(times) for rid, times in data["r"].items()},
            last_sent=data["l"],
            offers={
                oid: Offer(Shown(*shown) if shown else None, Decision(*decision) if decision else None)
                for oid, (shown, decision) in data["o"].items()
            },
        )
