"""Support wallboard: a TV screen for the support floor.

Big, background-coloured numbers readable from across the room, refreshed every
10 s. Open it in kiosk mode (`/d/cspulse-support?kiosk`); the `window` variable
(default 24h) is then hidden and its default applies.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as dashboard_builder

from .common import (
    BLUE,
    GREEN,
    ORANGE,
    RED,
    YELLOW,
    base_dashboard,
    color_override,
    default_bargauge,
    default_bars,
    default_stat,
    default_timeseries,
    query,
    series_help,
    thresholds,
    window_variable,
)

W = 'window="$window"'
HOUR = 3600


def big_stat() -> stat.Panel:
    return default_stat(big=True)


# --- queue ----------------------------------------------------------------------
def open_tickets_stat() -> stat.Panel:
    return (
        big_stat()
        .title("Open tickets")
        .description("Created or reopened and not resolved.")
        .unit("short")
        .decimals(0)
        .thresholds(thresholds((None, BLUE)))
        .with_target(query("sum(cs_tickets_open)", "open"))
    )


def overdue_stat() -> stat.Panel:
    return (
        big_stat()
        .title("Overdue first responses")
        .description(
            "Tickets past their priority's first-response target with no public agent reply "
            "(urgent 1h, high 4h, normal 24h, low 48h by default)."
        )
        .unit("short")
        .decimals(0)
        .no_value("0")
        .thresholds(thresholds((None, GREEN), (1, RED)))
        .with_target(query("sum(cs_tickets_first_response_overdue)", "overdue"))
    )


def _frt_stat(quantile: str, target_hours: float) -> stat.Panel:
    return (
        big_stat()
        .title(f"First response {quantile} ($window)")
        .description(
            f"{quantile} of first response time (first public agent reply - creation) "
            "for replies in the window."
        )
        .unit("s")
        .decimals(0)
        .thresholds(
            thresholds(
                (None, GREEN), (target_hours * HOUR / 2, YELLOW), (target_hours * HOUR, RED)
            )
        )
        .with_target(query(f"cs:first_response_seconds:{quantile}{{{W}}}", quantile))
    )


def frt_p50_stat() -> stat.Panel:
    return _frt_stat("p50", 1)


def frt_p90_stat() -> stat.Panel:
    return _frt_stat("p90", 4)


# --- quality ------------------------------------------------------------------------
def fcr_stat() -> stat.Panel:
    return (
        big_stat()
        .title("First contact resolution ($window)")
        .description("Tickets resolved after one public agent reply / (one + several).")
        .unit("percentunit")
        .decimals(0)
        .min(0)
        .max(1)
        .thresholds(thresholds((None, RED), (0.6, YELLOW), (0.75, GREEN)))
        .with_target(query(f"cs:fcr_rate:ratio{{{W}}}", "FCR"))
    )


def nps_stat() -> stat.Panel:
    return (
        big_stat()
        .title("NPS ($window)")
        .description("100 x (promoters 9-10 - detractors 0-6) / responses, -100..100.")
        .unit("none")
        .decimals(0)
        .min(-100)
        .max(100)
        .thresholds(thresholds((None, RED), (0, YELLOW), (30, GREEN)))
        .with_target(query(f"cs:nps:score{{{W}}}", "NPS"))
    )


def csat_stat() -> stat.Panel:
    return (
        big_stat()
        .title("CSAT ($window)")
        .description("Satisfied (4-5) / responses, in percent.")
        .unit("percent")
        .decimals(0)
        .min(0)
        .max(100)
        .thresholds(thresholds((None, RED), (70, YELLOW), (80, GREEN)))
        .with_target(query(f"cs:csat:percent{{{W}}}", "CSAT"))
    )


def ces_stat() -> stat.Panel:
    return (
        big_stat()
        .title("CES ($window)")
        .description("Customer effort score: mean of 1-7 answers (higher is easier).")
        .unit("none")
        .decimals(1)
        .min(1)
        .max(7)
        .thresholds(thresholds((None, RED), (4, YELLOW), (5, GREEN)))
        .with_target(query(f"cs:ces:mean{{{W}}}", "CES"))
    )


# --- breakdowns ---------------------------------------------------------------------
def open_by_priority_bargauge() -> bargauge.Panel:
    return (
        default_bargauge(big=True)
        .title("Open by priority")
        .unit("short")
        .decimals(0)
        .with_target(query("sum by (priority) (cs_tickets_open)", "{{priority}}", instant=True))
    )


def overdue_by_priority_bargauge() -> bargauge.Panel:
    return (
        default_bargauge(big=True)
        .title("Overdue by priority")
        .unit("short")
        .decimals(0)
        .thresholds(thresholds((None, GREEN), (1, RED)))
        .with_target(
            query(
                "sum by (priority) (cs_tickets_first_response_overdue)", "{{priority}}", instant=True
            )
        )
    )


def resolved_by_touch_bargauge() -> bargauge.Panel:
    return (
        default_bargauge(big=True)
        .title("Resolved by touches ($window)")
        .description(series_help("cs_tickets_resolved"))
        .unit("short")
        .decimals(0)
        .with_target(
            query(f"sum by (touch) (cs_tickets_resolved{{{W}}})", "{{touch}}", instant=True)
        )
    )


# --- trends -----------------------------------------------------------------------
def frt_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("First response time ($window)")
        .unit("s")
        .with_target(query(f"cs:first_response_seconds:p50{{{W}}}", "p50", "A"))
        .with_target(query(f"cs:first_response_seconds:p90{{{W}}}", "p90", "B"))
    )


def ticket_flow_timeseries() -> timeseries.Panel:
    return (
        default_bars()
        .title("Tickets created and resolved")
        .unit("short")
        .decimals(0)
        .with_target(
            query(
                "sum by (event) (increase("
                'cs_tickets_total{event=~"created|resolved|reopened"}[$__rate_interval]))',
                "{{event}}",
            )
        )
        .override_by_name("reopened", [color_override(ORANGE)])
    )


def support() -> dashboard_builder.Dashboard:
    return (
        base_dashboard(
            "cspulse-support",
            "cspulse / Support wallboard",
            "Support floor wallboard: queue, first response, FCR and survey scores. "
            "Open with ?kiosk for a TV.",
            refresh="10s",
            time_from="now-24h",
            tags=["support", "wallboard"],
        )
        .with_variable(window_variable("24h", "Rolling window of the ratio and time stats"))
        .with_panel(open_tickets_stat())
        .with_panel(overdue_stat())
        .with_panel(frt_p50_stat())
        .with_panel(frt_p90_stat())
        .with_panel(fcr_stat())
        .with_panel(nps_stat())
        .with_panel(csat_stat())
        .with_panel(ces_stat())
        .with_panel(open_by_priority_bargauge())
        .with_panel(overdue_by_priority_bargauge())
        .with_panel(resolved_by_touch_bargauge())
        .with_panel(frt_timeseries())
        .with_panel(ticket_flow_timeseries())
    )
