"""Pydantic v2 models of the cspulse event contract (CONTRACT.md sections 2-3).

One model per event family; the `type` field picks the family. Unknown fields are
ignored, every timestamp must be RFC 3339 with an offset, money is integer minor units.

Models are strict (no "4999" -> 4999, no 1.0 -> 1, no "yes" -> True): producers send
JSON, which has real numbers and booleans, so a string where a number belongs is a
producer bug we want dead-lettered, not guessed at. Timestamps are the exception: they
are strings in JSON, parsed by `schemas.envelope`. This module is the family registry.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from schemas.envelope import Currency, Envelope, Id, Label, Timestamp
from schemas.growth_events import (
    GrowthEvent,
    OfferDecisionEvent,
    OfferDecisionType,
    OfferPresentedEvent,
    ReferralConvertedEvent,
    ReferralSentEvent,
)

__all__ = ["Currency", "Envelope", "GrowthEvent", "Id", "Label", "Timestamp"]

SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
Survey = Literal["nps", "csat", "ces"]

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
PaymentKind = Literal["recurring", "one_time"]


class PaymentEvent(Envelope):
    """Outcome of one payment attempt or refund."""

    type: PaymentType
    payment_id: Id
    amount_minor: int = Field(gt=0)
    currency: Currency
    kind: PaymentKind
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
    survey: Survey
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
Initiator = Literal["customer", "agent"]
Author = Literal["agent", "customer"]

# Fields a ticket event must carry only on one of its types.
REQUIRED_ON = {"channel": "ticket.created", "author": "ticket.replied"}


def _ticket_conditions() -> dict[str, Any]:
    return {
        "allOf": [
            {
                "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
                "then": {"properties": {name: {"type": "string"}}, "required": [name]},
            }
            for name, kind in REQUIRED_ON.items()
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
    initiated_by: Initiator = "customer"
    author: Author | None = Field(
        default=None, validate_default=True, description="Required on ticket.replied."
    )
    public: bool = Field(default=True, description="False for an internal note.")

    @field_validator("channel", "author")
    @classmethod
    def _required_on_type(cls, value: str | None, info: ValidationInfo) -> str | None:
        required_on = REQUIRED_ON[str(info.field_name)]
        if value is None and info.data.get("type") == required_on:
            raise PydanticCustomError("missing", "Field required on {type}", {"type": required_on})
        return value


class UsageEvent(Envelope):
    """Uses of a product feature by one user of the account (CONTRACT v1.1).

    A user is the pair (customer_id, user_id): the same user_id under two customers
    is two users.
    """

    type: Literal["product.used"]
    user_id: Id = Field(description="The user, unique within the customer (never a label).")
    feature: Id = Field(description="The feature used, free text (a label folded past the limit).")
    count: int = Field(default=1, ge=1, description="Uses folded into this event by a batching tracker.")


CostCategory = Literal["acquisition", "retention"]


class CostEvent(Envelope):
    """Acquisition or retention spend; `customer_id` only places the record (v1.1)."""

    type: Literal["cost.incurred"]
    category: CostCategory
    amount_minor: int = Field(gt=0)
    currency: Currency
    channel: Label | None = None  # free text, e.g. paid_search, csm_team; never a series label


Event = SubscriptionEvent | PaymentEvent | SurveyEvent | TicketEvent | UsageEvent | CostEvent | GrowthEvent

# The family registry: which event types each topic family carries (CONTRACT section 1).
# Topics, settings, the decoder, the engine, the simulator and the report derive from it.
FAMILIES: dict[str, dict[str, type[Envelope]]] = {
    "subscriptions": dict.fromkeys(get_args(SubscriptionType), SubscriptionEvent),
    "payments": dict.fromkeys(get_args(PaymentType), PaymentEvent),
    "surveys": {"survey.responded": SurveyEvent},
    "tickets": dict.fromkeys(get_args(TicketType), TicketEvent),
    "usage": {"product.used": UsageEvent},
    "costs": {"cost.incurred": CostEvent},
    "growth": {
        "referral.sent": ReferralSentEvent,
        "referral.converted": ReferralConvertedEvent,
        "offer.presented": OfferPresentedEvent,
        **dict.fromkeys(get_args(OfferDecisionType), OfferDecisionEvent),
    },
}


def default_topic(family: str) -> str:
    """The contract's default topic name of a family (`cs.<family>`)."""
    return f"cs.{family}"


#: The family of each event type's prefix ("ticket" -> "tickets"), so that a record of
#: an unknown type of a known family ("payment.disputed") still finds its family.
FAMILY_OF_PREFIX: dict[str, str] = {
    kind.split(".", 1)[0]: family for family, models in FAMILIES.items() for kind in models
}
