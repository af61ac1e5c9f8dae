"""The event contract as msgspec Structs: what `schemas.decode` checks in one pass in C.

The pydantic models in `schemas.events` stay the source of the JSON Schemas and the
classes the engine receives; these Structs mirror their fields, order and constraints
(tests/unit/test_decode_parity.py holds the two together). Strict like the models: msgspec
never turns "4999" into 4999, 1.0 into 1 or 1 into True.

What msgspec cannot say is checked after decoding, in `schemas.decode`: timestamps (see
`Stamp`), the orjson integer range (see `INT_RANGE`), per-survey score ranges and the
ticket fields required on one type only.
"""

from __future__ import annotations

from typing import Annotated, Any, Union, cast

from msgspec import Meta, Struct, defstruct

from schemas.envelope import CURRENCY_PATTERN, ID_MAX, LABEL_MAX
from schemas.events import (
    FAMILIES,
    Author,
    Channel,
    CostCategory,
    Initiator,
    Interval,
    PaymentKind,
    Priority,
    SubscriptionStatus,
    Survey,
)
from schemas.growth_events import OfferKind

# Integers the models accept: orjson, which fed them, reads any other JSON integer as a
# float, and so the models rejected it ("Input should be a valid integer").
INT_RANGE = (-(2**63), 2**64 - 1)

Id = Annotated[str, Meta(min_length=1, max_length=ID_MAX)]
Label = Annotated[str, Meta(min_length=1, max_length=LABEL_MAX)]
# Python's `$` also matches before a final newline; pydantic's (Rust) `$` does not.
Currency = Annotated[str, Meta(pattern=CURRENCY_PATTERN.removesuffix("$") + r"\Z")]
# RFC 3339, parsed after decoding by `schemas.envelope.parse_timestamp`, not as msgspec
# datetimes: those round fractions past microseconds where the models truncate, and
# refuse offsets the models take (+10:75). `extra` marks the field for schemas.plans
# and schemas.explain.
Stamp = Annotated[str, Meta(extra={"timestamp": True})]
NonNegative = Annotated[int, Meta(ge=0)]
Positive = Annotated[int, Meta(gt=0)]
AtLeastOne = Annotated[int, Meta(ge=1)]


class Envelope(Struct, kw_only=True, gc=False):
    """CONTRACT 2; `type` is the tag of the per-type subclasses, not a field."""

    event_id: Id
    occurred_at: Stamp
    customer_id: Id
    schema_version: AtLeastOne = 1


class Subscription(Envelope, kw_only=True, gc=False):
    subscription_id: Id
    status: SubscriptionStatus
    plan: Label
    currency: Currency
    amount_minor: NonNegative
    quantity: NonNegative = 1
    discount_minor: NonNegative = 0
    interval: Interval
    interval_count: AtLeastOne = 1
    current_period_end: Stamp | None = None
    cancel_at_period_end: bool = False


class Payment(Envelope, kw_only=True, gc=False):
    payment_id: Id
    amount_minor: Positive
    currency: Currency
    kind: PaymentKind
    subscription_id: Id | None = None
    failure_reason: Annotated[str, Meta(max_length=500)] | None = None


class SurveyResponse(Envelope, kw_only=True, gc=False):
    survey: Survey
    score: int  # its range depends on `survey`
    comment: Annotated[str, Meta(max_length=5000)] | None = None
    ticket_id: Id | None = None
    channel: Label | None = None
    team: Label | None = None


class Ticket(Envelope, kw_only=True, gc=False):
    ticket_id: Id
    channel: Channel | None = None  # required on ticket.created
    priority: Priority = "normal"
    team: Label = "unassigned"
    initiated_by: Initiator = "customer"
    author: Author | None = None  # required on ticket.replied
    public: bool = True


class Usage(Envelope, kw_only=True, gc=False):
    user_id: Id
    feature: Id
    count: AtLeastOne = 1


class Cost(Envelope, kw_only=True, gc=False):
    category: CostCategory
    amount_minor: Positive
    currency: Currency
    channel: Label | None = None


class ReferralSent(Envelope, kw_only=True, gc=False):
    referral_id: Id


class ReferralConverted(Envelope, kw_only=True, gc=False):
    referral_id: Id
    referred_customer_id: Id


class OfferPresented(Envelope, kw_only=True, gc=False):
    offer_id: Id
    kind: OfferKind
    product: Label | None = None


class OfferDecision(Envelope, kw_only=True, gc=False):
    offer_id: Id
    kind: OfferKind


# The Struct of each pydantic model, by the model's name.
BODIES: dict[str, type[Envelope]] = {
    "SubscriptionEvent": Subscription,
    "PaymentEvent": Payment,
    "SurveyEvent": SurveyResponse,
    "TicketEvent": Ticket,
    "UsageEvent": Usage,
    "CostEvent": Cost,
    "ReferralSentEvent": ReferralSent,
    "ReferralConvertedEvent": ReferralConverted,
    "OfferPresentedEvent": OfferPresented,
    "OfferDecisionEvent": OfferDecision,
}


class Unlisted(Struct, tag_field="type", tag="", gc=False):
    """Makes every family's union at least two Structs wide: msgspec lets a lone tagged
    Struct through without its tag. Records of type "" land here (and are unknown_type)."""


def _tagged(kind: str, model_name: str) -> type[Envelope]:
    name = "".join(part.title() for part in kind.split(".")) + "Record"  # PaymentFailedRecord
    tagged = defstruct(name, [], bases=(BODIES[model_name],), module=__name__, tag_field="type", tag=kind)
    return cast(type[Envelope], tagged)


# event type -> its tagged Struct (a subclass of the model's body), per family.
KINDS: dict[str, dict[str, type[Envelope]]] = {
    family: {kind: _tagged(kind, model.__name__) for kind, model in models.items()}
    for family, models in FAMILIES.items()
}


def family_union(family: str) -> Any:
    """The tagged union msgspec decodes a family's records into."""
    return Union[(*KINDS[family].values(), Unlisted)]
