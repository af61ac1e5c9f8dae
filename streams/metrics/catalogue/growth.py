"""Growth series (v1.1): the costs and growth families."""

from __future__ import annotations

from streams.metrics.catalogue.series import MAJOR, MONEY, C, G, Series, W

COSTS, GROWTH = "costs", "growth"

# fmt: off
ENTRIES: tuple[Series, ...] = (
    Series("cs_cost_amount_total", C, f"Spend since the first event, {MAJOR}, by category (acquisition, "
           "retention).", ("category",), COSTS, MONEY),
    Series("cs_cost_amount", G, f"Spend {W}, {MAJOR}, by category.", ("category", "window"), COSTS, MONEY),
    Series("cs_referrals_total", C, "Referrals sent or converted since the first event, by outcome (each "
           "referral_id once per outcome).", ("outcome",), GROWTH),
    Series("cs_referrals", G, f"Referrals whose earliest event of the outcome (sent, converted) is {W}.",
           ("outcome", "window"), GROWTH),
    Series("cs_referring_customers", G, f"Customers with at least one referral.sent {W}.", ("window",),
           GROWTH),
    Series("cs_offers_total", C, "Offers presented, accepted or declined since the first event, by kind "
           "(upsell, cross_sell) and outcome (each offer_id presented once, decided once).",
           ("kind", "outcome"), GROWTH),
    Series("cs_offers", G, f"Offers presented, accepted or declined {W}, by kind and outcome.",
           ("kind", "outcome", "window"), GROWTH),
)
# fmt: on
