"""Invalid records, one of every kind CONTRACT section 4 rejects, made from valid events."""

from __future__ import annotations

from random import Random

import orjson

from simulator.catalog import pick
from simulator.context import Event

# Defect -> the rejection reason a decoder gives it.
DEFECTS = {
    "malformed_json": "malformed_json",
    "json_array": "schema_violation",
    "missing_field": "schema_violation",
    "score_out_of_range": "schema_violation",
    "negative_amount": "schema_violation",
    "unknown_currency": "unknown_currency",
    "unknown_type": "unknown_type",
    "future_timestamp": "future_timestamp",
    "bad_timestamp": "schema_violation",
}
_ANY = ("malformed_json", "json_array", "missing_field", "unknown_type",
        "future_timestamp", "bad_timestamp")  # fmt: skip
_MONEY = (*_ANY, "negative_amount", "unknown_currency")
KINDS = {
    "subscriptions": _MONEY,
    "payments": _MONEY,
    "tickets": _ANY,
    "surveys": (*_ANY, "score_out_of_range"),
    "usage": _ANY,
    "costs": _MONEY,
    "growth": _ANY,
}
# The required fields of each family (growth: those of the event's type that it carries).
_REQUIRED = {
    "subscriptions": ("subscription_id", "status", "plan", "currency", "amount_minor", "interval"),
    "payments": ("payment_id", "amount_minor", "currency", "kind"),
    "tickets": ("ticket_id",),
    "surveys": ("survey", "score"),
    "usage": ("user_id", "feature"),
    "costs": ("category", "amount_minor", "currency"),
    "growth": ("referral_id", "referred_customer_id", "offer_id", "kind"),
}
_ENVELOPE = ("event_id", "type", "occurred_at", "customer_id")
_UNKNOWN_TYPES = {
    "subscriptions": "subscription.trial_will_end",
    "payments": "payment.disputed",
    "tickets": "ticket.merged",
    "surveys": "survey.skipped",
    "usage": "product.viewed",
    "costs": "cost.reversed",
    "growth": "offer.expired",
}
_OUT_OF_RANGE = {"nps": (-1, 11), "csat": (0, 6), "ces": (0, 8)}
_BAD_TIMESTAMPS = ("yesterday", "2026-13-45T25:61:00Z", "1767225600", "2026-01-31 12:00")
FAR_FUTURE = "2999-01-01T00:00:00Z"  # far ahead of any wall clock, yet deterministic


def corrupt(event: Event, family: str, event_id: str, rng: Random) -> tuple[str, bytes]:
    """A random defect and the invalid bytes of `event` (under a new event_id) with it."""
    kinds = KINDS[family]
    defect = pick(rng, kinds)
    bad = dict(event, event_id=event_id)
    if defect == "missing_field":
        fields = [name for name in _ENVELOPE + _REQUIRED[family] if name in bad]
        del bad[pick(rng, fields)]
    elif defect == "score_out_of_range":
        bad["score"] = pick(rng, _OUT_OF_RANGE[bad["survey"]])
    elif defect == "negative_amount":
        bad["amount_minor"] = -max(1, bad["amount_minor"])
    elif defect == "unknown_currency":
        bad["currency"] = "XXX"
    elif defect == "unknown_type":
        bad["type"] = _UNKNOWN_TYPES[family]
    elif defect == "future_timestamp":
        bad["occurred_at"] = FAR_FUTURE
    elif defect == "bad_timestamp":
        bad["occurred_at"] = pick(rng, _BAD_TIMESTAMPS)
    raw = orjson.dumps(bad, option=orjson.OPT_UTC_Z)
    if defect == "malformed_json":
        raw = raw[: len(raw) // 2]
    elif defect == "json_array":
        raw = b"[" + raw + b"]"
    return defect, raw
