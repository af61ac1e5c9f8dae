"""Factory helpers with sensible defaults: raw event bytes and Kafka-like messages."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson

from schemas.events import Envelope, PaymentEvent, SubscriptionEvent
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
    elif kind == "product.used":
        body |= {"user_id": "u1", "feature": "export"}
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


# Event models with defaults, for the domain-level unit and property tests.
_model_ids = itertools.count()
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def seconds(moment: datetime) -> int:
    """Whole epoch seconds (floor) of an aware datetime."""
    return (moment - EPOCH) // timedelta(seconds=1)


def when(moment: datetime | int | str) -> datetime:
    """An aware datetime from a datetime, epoch seconds or an RFC 3339 string."""
    if isinstance(moment, datetime):
        return moment
    if isinstance(moment, int):
        return EPOCH + timedelta(seconds=moment)
    return datetime.fromisoformat(moment)


def subscription_event(
    at: datetime | int | str,
    type: str = "subscription.updated",
    customer: str = "c1",
    sub: str = "s1",
    **fields: Any,
) -> SubscriptionEvent:
    values: dict[str, Any] = {
        "type": type,
        "status": "active",
        "plan": "pro",
        "currency": "USD",
        "amount_minor": 1000,
        "interval": "month",
        **fields,
    }
    return SubscriptionEvent(
        event_id=f"s-{next(_model_ids)}",
        occurred_at=when(at),
        customer_id=customer,
        subscription_id=sub,
        **values,
    )


def payment_event(
    at: datetime | int | str,
    type: str = "payment.succeeded",
    customer: str = "c1",
    amount_minor: int = 1000,
    **fields: Any,
) -> PaymentEvent:
    values: dict[str, Any] = {"type": type, "currency": "USD", "kind": "recurring", **fields}
    return PaymentEvent(
        event_id=f"p-{next(_model_ids)}",
        occurred_at=when(at),
        customer_id=customer,
        payment_id=f"pay-{next(_model_ids)}",
        amount_minor=amount_minor,
        **values,
    )


def as_json(event: Envelope) -> dict[str, Any]:
    """The JSON object a producer would send for `event` (what the references read)."""
    return cast(dict[str, Any], orjson.loads(orjson.dumps(event.model_dump(mode="json", exclude_none=True))))
