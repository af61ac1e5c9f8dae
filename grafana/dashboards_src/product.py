"""Product and growth dashboard: active users and stickiness, adoption by feature,
acquisition and retention cost, referrals and upsell / cross-sell offers.

Ratios are the recording rules of prometheus/rules/ (usage and growth groups); the
counts are worker series summed across workers. Stats follow the `window` variable;
the trend panels show every window.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as dashboard_builder

from . import growth
from .common import (
    GREEN,
    RED,
    YELLOW,
    base_dashboard,
    default_bargauge,
    default_stat,
    default_timeseries,
    query,
    thresholds,
    window_variable,
)

W = 'window="$window"'
ACTIVE_USERS = {"DAU": "24h", "WAU": "7d", "MAU": "30d"}


# --- usage ----------------------------------------------------------------------------
def active_users_stat(name: str) -> stat.Panel:
    window = ACTIVE_USERS[name]
    return (
        default_stat()
        .title(name)
        .description(f"Users with a product.used in the last {window} (a user is customer + user_id).")
        .unit("short")
        .decimals(0)
        .span(6)
        .with_target(query(f'sum(cs_active_users{{window="{window}"}})', name))
    )


def stickiness_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Stickiness (DAU / MAU)")
        .description("Active users over 24h / active users over 30d (cs:stickiness:ratio).")
        .unit("percentunit")
        .decimals(1)
        .span(6)
        .thresholds(thresholds((None, RED), (0.1, YELLOW), (0.2, GREEN)))
        .with_target(query("cs:stickiness:ratio", "DAU / MAU"))
    )


def _count_stat(title: str, expr: str, description: str) -> stat.Panel:
    return (
        default_stat()
        .title(title)
        .description(description)
        .unit("short")
        .decimals(0)
        .with_target(query(expr, title))
    )


def usage_count_stats() -> list[stat.Panel]:
    return [
        _count_stat(
            "Active accounts ($window)",
            f"sum(cs_active_accounts{{{W}}})",
            "Customers with at least one active user in the window (usage-active, not MRR-active).",
        ),
        _count_stat(
            "New users ($window)",
            f"sum(cs_users_new{{{W}}})",
            "Users whose first-ever product.used falls in the window.",
        ),
        _count_stat("Users ever seen", "sum(cs_users_total)", "Every user that ever used the product."),
    ]


def _percent_by_window(
    title: str, expr: str, description: str, legend: str = "{{window}}"
) -> timeseries.Panel:
    return (
        default_timeseries()
        .title(title)
        .description(description)
        .unit("percentunit")
        .decimals(1)
        .span(8)
        .with_target(query(expr, legend))
    )


def active_users_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("Active users by window")
        .description("Distinct active users over each rolling window (24h = DAU, 7d = WAU, 30d = MAU).")
        .unit("short")
        .decimals(0)
        .span(8)
        .with_target(query("sum by (window) (cs_active_users)", "{{window}}"))
    )


def stickiness_timeseries() -> timeseries.Panel:
    return _percent_by_window("Stickiness", "cs:stickiness:ratio", "DAU / MAU over time.", legend="DAU / MAU")


def product_adoption_timeseries() -> timeseries.Panel:
    return _percent_by_window(
        "Product adoption by window",
        "cs:product_adoption:ratio",
        "New users in the window / users ever seen (cs:product_adoption:ratio).",
    )


def feature_adoption_bargauge() -> bargauge.Panel:
    return (
        default_bargauge()
        .title("Feature adoption ($window)")
        .description("Users active on the feature in the window / active users in the window.")
        .unit("percentunit")
        .decimals(1)
        .max(1)
        .span(12)
        .with_target(query(f"sort_desc(cs:feature_adoption:ratio{{{W}}})", "{{feature}}", instant=True))
    )


def feature_adoption_timeseries() -> timeseries.Panel:
    return _percent_by_window(
        "Feature adoption ($window)",
        f"cs:feature_adoption:ratio{{{W}}}",
        "Feature adoption over time: a newly released feature climbs as users find it.",
        legend="{{feature}}",
    ).span(12)


def product_uses_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("Product uses by feature")
        .description("Uses per second (the sum of count: a batching tracker folds several into one event).")
        .unit("short")
        .decimals(2)
        .span(24)
        .with_target(query("sum by (feature) (rate(cs_product_uses_total[$__rate_interval]))", "{{feature}}"))
    )


def product() -> dashboard_builder.Dashboard:
    dashboard = (
        base_dashboard(
            "cspulse-product",
            "cspulse / Product and growth",
            "Active users, stickiness and feature adoption; acquisition and retention cost; "
            "referrals and upsell / cross-sell offers (ratios are Prometheus recording rules).",
            refresh="1m",
            time_from="now-7d",
            tags=["product", "growth"],
        )
        .with_variable(window_variable("30d", "Rolling window of the stats and the feature panels"))
        .with_row(dashboard_builder.Row("Active users"))
    )
    for name in ACTIVE_USERS:
        dashboard = dashboard.with_panel(active_users_stat(name))
    dashboard = dashboard.with_panel(stickiness_stat())
    for panel in usage_count_stats():
        dashboard = dashboard.with_panel(panel.span(8))
    return (
        dashboard.with_panel(active_users_timeseries())
        .with_panel(stickiness_timeseries())
        .with_panel(product_adoption_timeseries())
        .with_row(dashboard_builder.Row("Adoption by feature ($window)"))
        .with_panel(feature_adoption_bargauge())
        .with_panel(feature_adoption_timeseries())
        .with_panel(product_uses_timeseries())
        .with_row(dashboard_builder.Row("Acquisition and retention cost"))
        .with_panel(growth.cac_stat().span(6).height(8))
        .with_panel(growth.ltv_to_cac_stat().span(6).height(8))
        .with_panel(growth.retention_cost_stat().span(6).height(8))
        .with_panel(growth.spend_bargauge())
        .with_panel(growth.cac_timeseries())
        .with_panel(growth.retention_cost_timeseries())
        .with_row(dashboard_builder.Row("Referrals and offers"))
        .with_panel(growth.referral_rate_stat().span(8).height(8))
        .with_panel(growth.referral_conversion_stat().span(8).height(8))
        .with_panel(growth.offer_conversion_bargauge())
        .with_panel(growth.referral_rate_timeseries())
        .with_panel(growth.referral_conversion_timeseries())
        .with_panel(growth.offer_conversion_timeseries())
    )
