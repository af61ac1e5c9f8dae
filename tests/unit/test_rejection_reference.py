"""The contract's rejection rules in tests/reference/rejection.py, against the simulator's
invalid records (one defect each, with the reason CONTRACT 4 gives it)."""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random
from typing import Any

import orjson

from simulator.faults import DEFECTS, KINDS, corrupt
from tests.reference.common import Rejected
from tests.reference.rejection import classify

NOW = datetime(2026, 11, 26, tzinfo=UTC)
ENVELOPE = {"occurred_at": "2026-11-20T10:00:00.25Z", "customer_id": "cus_1"}
VALID: dict[str, dict[str, Any]] = {
    "subscriptions": {
        "type": "subscription.updated",
        "subscription_id": "s",
        "status": "active",
        "plan": "pro",
        "currency": "EUR",
        "amount_minor": 4999,
        "interval": "year",
    },
    "payments": {
        "type": "payment.failed",
        "payment_id": "p",
        "amount_minor": 10,
        "currency": "USD",
        "kind": "recurring",
    },
    "surveys": {"type": "survey.responded", "survey": "csat", "score": 3},
    "tickets": {"type": "ticket.created", "ticket_id": "t", "channel": "chat", "priority": "urgent"},
}


def test_valid_events_are_accepted_as_they_are() -> None:
    for family, fields in VALID.items():
        event = {"event_id": "e1", **ENVELOPE, **fields}
        assert classify(orjson.dumps(event), family, {"USD", "EUR"}, NOW) == event


def test_every_simulated_defect_gets_the_contract_reason() -> None:
    for family, fields in VALID.items():
        event = {"event_id": "e1", **ENVELOPE, **fields}
        seen = set()
        for seed in range(400):
            defect, raw = corrupt(event, family, f"bad-{seed}", Random(seed))
            seen.add(defect)
            got = classify(raw, family, {"USD", "EUR"}, NOW)
            assert got == Rejected(DEFECTS[defect]), (family, defect, raw)
        assert seen == set(KINDS[family])
