"""Revenue dashboard: MRR, customers, movements, retention ratios, renewals, payments.

One function per panel; styling comes from `common`. Ratios are the recording
rules of prometheus/rules/revenue.yml, selected by `window="$window"` for the big
numbers and shown for every window in the trend panels.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as dashboard_builder

from .common import (
    BLUE,
    GREEN,
    MONEY_DECIMALS,
    ORANGE,
    PURPLE,
    RED,
    YELLOW,
    base_dashboard,
    color_override,
    default_bargauge,
    default_stat,
    default_timeseries,
    query,
    stacked_area,
    stacked_bars,
    thresholds,
    window_variable,
)

W = 'window="$window"'


# --- now ----------------------------------------------------------------------
def mrr_stat() -> stat.Panel:
    return (
        default_stat()
        .title("MRR")
        .description("Monthly recurring revenue, reporting currency (cs_build_info).")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query("sum(cs_mrr)", "MRR"))
    )


def active_customers_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Active customers")
        .description("Customers with MRR > 0.")
        .unit("short")
        .decimals(0)
        .with_target(query("sum(cs_customers_active)", "active"))
    )


def arpa_stat() -> stat.Panel:
    return (
        default_stat()
        .title("ARPA")
        .description("Average revenue per account = MRR / active customers (cs:arpa).")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query("cs:arpa", "ARPA"))
    )


def ltv_stat() -> stat.Panel:
    return (
        default_stat()
        .title("LTV")
        .description(
            "Customer lifetime value = ARPA / 30-day customer churn rate (cs:ltv). "
            "Empty while nobody churned in 30 days."
        )
        .unit("short")
        .decimals(0)
        .with_target(query("cs:ltv", "LTV"))
    )


def scheduled_churn_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Scheduled churn MRR")
        .description("MRR of subscriptions set to cancel at period end.")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .thresholds(thresholds((None, GREEN), (0.01, ORANGE)))
        .with_target(query("sum(cs_mrr_scheduled_churn)", "scheduled churn"))
    )


def active_subscriptions_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Active subscriptions")
        .description("Subscriptions contributing MRR > 0.")
        .unit("short")
        .decimals(0)
        .with_target(query("sum(cs_subscriptions_active)", "subscriptions"))
    )


# --- ratios for the selected window --------------------------------------------
def _ratio_stat(title: str, rule: str, description: str, steps) -> stat.Panel:
    return (
        default_stat()
        .title(f"{title} ($window)")
        .description(description)
        .unit("percentunit")
        .decimals(1)
        .thresholds(thresholds(*steps))
        .with_target(query(f"{rule}{{{W}}}", title))
    )


def customer_churn_stat() -> stat.Panel:
    return _ratio_stat(
        "Customer churn",
        "cs:customer_churn_rate:ratio",
        "Churned customers / customers active at the window start.",
        [(None, GREEN), (0.03, YELLOW), (0.05, RED)],
    )


def customer_retention_stat() -> stat.Panel:
    return _ratio_stat(
        "Customer retention",
        "cs:customer_retention_rate:ratio",
        "1 - customer churn rate.",
        [(None, RED), (0.95, YELLOW), (0.97, GREEN)],
    )


def gross_mrr_churn_stat() -> stat.Panel:
    return _ratio_stat(
        "Gross MRR churn",
        "cs:gross_mrr_churn:ratio",
        "(churned + contraction MRR) / MRR at the window start.",
        [(None, GREEN), (0.02, YELLOW), (0.05, RED)],
    )


def nrr_stat() -> stat.Panel:
    return _ratio_stat(
        "Net revenue retention",
        "cs:net_revenue_retention:ratio",
        "(start MRR + expansion - contraction - churn) / start MRR.",
        [(None, RED), (0.95, YELLOW), (1.0, GREEN)],
    )


def grr_stat() -> stat.Panel:
    return _ratio_stat(
        "Gross revenue retention",
        "cs:gross_revenue_retention:ratio",
        "(start MRR - contraction - churn) / start MRR.",
        [(None, RED), (0.9, YELLOW), (0.95, GREEN)],
    )


def expansion_stat() -> stat.Panel:
    return _ratio_stat(
        "Expansion rate",
        "cs:expansion_rate:ratio",
        "Expansion MRR / MRR at the window start.",
        [(None, YELLOW), (0.01, GREEN)],
    )


# --- trends ---------------------------------------------------------------------
def mrr_by_plan_timeseries() -> timeseries.Panel:
    return (
        stacked_area()
        .title("MRR by plan")
        .description("Stacked MRR per plan (plans past the label limit fold into 'other').")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query("sum by (plan) (cs_mrr)", "{{plan}}"))
    )


MOVEMENT_COLORS = {
    "new": GREEN,
    "reactivation": PURPLE,
    "expansion": BLUE,
    "contraction": ORANGE,
    "churn": RED,
}


def movement_bars() -> timeseries.Panel:
    """Stacked bars with one fixed colour per movement kind."""
    panel = stacked_bars()
    for kind, color in MOVEMENT_COLORS.items():
        panel = panel.override_by_name(kind, [color_override(color)])
    return panel


def mrr_movements_timeseries() -> timeseries.Panel:
    return (
        movement_bars()
        .title("MRR movements")
        .description(
            "MRR gained (new, reactivation, expansion) above zero and lost "
            "(contraction, churn) below, per interval."
        )
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(
            query(
                "sum by (kind) (increase("
                'cs_mrr_movement_total{kind=~"new|reactivation|expansion"}[$__rate_interval]))',
                "{{kind}}",
                "A",
            )
        )
        .with_target(
            query(
                "-sum by (kind) (increase("
                'cs_mrr_movement_total{kind=~"contraction|churn"}[$__rate_interval]))',
                "{{kind}}",
                "B",
            )
        )
    )


def customer_movements_timeseries() -> timeseries.Panel:
    return (
        movement_bars()
        .title("Customer movements")
        .description("Customers won (new, reactivation) above zero, churned below, per interval.")
        .unit("short")
        .decimals(0)
        .with_target(
            query(
                "sum by (kind) (increase("
                'cs_customer_movements_total{kind=~"new|reactivation"}[$__rate_interval]))',
                "{{kind}}",
                "A",
            )
        )
        .with_target(
            query(
                '-sum by (kind) (increase(cs_customer_movements_total{kind="churn"}'
                "[$__rate_interval]))",
                "{{kind}}",
                "B",
            )
        )
    )


def movements_in_window_bargauge() -> bargauge.Panel:
    return (
        default_bargauge()
        .title("MRR movements ($window)")
        .description("MRR moved in the selected rolling window, by kind.")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query(f"sum by (kind) (cs:mrr_movement:sum{{{W}}})", "{{kind}}", instant=True))
    )


def _by_window(title: str, rule: str, description: str) -> timeseries.Panel:
    return (
        default_timeseries()
        .title(f"{title} by window")
        .description(description)
        .unit("percentunit")
        .decimals(1)
        .span(8)
        .with_target(query(rule, "{{window}}"))
    )


def churn_by_window_timeseries() -> timeseries.Panel:
    return _by_window(
        "Customer churn rate", "cs:customer_churn_rate:ratio", "Churned / active at window start."
    )


def retention_by_window_timeseries() -> timeseries.Panel:
    return _by_window(
        "Customer retention", "cs:customer_retention_rate:ratio", "1 - customer churn rate."
    )


def gross_mrr_churn_by_window_timeseries() -> timeseries.Panel:
    return _by_window(
        "Gross MRR churn", "cs:gross_mrr_churn:ratio", "(churn + contraction) / start MRR."
    )


def nrr_by_window_timeseries() -> timeseries.Panel:
    return _by_window(
        "Net revenue retention",
        "cs:net_revenue_retention:ratio",
        "(start MRR + expansion - contraction - churn) / start MRR.",
    )


def grr_by_window_timeseries() -> timeseries.Panel:
    return _by_window(
        "Gross revenue retention",
        "cs:gross_revenue_retention:ratio",
        "(start MRR - contraction - churn) / start MRR.",
    )


def expansion_by_window_timeseries() -> timeseries.Panel:
    return _by_window("Expansion rate", "cs:expansion_rate:ratio", "Expansion / start MRR.")


# --- renewals and payments ------------------------------------------------------------
def renewal_rate_timeseries() -> timeseries.Panel:
    return _by_window(
        "Renewal rate", "cs:renewal_rate:ratio", "Renewed / (renewed + canceled) subscriptions."
    )


def renewals_bargauge() -> bargauge.Panel:
    return (
        default_bargauge()
        .title("Renewals ($window)")
        .description("subscription.renewed and subscription.canceled events in the window.")
        .unit("short")
        .decimals(0)
        .with_target(
            query(f"sum by (outcome) (cs_renewals{{{W}}})", "{{outcome}}", instant=True)
        )
    )


def failed_payment_rate_timeseries() -> timeseries.Panel:
    return _by_window(
        "Failed payment rate",
        "cs:failed_payment_rate:ratio",
        "Failed / (succeeded + failed) payments; refunds are left out.",
    )


def average_purchase_value_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Average purchase value ($window)")
        .description("Succeeded payment amount / succeeded payments.")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .height(8)
        .span(12)
        .with_target(query(f"cs:average_purchase_value{{{W}}}", "APV"))
    )


def scheduled_churn_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("Scheduled churn MRR")
        .description("MRR of subscriptions with cancel_at_period_end, over time.")
        .unit("short")
        .decimals(MONEY_DECIMALS)
        .with_target(query("sum(cs_mrr_scheduled_churn)", "scheduled churn"))
    )


def revenue() -> dashboard_builder.Dashboard:
    return (
        base_dashboard(
            "cspulse-revenue",
            "cspulse / Revenue",
            "MRR, customers and retention from cspulse (ratios are Prometheus recording rules).",
            refresh="1m",
            time_from="now-7d",
            tags=["revenue"],
        )
        .with_variable(window_variable("30d", "Rolling window of the ratio stats"))
        .with_row(dashboard_builder.Row("Now"))
        .with_panel(mrr_stat())
        .with_panel(active_customers_stat())
        .with_panel(arpa_stat())
        .with_panel(ltv_stat())
        .with_panel(active_subscriptions_stat())
        .with_panel(scheduled_churn_stat())
        .with_row(dashboard_builder.Row("Retention ($window)"))
        .with_panel(customer_churn_stat())
        .with_panel(customer_retention_stat())
        .with_panel(gross_mrr_churn_stat())
        .with_panel(nrr_stat())
        .with_panel(grr_stat())
        .with_panel(expansion_stat())
        .with_row(dashboard_builder.Row("MRR and movements"))
        .with_panel(mrr_by_plan_timeseries())
        .with_panel(mrr_movements_timeseries())
        .with_panel(customer_movements_timeseries())
        .with_panel(movements_in_window_bargauge().span(12))
        .with_row(dashboard_builder.Row("Ratios by window"))
        .with_panel(churn_by_window_timeseries())
        .with_panel(retention_by_window_timeseries())
        .with_panel(gross_mrr_churn_by_window_timeseries())
        .with_panel(nrr_by_window_timeseries())
        .with_panel(grr_by_window_timeseries())
        .with_panel(expansion_by_window_timeseries())
        .with_row(dashboard_builder.Row("Renewals and payments"))
        .with_panel(renewal_rate_timeseries())
        .with_panel(renewals_bargauge())
        .with_panel(failed_payment_rate_timeseries())
        .with_panel(average_purchase_value_stat())
        .with_panel(scheduled_churn_timeseries())
    )
