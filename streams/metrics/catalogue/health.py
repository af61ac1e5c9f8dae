"""Joined series: health score, MRR at risk, time to value (CONTRACT v1.1)."""

from __future__ import annotations

from streams.metrics.catalogue.series import GH, MAJOR, MICROS, MONEY, G, H, Series, W

HEALTH = "health"
BAND = "`band` (healthy >= 70, at_risk 40..69, critical < 40 by default)"

# fmt: off
ENTRIES: tuple[Series, ...] = (
    Series("cs_customers_health", G, f"MRR-active customers by health {BAND}.", ("band",), HEALTH),
    Series("cs_mrr_health", G, f"MRR of the customers in each health {BAND}, {MAJOR}; MRR at risk is "
           "at_risk + critical.", ("band",), HEALTH, MONEY),
    Series("cs_customers_health_large", G, "Customers by health band whose MRR is at least "
           "CSPULSE_HEALTH_LARGE_ACCOUNT_MRR.", ("band",), HEALTH, contract=False),
    Series("cs_health_score", GH, "Health scores (0..100) of the MRR-active customers: a gauge "
           "histogram, buckets 10, 20, ... 100.", (), HEALTH),
    Series("cs_time_to_value_seconds", H, "Time to value: first subscription event to the first use of "
           "an activation feature, once per customer.", (), HEALTH, MICROS),
    Series("cs_time_to_value_window_seconds", GH, f"Time to value counted {W} of the later of its two "
           "events.", ("window",), HEALTH, MICROS),
)
# fmt: on
