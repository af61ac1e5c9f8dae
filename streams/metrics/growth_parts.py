"""What one referral, one offer and one referrer contribute (CONTRACT v1.1 "Growth").

Pure functions of the per-id state kept by growth.py, so that applying an event is
"contributions after minus contributions before" of the one id it touches, and a
record's contributions are the sum over its ids: order-independent by construction.

Times are integer microseconds (exact "earliest"); windows bucket whole seconds.
Ties between different events at the same microsecond are broken by the smallest
(outcome code, kind code), so the winner never depends on arrival order.
"""

from __future__ import annotations

from typing import NamedTuple

from streams.metrics.base import Sink, Slot, slot
from streams.metrics.eventtime import MICROS

REFERRAL_OUTCOMES = ("sent", "converted")
OFFER_KINDS = ("upsell", "cross_sell")
OFFER_OUTCOMES = ("presented", "accepted", "declined")
KIND_CODE = {name: code for code, name in enumerate(OFFER_KINDS)}
DECISION_CODE = {"offer.accepted": 0, "offer.declined": 1}  # outcome = 1 + code

REFERRALS_TOTAL = tuple(slot("cs_referrals_total", outcome=o) for o in REFERRAL_OUTCOMES)
REFERRALS = tuple(slot("cs_referrals", outcome=o) for o in REFERRAL_OUTCOMES)
REFERRING = slot("cs_referring_customers")
OFFERS_TOTAL: tuple[tuple[Slot, ...], ...] = tuple(
    tuple(slot("cs_offers_total", kind=k, outcome=o) for o in OFFER_OUTCOMES) for k in OFFER_KINDS
)
OFFERS: tuple[tuple[Slot, ...], ...] = tuple(
    tuple(slot("cs_offers", kind=k, outcome=o) for o in OFFER_OUTCOMES) for k in OFFER_KINDS
)


class Shown(NamedTuple):
    """The earliest `offer.presented` of an offer."""

    us: int
    kind: int


class Decision(NamedTuple):
    """The earliest decision of an offer: min by (time, outcome, kind)."""

    us: int
    outcome: int  # 0 accepted, 1 declined
    kind: int


def earliest(current: int | None, us: int) -> int:
    return us if current is None or us < current else current


def referral_parts(times: list[int | None], out: Sink, sign: int = 1) -> None:
    """A referral counts once per outcome, in the window of its earliest event of it."""
    for outcome, us in enumerate(times):
        if us is not None:
            out.bump(REFERRALS_TOTAL[outcome], None, sign)
            out.bump(REFERRALS[outcome], us // MICROS, sign)


def referrer_parts(last_sent_us: int | None, out: Sink, sign: int = 1) -> None:
    """A referring customer counts 1 at its latest referral.sent."""
    if last_sent_us is not None:
        out.bump(REFERRING, last_sent_us // MICROS, sign)


def offer_parts(shown: Shown | None, decision: Decision | None, out: Sink, sign: int = 1) -> None:
    """Presented once (at its presentation, else at its decision), decided once.

    The offer's kind is its presentation's, else its decision's: an offer's accepted
    and presented counts always share a `kind`, so the conversion stays <= 1.
    """
    if shown is not None:
        kind, shown_us = shown.kind, shown.us
    elif decision is not None:
        kind, shown_us = decision.kind, decision.us
    else:
        return
    out.bump(OFFERS_TOTAL[kind][0], None, sign)
    out.bump(OFFERS[kind][0], shown_us // MICROS, sign)
    if decision is not None:
        out.bump(OFFERS_TOTAL[kind][1 + decision.outcome], None, sign)
        out.bump(OFFERS[kind][1 + decision.outcome], decision.us // MICROS, sign)
