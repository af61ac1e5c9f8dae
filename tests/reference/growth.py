"""Plain batch recomputation of the growth series from CONTRACT v1.1: the oracle.

Imports nothing from streams/ or schemas/. Straight from the definitions, over the
whole set of events at once (so arrival order cannot matter): a referral_id (of its
customer) counts once per outcome, at its earliest event of that outcome; a customer
refers in W when its latest referral.sent is in W; an offer_id is presented once, at
its earliest offer.presented or else at its earliest decision, and decided once, by
its earliest decision. Exact ties are broken as the README documents: accepted before
declined, upsell before cross_sell; an offer's kind is its presentation's, else its
decision's. Windows and tolerance as in tests/reference/costs.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from tests.reference.costs import WINDOWS, Bounds, Exact, Point, flat, whole_seconds, windowed

KIND_ORDER = {"upsell": 0, "cross_sell": 1}
DECISION_ORDER = {"offer.accepted": 0, "offer.declined": 1}


def moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _count(totals: Exact, points: list[Point], name: str, stamp: str, **labels: str) -> None:
    key = flat(f"{name}_total", **labels)
    totals[key] = totals.get(key, Fraction(0)) + 1
    points.append((whole_seconds(stamp), name, labels, Fraction(1)))


def _referrals(events: list[Mapping[str, Any]], totals: Exact, points: list[Point]) -> None:
    first: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    latest_sent: dict[str, Mapping[str, Any]] = {}
    for e in events:
        if not e["type"].startswith("referral."):
            continue
        key = (e["customer_id"], e["referral_id"], e["type"])
        if key not in first or moment(e["occurred_at"]) < moment(first[key]["occurred_at"]):
            first[key] = e
        last = latest_sent.get(e["customer_id"])
        later = last is None or moment(e["occurred_at"]) > moment(last["occurred_at"])
        if e["type"] == "referral.sent" and later:
            latest_sent[e["customer_id"]] = e
    for (_, _, kind), e in first.items():
        _count(totals, points, "cs_referrals", e["occurred_at"], outcome=kind.split(".")[1])
    for e in latest_sent.values():
        points.append((whole_seconds(e["occurred_at"]), "cs_referring_customers", {}, Fraction(1)))


def _offers(events: list[Mapping[str, Any]], totals: Exact, points: list[Point]) -> None:
    shown: dict[tuple[str, str], Mapping[str, Any]] = {}
    decided: dict[tuple[str, str], Mapping[str, Any]] = {}

    def shown_order(e: Mapping[str, Any]) -> tuple[datetime, int]:
        return moment(e["occurred_at"]), KIND_ORDER[e["kind"]]

    def decided_order(e: Mapping[str, Any]) -> tuple[datetime, int, int]:
        return moment(e["occurred_at"]), DECISION_ORDER[e["type"]], KIND_ORDER[e["kind"]]

    for e in events:
        if not e["type"].startswith("offer."):
            continue
        key = (e["customer_id"], e["offer_id"])
        if e["type"] == "offer.presented":
            if key not in shown or shown_order(e) < shown_order(shown[key]):
                shown[key] = e
            continue
        if key not in decided or decided_order(e) < decided_order(decided[key]):
            decided[key] = e
    for key in shown.keys() | decided.keys():
        presentation = shown.get(key) or decided[key]
        kind = presentation["kind"]
        _count(totals, points, "cs_offers", presentation["occurred_at"], kind=kind, outcome="presented")
        decision = decided.get(key)
        if decision is not None:
            outcome = decision["type"].split(".")[1]
            _count(totals, points, "cs_offers", decision["occurred_at"], kind=kind, outcome=outcome)


def growth_series(
    events: Iterable[Mapping[str, Any]], windows: Mapping[str, int] = WINDOWS
) -> tuple[Exact, Bounds]:
    """(all-time series, windowed bounds) of growth events with distinct event ids."""
    events = list(events)
    if not events:
        return {}, {}
    totals: Exact = {}
    points: list[Point] = []
    _referrals(events, totals, points)
    _offers(events, totals, points)
    clock = max(whole_seconds(e["occurred_at"]) for e in events)
    return totals, windowed(points, clock, windows)
