"""Customer health dashboard: MRR at risk, customers and MRR by health band, the score
distribution and time to value.

The per-customer list (who, and why) is not a Prometheus series (ids are never labels):
the wallboard and `/api/accounts` serve it; the dashboard links there in its description.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as dashboard_builder

from .common import (
    GREEN,
    MONEY_DECIMALS,
    ORANGE,
    RED,
    YELLOW,
    base_dashboard,
    default_bargauge,
    default_stat,
    default_timeseries,
    query,
    stacked_area,
    thresholds,
    window_variable,
)

BANDS = "healthy, at_risk (40..69) and critical (< 40) by default"


def mrr_at_risk_stat() -> stat.Panel:
    return (
        default_stat(big=True)
        .title("MRR at risk")
        .description(f"MRR of the at_risk and critical customers (cs:mrr_at_risk); bands: {BANDS}.")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query("cs:mrr_at_risk", "MRR at risk"))
    )


def mrr_at_risk_share_stat() -> stat.Panel:
    return (
        default_stat(big=True)
        .title("Share of MRR at risk")
        .description("MRR at risk / the MRR of every scored customer (cs:mrr_at_risk:ratio).")
        .unit("percentunit")
        .decimals(1)
        .thresholds(thresholds((None, GREEN), (0.1, YELLOW), (0.25, RED)))
        .with_target(query("cs:mrr_at_risk:ratio", "share"))
    )


def mean_score_stat() -> stat.Panel:
    return (
        default_stat(big=True)
        .title("Mean health score")
        .description("Mean score of the MRR-active customers, 0..100 (cs:health_score:mean).")
        .unit("short")
        .decimals(1)
        .thresholds(thresholds((None, RED), (40, ORANGE), (70, GREEN)))
        .with_target(query("cs:health_score:mean", "mean"))
    )


def ttv_stat() -> stat.Panel:
    return (
        default_stat(big=True)
        .title("Time to value p50 ($window)")
        .description(
            "Median time from a customer's first subscription event to its first use of an "
            "activation feature, over the customers counted in the window (cs:time_to_value_seconds:p50)."
        )
        .unit("s")
        .decimals(1)
        .with_target(query('cs:time_to_value_seconds:p50{window="$window"}', "p50"))
    )


def customers_by_band() -> bargauge.Panel:
    return (
        default_bargauge()
        .title("Customers by health band")
        .description(f"MRR-active customers per band (cs:customers_health:sum); {BANDS}.")
        .unit("short")
        .decimals(0)
        .with_target(query("sum by (band) (cs:customers_health:sum)", "{{band}}", instant=True))
    )


def score_distribution() -> bargauge.Panel:
    return (
        default_bargauge()
        .title("Score distribution")
        .description("Customers with a score at or below each bound (cs_health_score_bucket, cumulative).")
        .unit("short")
        .decimals(0)
        .with_target(query("sum by (le) (cs_health_score_bucket)", "<= {{le}}", instant=True))
    )


def mrr_by_band_timeseries() -> timeseries.Panel:
    return (
        stacked_area()
        .title("MRR by health band")
        .description("MRR of the customers in each band (cs:mrr_health:sum).")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query("sum by (band) (cs:mrr_health:sum)", "{{band}}"))
    )


def ttv_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("Time to value p50 by window")
        .description("Median time to value of the customers counted in each rolling window.")
        .unit("s")
        .decimals(1)
        .with_target(query("cs:time_to_value_seconds:p50", "{{window}}"))
    )


def health() -> dashboard_builder.Dashboard:
    return (
        base_dashboard(
            "cspulse-health",
            "cspulse / Customer health",
            "Health score bands, MRR at risk and time to value. Who and why: the wallboard's "
            "accounts at risk, or /api/accounts?band=critical on any worker.",
            refresh="1m",
            time_from="now-7d",
            tags=["health", "customer-success"],
        )
        .with_variable(window_variable("30d", "Rolling window of time to value"))
        .with_row(dashboard_builder.Row("MRR at risk"))
        .with_panel(mrr_at_risk_stat())
        .with_panel(mrr_at_risk_share_stat())
        .with_panel(mean_score_stat())
        .with_panel(ttv_stat())
        .with_row(dashboard_builder.Row("Bands and scores"))
        .with_panel(customers_by_band().span(12))
        .with_panel(score_distribution().span(12))
        .with_panel(mrr_by_band_timeseries())
        .with_panel(ttv_timeseries())
    )
