"""CONTRACT 2, 3 and 4 from the producer's side: is a raw record accepted, and if not, why.

Used to read records back from a topic and hand the batch references what they take:
the parsed JSON object of an accepted record, or `Rejected(reason)`. Written from the
contract, not from the engine's decoder: it checks what the contract names (JSON
object, envelope, the family's types and required fields, amounts and scores in
range, a currency in the FX table, no timestamp more than the allowed skew ahead of
`now`). When a record has several defects the contract does not say which reason
wins; the tests that use this send records with one defect each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from tests.reference.common import Record, Rejected

TYPES = {
    "subscriptions": {f"subscription.{t}" for t in ("created", "updated", "renewed", "canceled")},
    "payments": {f"payment.{t}" for t in ("succeeded", "failed", "refunded")},
    "surveys": {"survey.responded"},
    "tickets": {f"ticket.{t}" for t in ("created", "replied", "resolved", "reopened")},
}
REQUIRED = {
    "subscriptions": ("subscription_id", "status", "plan", "currency", "amount_minor", "interval"),
    "payments": ("payment_id", "amount_minor", "currency", "kind"),
    "surveys": ("survey", "score"),
    "tickets": ("ticket_id",),
}
ENUMS = {
    "subscriptions": {
        "status": {"trialing", "active", "past_due", "paused", "canceled"},
        "interval": {"day", "week", "month", "quarter", "year"},
    },
    "payments": {"kind": {"recurring", "one_time"}},
    "surveys": {"survey": {"nps", "csat", "ces"}},
    "tickets": {
        "channel": {"email", "chat", "phone", "web", "social", "other"},
        "priority": {"low", "normal", "high", "urgent"},
        "initiated_by": {"customer", "agent"},
        "author": {"agent", "customer"},
    },
}
SCORES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")
MAX_SKEW = 300


def _ident(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 128


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _schema_ok(event: Mapping[str, Any], family: str) -> bool:
    if not all(_ident(event.get(f)) for f in ("event_id", "customer_id")):
        return False
    if not isinstance(event.get("occurred_at"), str) or not RFC3339.match(event["occurred_at"]):
        return False
    try:
        datetime.fromisoformat(event["occurred_at"].replace("z", "Z"))
    except ValueError:
        return False
    if any(event.get(f) is None for f in REQUIRED[family]):
        return False
    for name, allowed in ENUMS[family].items():
        if event.get(name) is not None and event[name] not in allowed:
            return False
    if "amount_minor" in event:
        amount = event["amount_minor"]
        low = 1 if family == "payments" else 0
        if not _integer(amount) or amount < low:
            return False
    if family == "subscriptions":
        if not _integer(event.get("quantity", 1)) or event.get("quantity", 1) < 0:
            return False
        if not _integer(event.get("discount_minor", 0)) or event.get("discount_minor", 0) < 0:
            return False
        if not _integer(event.get("interval_count", 1)) or event.get("interval_count", 1) < 1:
            return False
    if family == "surveys":
        low, high = SCORES[event["survey"]]
        if not _integer(event["score"]) or not low <= event["score"] <= high:
            return False
    return True


def classify(
    raw: bytes, family: str, currencies: Collection[str], now: datetime, skew: int = MAX_SKEW
) -> Record:
    """The event a record carries, or why CONTRACT 4 rejects it."""
    try:
        event = json.loads(raw)
    except ValueError:
        return Rejected("malformed_json")
    if not isinstance(event, dict):
        return Rejected("schema_violation")
    if isinstance(event.get("type"), str) and event["type"] not in TYPES[family]:
        return Rejected("unknown_type")
    if not isinstance(event.get("type"), str) or not _schema_ok(event, family):
        return Rejected("schema_violation")
    if "currency" in event and event["currency"] not in currencies:
        return Rejected("unknown_currency")
    occurred = datetime.fromisoformat(event["occurred_at"].replace("z", "Z"))
    if occurred > now + timedelta(seconds=skew):
        return Rejected("future_timestamp")
    return event
