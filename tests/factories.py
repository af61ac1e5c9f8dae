"""Factory helpers with sensible defaults: raw event bytes and Kafka-like messages."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from streams.engine.messages import Message

BASE = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(minutes: float = 0) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat()


def event(kind: str, customer: str = "cus_1", minutes: float = 0, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": fields.pop("event_id", f"evt-{next(_ids)}"),
        "type": kind,
        "occurred_at": at(minutes),
        "customer_id": customer,
    }
    if kind.startswith("subscription."):
        body |= {
            "subscription_id": "sub_1",
            "status": "active",
            "plan": "pro",
            "currency": "USD",
            "amount_minor": 10000,
            "interval": "month",
        }
    elif kind.startswith("payment."):
        body |= {
            "payment_id": f"pay-{next(_ids)}",
            "amount_minor": 5000,
            "currency": "USD",
            "kind": "recurring",
        }
    elif kind == "survey.responded":
        body |= {"survey": "nps", "score": 10}
    elif kind.startswith("ticket."):
        body |= {"ticket_id": "t1"}
        if kind == "ticket.created":
            body |= {"channel": "email", "priority": "normal"}
        if kind == "ticket.replied":
            body |= {"author": "agent"}
    elif kind == "cost.incurred":
        body |= {"category": "acquisition", "amount_minor": 10000, "currency": "USD"}
    elif kind.startswith("referral."):
        body |= {"referral_id": "ref_1"}
        if kind == "referral.converted":
            body |= {"referred_customer_id": "cus_referred"}
    elif kind.startswith("offer."):
        body |= {"offer_id": "offer_1", "kind": "upsell"}
    body |= fields
    return body


def raw(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


def messages(topic: str, partition: int, values: list[bytes], start: int = 0) -> list[Message]:
    return [Message(topic, partition, start + i, None, v) for i, v in enumerate(values)]
