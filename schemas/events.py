"""Pydantic v2 models of the cspulse event contract (CONTRACT.md sections 2-3).

One model per event family; the `type` field picks the family. Unknown fields are
ignored, every timestamp must be RFC 3339 with an offset, money is integer minor units.

Models are strict (no "4999" -> 4999, no 1.0 -> 1, no "yes" -> True): producers send
JSON, which has real numbers and booleans, so a string where a number belongs is a
producer bug we want dead-lettered, not guessed at. Timestamps are the exception: they
are strings in JSON and parsed here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

# pydantic alone also takes epoch numbers, "1700000000", "+0000" offsets and times
# without seconds; RFC 3339 (section 5.6, space separator allowed) is narrower.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
).fullmatch
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RFC3339_MESSAGE = "Input should be an RFC 3339 timestamp with an offset, e.g. 2026-01-31T12:00:00Z"


def _rfc3339(value: object) -> object:
    # Parsed here, not by pydantic, so events carry stdlib `timezone` offsets: pydantic's
    # own TzInfo makes every later comparison and .timestamp() several times slower.
    if isinstance(value, str):
        if _RFC3339(value):
            try:
                moment = datetime.fromisoformat(value.upper())  # 3.11 rejects "t" and "z"
            except ValueError:  # e.g. month 13; the message would echo the input
                pass
            else:
                if moment < _EPOCH:  # out of range: event-time arithmetic is Unix time
                    raise PydanticCustomError("rfc3339", "Input should be at or after 1970-01-01T00:00:00Z")
                return moment
    elif isinstance(value, datetime):  # models built in Python code
        return value
    raise PydanticCustomError("rfc3339", _RFC3339_MESSAGE)


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Currency = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    Field(description="ISO 4217 alphabetic code, e.g. USD"),
]


class Envelope(BaseModel):
    """Fields every cspulse event carries (contract v1, section 2)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    event_id: Id = Field(description="Unique per event; a repeat is a duplicate.")
    type: str
    occurred_at: Timestamp = Field(description="Event time, RFC 3339 with offset.")
    customer_id: Id = Field(description="The account; also the Kafka message key.")
    schema_version: int = Field(default=1, ge=1)


SubscriptionType = Literal[
    "subscription.created",
    "subscription.updated",
    "subscription.renewed",
    "subscription.canceled",
]
SubscriptionStatus = Literal["trialing", "active", "past_due", "paused", "canceled"]
Interval = Literal["day", "week", "month", "quarter", "year"]


class SubscriptionEvent(Envelope):
    """Full current state of one subscription (last writer wins by occurred_at)."""

    type: SubscriptionType
    subscription_id: Id
    status: SubscriptionStatus
    plan: Label
    currency: Currency
    amount_minor: int = Field(ge=0, description="Price per unit per interval, minor units.")
    quantity: int = Field(default=1, ge=0)
    discount_minor: int = Field(
        default=0, ge=0, description="Recurring discount per interval, whole subscription."
    )
    interval: Interval
    interval_count: int = Field(default=1, ge=1)
    current_period_end: Timestamp | None = None
    cancel_at_period_end: bool = False


PaymentType = Literal["payment.succeeded", "payment.failed", "payment.refunded"]


class PaymentEvent(Envelope):
    """Outcome of one payment attempt or refund."""

    type: PaymentType
    payment_id: Id
    amount_minor: int = Field(gt=0)
    currency: Currency
    kind: Literal["recurring", "one_time"]
    subscription_id: Id | None = None
    failure_reason: Annotated[str, StringConstraints(max_length=500)] | None = None


def _score_conditions() -> dict[str, Any]:
    # The per-survey score range, for JSON Schema readers (the validator enforces it).
    return {
        "allOf": [
            {
                "if": {"properties": {"survey": {"const": name}}, "required": ["survey"]},
                "then": {"properties": {"score": {"minimum": low, "maximum": high}}},
            }
            for name, (low, high) in SCORE_RANGES.items()
        ]
    }


