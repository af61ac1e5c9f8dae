"""Panels of the cost and growth rows of the Product and growth dashboard (product.py):
CAC, LTV:CAC, retention cost, spend, referral rate and conversion, offer conversion."""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries

from .common import (
    GREEN,
    MONEY_DECIMALS,
    ORANGE,
    RED,
    YELLOW,
    default_bargauge,
    default_stat,
    default_timeseries,
    query,
    thresholds,
)

W = 'window="$window"'


def cac_stat() -> stat.Panel:
    return (
        default_stat()
        .title("CAC ($window)")
        .description("Acquisition spend in the window / new customers in it (cs:cac).")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query(f"cs:cac{{{W}}}", "CAC"))
    )


def ltv_to_cac_stat() -> stat.Panel:
    return (
        default_stat()
        .title("LTV:CAC (30d)")
        .description("LTV / CAC over 30 days (cs:ltv_to_cac:ratio); 3 or more is healthy.")
        .unit("short")
        .decimals(2)
        .thresholds(thresholds((None, RED), (1, ORANGE), (3, GREEN)))
        .with_target(query("cs:ltv_to_cac:ratio", "LTV:CAC"))
    )


def retention_cost_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Retention cost ($window)")
        .description(
            "Retention spend in the window / customers retained through it "
            "(active now - new - reactivated; cs:retention_cost)."
        )
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query(f"cs:retention_cost{{{W}}}", "per retained customer"))
    )


def spend_bargauge() -> bargauge.Panel:
    return (
        default_bargauge()
        .title("Spend ($window)")
        .description("Acquisition and retention spend in the window, reporting currency.")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .span(6)
        .with_target(query(f"sum by (category) (cs_cost_amount{{{W}}})", "{{category}}", instant=True))
    )


def _money_by_window(title: str, rule: str, description: str) -> timeseries.Panel:
    return (
        default_timeseries()
        .title(title)
        .description(description)
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query(rule, "{{window}}"))
    )


def cac_timeseries() -> timeseries.Panel:
    return _money_by_window("CAC by window", "cs:cac", "Acquisition spend / new customers, per window.")


def retention_cost_timeseries() -> timeseries.Panel:
    return _money_by_window(
        "Retention cost by window", "cs:retention_cost", "Retention spend / retained customers, per window."
    )


def _ratio_stat(title: str, rule: str, description: str) -> stat.Panel:
    return (
        default_stat()
        .title(f"{title} ($window)")
        .description(description)
        .unit("percentunit")
        .decimals(1)
        .thresholds(thresholds((None, YELLOW), (0.05, GREEN)))
        .with_target(query(f"{rule}{{{W}}}", title))
    )


def referral_rate_stat() -> stat.Panel:
    return _ratio_stat(
        "Referral rate",
        "cs:referral_rate:ratio",
        "Customers who sent at least one referral in the window / MRR-active customers now.",
    )


def referral_conversion_stat() -> stat.Panel:
    return _ratio_stat(
        "Referral conversion",
        "cs:referral_conversion:ratio",
        "Referrals converted in the window / referrals sent in it.",
    )


def offer_conversion_bargauge() -> bargauge.Panel:
    return (
        default_bargauge()
        .title("Offer conversion by kind ($window)")
        .description("Offers accepted in the window / offers presented in it, upsell and cross-sell.")
        .unit("percentunit")
        .decimals(1)
        .max(1)
        .with_target(query(f"cs:offer_conversion:ratio{{{W}}}", "{{kind}}", instant=True))
    )


def _ratio_by_window(title: str, expr: str, description: str, legend: str = "{{window}}") -> timeseries.Panel:
    return (
        default_timeseries()
        .title(title)
        .description(description)
        .unit("percentunit")
        .decimals(1)
        .span(8)
        .with_target(query(expr, legend))
    )


def referral_rate_timeseries() -> timeseries.Panel:
    return _ratio_by_window(
        "Referral rate by window", "cs:referral_rate:ratio", "Referring customers / MRR-active customers."
    )


def referral_conversion_timeseries() -> timeseries.Panel:
    return _ratio_by_window(
        "Referral conversion by window", "cs:referral_conversion:ratio", "Converted / sent referrals."
    )


def offer_conversion_timeseries() -> timeseries.Panel:
    return _ratio_by_window(
        "Offer conversion by kind and window",
        "cs:offer_conversion:ratio",
        "Accepted / presented offers, per kind.",
        legend="{{kind}} {{window}}",
    )
