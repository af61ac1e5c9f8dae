"""The growth family (CONTRACT v1.1, `cs.growth`): referrals and upsell / cross-sell offers."""

from __future__ import annotations

from typing import Literal

from schemas.envelope import Envelope, Id, Label


class ReferralSentEvent(Envelope):
    """The account (`customer_id`) referred someone (v1.1)."""

    type: Literal["referral.sent"]
    referral_id: Id


class ReferralConvertedEvent(Envelope):
    """A referral of the account (`customer_id`, the referrer) became a customer (v1.1)."""

    type: Literal["referral.converted"]
    referral_id: Id
    referred_customer_id: Id


OfferKind = Literal["upsell", "cross_sell"]
OfferDecisionType = Literal["offer.accepted", "offer.declined"]


class OfferPresentedEvent(Envelope):
    """An upsell or cross-sell offer shown to the account (v1.1)."""

    type: Literal["offer.presented"]
    offer_id: Id
    kind: OfferKind
    product: Label | None = None


class OfferDecisionEvent(Envelope):
    """The account accepted or declined an offer (v1.1)."""

    type: OfferDecisionType
    offer_id: Id
    kind: OfferKind


GrowthEvent = ReferralSentEvent | ReferralConvertedEvent | OfferPresentedEvent | OfferDecisionEvent