class SurveyEvent(Envelope):
    """One NPS, CSAT or CES response."""

    model_config = ConfigDict(json_schema_extra=_score_conditions())

    type: Literal["survey.responded"]
    survey: Literal["nps", "csat", "ces"]
    score: int = Field(description="nps 0..10, csat 1..5, ces 1..7")
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = None
    ticket_id: Id | None = None
    channel: Label | None = None
    team: Label | None = None

    @field_validator("score")
    @classmethod
    def _score_in_range(cls, score: int, info: ValidationInfo) -> int:
        survey = info.data.get("survey")  # absent when `survey` itself was invalid
        if survey is not None:
            low, high = SCORE_RANGES[survey]
            if not low <= score <= high:
                raise PydanticCustomError(
                    "score_range",
                    "{survey} score must be between {low} and {high}",
                    {"survey": survey, "low": low, "high": high},
                )
        return score


TicketType = Literal["ticket.created", "ticket.replied", "ticket.resolved", "ticket.reopened"]
Channel = Literal["email", "chat", "phone", "web", "social", "other"]
Priority = Literal["low", "normal", "high", "urgent"]

# Fields a ticket event must carry only on one of its types.
_REQUIRED_ON = {"channel": "ticket.created", "author": "ticket.replied"}


def _ticket_conditions() -> dict[str, Any]:
    return {
        "allOf": [
            {
                "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
                "then": {"properties": {name: {"type": "string"}}, "required": [name]},
            }
            for name, kind in _REQUIRED_ON.items()
        ]
    }


class TicketEvent(Envelope):
    """One step of a ticket's lifecycle; creation and reply fields are optional elsewhere."""

    model_config = ConfigDict(json_schema_extra=_ticket_conditions())

    type: TicketType
    ticket_id: Id
    channel: Channel | None = Field(
        default=None, validate_default=True, description="Required on ticket.created."
    )
    priority: Priority = "normal"
    team: Label = "unassigned"
    initiated_by: Literal["customer", "agent"] = "customer"
    author: Literal["agent", "customer"] | None = Field(
        default=None, validate_default=True, description="Required on ticket.replied."
    )
    public: bool = Field(default=True, description="False for an internal note.")

    @field_validator("channel", "author")
    @classmethod
    def _required_on_type(cls, value: str | None, info: ValidationInfo) -> str | None:
        required_on = _REQUIRED_ON[str(info.field_name)]
        if value is None and info.data.get("type") == required_on:
            raise PydanticCustomError("missing", "Field required on {type}", {"type": required_on})
        return value


class UsageEvent(Envelope):
    """One use of a product feature by one user of the account (milestone 2)."""

    type: Literal["product.used"]
    user_id: Id
    feature: Label


class CostEvent(Envelope):
    """Acquisition or retention spend attributed to the account (milestone 2)."""

    type: Literal["cost.incurred"]
    category: Literal["acquisition", "retention"]
    amount_minor: int = Field(ge=0)
    currency: Currency


Event = SubscriptionEvent | PaymentEvent | SurveyEvent | TicketEvent | UsageEvent | CostEvent

# The family registry: which event types each topic family carries (CONTRACT section 1).
# Topics, settings, the decoder, the engine, the simulator and the report derive from it.
FAMILIES: dict[str, dict[str, type[Envelope]]] = {
    "subscriptions": dict.fromkeys(get_args(SubscriptionType), SubscriptionEvent),
    "payments": dict.fromkeys(get_args(PaymentType), PaymentEvent),
    "surveys": {"survey.responded": SurveyEvent},
    "tickets": dict.fromkeys(get_args(TicketType), TicketEvent),
    "usage": {"product.used": UsageEvent},
    "costs": {"cost.incurred": CostEvent},
}


def default_topic(family: str) -> str:
    """The contract's default topic name of a family (`cs.<family>`)."""
    return f"cs.{family}"


#: The family of each event type's prefix ("ticket" -> "tickets"), so that a record of
#: an unknown type of a known family ("payment.disputed") still finds its family.
FAMILY_OF_PREFIX: dict[str, str] = {
    kind.split(".", 1)[0]: family for family, models in FAMILIES.items() for kind in models
}
