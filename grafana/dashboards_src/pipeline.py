"""Pipeline health: events in, dead letters, event lag, freshness, workers up."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dashboard_builder
from grafana_foundation_sdk.builders import stat, timeseries

from .common import (
    GREEN,
    ORANGE,
    RED,
    YELLOW,
    base_dashboard,
    color_override,
    default_stat,
    default_timeseries,
    query,
    series_help,
    series_unit,
    stacked_bars,
    thresholds,
)

WORKERS = 'up{job=~"cspulse.*"}'


# --- headline -------------------------------------------------------------------------
def events_rate_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Events / s")
        .description("Valid events handled (applied, duplicate or stale), all topics, last 5m.")
        .unit("short")
        .decimals(1)
        .thresholds(thresholds((None, RED), (0.001, GREEN)))
        .with_target(query("sum(rate(cs_events_total[5m]))", "events/s"))
    )


def dead_letters_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Dead letters (1h)")
        .description("Records rejected to cs.deadletter in the last hour.")
        .unit("short")
        .decimals(0)
        .no_value("0")
        .thresholds(thresholds((None, GREEN), (1, ORANGE)))
        .with_target(query("sum(increase(cs_deadletter_total[1h]))", "dead letters"))
    )


def last_event_age_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Last event age")
        .description(
            "Now - the newest occurred_at applied on any partition (event time, so a "
            "replay of old history looks old)."
        )
        .unit("s")
        .decimals(0)
        .thresholds(thresholds((None, GREEN), (300, YELLOW), (600, RED)))
        .with_target(query("time() - max(cs_last_event_timestamp_seconds)", "age"))
    )


def workers_up_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Workers up")
        .description("cspulse workers Prometheus scrapes successfully / all configured.")
        .unit("short")
        .decimals(0)
        .thresholds(thresholds((None, RED), (1, GREEN)))
        .with_target(query(f"sum({WORKERS})", "up"))
    )


def duplicate_share_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Duplicates + stale (5m)")
        .description("Share of valid events ignored as duplicate or stale, last 5m.")
        .unit("percentunit")
        .decimals(1)
        .thresholds(thresholds((None, GREEN), (0.05, YELLOW), (0.2, ORANGE)))
        .with_target(
            query(
                'sum(rate(cs_events_total{outcome=~"duplicate|stale"}[5m]))'
                " / (sum(rate(cs_events_total[5m])) > 0)",
                "ignored",
            )
        )
    )


def deadletter_share_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Rejected share (5m)")
        .description("Dead letters / (dead letters + valid events), last 5m.")
        .unit("percentunit")
        .decimals(2)
        .thresholds(thresholds((None, GREEN), (0.001, YELLOW), (0.01, RED)))
        .with_target(
            query(
                "(sum(rate(cs_deadletter_total[5m])) or vector(0))"
                " / ((sum(rate(cs_events_total[5m])) + (sum(rate(cs_deadletter_total[5m]))"
                " or vector(0))) > 0)",
                "rejected",
            )
        )
    )


# --- flows ------------------------------------------------------------------------------
def events_by_outcome_timeseries() -> timeseries.Panel:
    return (
        stacked_bars()
        .title("Events by outcome")
        .description(series_help("cs_events_total", "Rate per second."))
        .unit("ops")
        .with_target(
            query("sum by (outcome) (rate(cs_events_total[$__rate_interval]))", "{{outcome}}")
        )
        .override_by_name("applied", [color_override(GREEN)])
        .override_by_name("duplicate", [color_override(YELLOW)])
        .override_by_name("stale", [color_override(ORANGE)])
    )


def events_by_topic_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("Events by topic")
        .unit("ops")
        .with_target(query("sum by (topic) (rate(cs_events_total[$__rate_interval]))", "{{topic}}"))
    )


def dead_letters_by_reason_timeseries() -> timeseries.Panel:
    return (
        stacked_bars()
        .title("Dead letters by reason")
        .description(series_help("cs_deadletter_total", "Per interval; reason is cs.error.reason."))
        .unit("short")
        .decimals(0)
        .with_target(
            query(
                "sum by (reason) (increase(cs_deadletter_total[$__rate_interval]))", "{{reason}}"
            )
        )
    )


def dead_letters_by_topic_timeseries() -> timeseries.Panel:
    return (
        stacked_bars()
        .title("Dead letters by source topic")
        .unit("short")
        .decimals(0)
        .with_target(
            query("sum by (topic) (increase(cs_deadletter_total[$__rate_interval]))", "{{topic}}")
        )
    )


# --- latency and freshness ----------------------------------------------------------
def event_lag_timeseries() -> timeseries.Panel:
    lag = "sum by (le, topic) (rate(cs_event_lag_seconds_bucket[$__rate_interval]))"
    return (
        default_timeseries()
        .title("Event lag p50 / p99")
        .description(series_help("cs_event_lag_seconds", "p50 and p99."))
        .unit(series_unit("cs_event_lag_seconds"))
        .with_target(query(f"histogram_quantile(0.5, {lag})", "p50 {{topic}}", "A"))
        .with_target(query(f"histogram_quantile(0.99, {lag})", "p99 {{topic}}", "B"))
    )


def last_event_age_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("Last event age by topic")
        .description("Now - newest occurred_at applied, per topic.")
        .unit("s")
        .with_target(
            query("time() - max by (topic) (cs_last_event_timestamp_seconds)", "{{topic}}")
        )
    )


def workers_timeseries() -> timeseries.Panel:
    return (
        default_timeseries()
        .title("Workers up")
        .unit("short")
        .decimals(0)
        .min(0)
        .with_target(query(WORKERS, "{{instance}}"))
    )


def pipeline() -> dashboard_builder.Dashboard:
    return (
        base_dashboard(
            "cspulse-pipeline",
            "cspulse / Pipeline",
            "Event throughput, dead letters, lag and freshness of the cspulse workers.",
            refresh="30s",
            time_from="now-3h",
            tags=["pipeline"],
        )
        .with_panel(events_rate_stat())
        .with_panel(dead_letters_stat())
        .with_panel(last_event_age_stat())
        .with_panel(workers_up_stat())
        .with_panel(duplicate_share_stat())
        .with_panel(deadletter_share_stat())
        .with_row(dashboard_builder.Row("Events"))
        .with_panel(events_by_outcome_timeseries())
        .with_panel(events_by_topic_timeseries())
        .with_row(dashboard_builder.Row("Dead letters"))
        .with_panel(dead_letters_by_reason_timeseries())
        .with_panel(dead_letters_by_topic_timeseries())
        .with_row(dashboard_builder.Row("Lag and freshness"))
        .with_panel(event_lag_timeseries())
        .with_panel(last_event_age_timeseries())
        .with_panel(workers_timeseries().span(24))
    )
