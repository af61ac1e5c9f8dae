"""Voice of customer: NPS, CSAT and CES over time by window, the rating mix, responses
and comments.

The scores are the recording rules (sums across workers); the rating mix and the
counts read the survey series directly. Comment texts are not in Prometheus (free text
never becomes a label): the wallboard shows the latest from Redis.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import bargauge, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as dashboard_builder

from .common import (
    GREEN,
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
# Rating bands per survey (CONTRACT.md section 6), best first, with their colours.
RATINGS = {
    "nps": (("promoter", GREEN), ("passive", YELLOW), ("detractor", RED)),
    "csat": (("satisfied", GREEN), ("neutral", YELLOW), ("dissatisfied", RED)),
    "ces": (("easy", GREEN), ("neutral", YELLOW), ("difficult", RED)),
}


# --- scores now ($window) -------------------------------------------------------------
def _score_stat(title: str, rule: str, description: str) -> stat.Panel:
    return (
        default_stat()
        .title(f"{title} ($window)")
        .description(description)
        .with_target(query(f"{rule}{{{W}}}", title))
    )


def nps_stat() -> stat.Panel:
    return (
        _score_stat("NPS", "cs:nps:score", "100 x (promoters 9-10 - detractors 0-6) / responses.")
        .unit("none")
        .decimals(0)
        .thresholds(thresholds((None, RED), (0, YELLOW), (30, GREEN)))
    )


def csat_stat() -> stat.Panel:
    return (
        _score_stat("CSAT", "cs:csat:percent", "Satisfied (4-5) / responses, in percent.")
        .unit("percent")
        .decimals(1)
        .thresholds(thresholds((None, RED), (70, YELLOW), (80, GREEN)))
    )


def ces_stat() -> stat.Panel:
    return (
        _score_stat("CES", "cs:ces:mean", "Mean customer effort score, 1-7 (higher is easier).")
        .unit("none")
        .decimals(2)
        .thresholds(thresholds((None, RED), (4, YELLOW), (5, GREEN)))
    )


def responses_stat() -> stat.Panel:
    return (
        default_stat()
        .title("Responses ($window)")
        .description(series_help("cs_survey_responses"))
        .unit("short")
        .decimals(0)
        .with_target(query(f"sum(cs_survey_responses{{{W}}})", "responses"))
    )


# --- scores over time, one line per window ---------------------------------------------
def _by_window(title: str, rule: str, unit: str, description: str) -> timeseries.Panel:
    return (
        default_timeseries()
        .title(f"{title} by window")
        .description(description)
        .unit(unit)
        .decimals(1)
        .span(8)
        .with_target(query(rule, "{{window}}"))
    )


def nps_by_window_timeseries() -> timeseries.Panel:
    return _by_window("NPS", "cs:nps:score", "none", "NPS over each rolling window, -100..100.")


def csat_by_window_timeseries() -> timeseries.Panel:
    return _by_window("CSAT", "cs:csat:percent", "percent", "CSAT over each rolling window.")


def ces_by_window_timeseries() -> timeseries.Panel:
    return _by_window("CES", "cs:ces:mean", "none", "Mean CES over each rolling window, 1-7.")


# --- rating mix ($window) --------------------------------------------------------------
def rating_mix_bargauge(survey: str) -> bargauge.Panel:
    panel = (
        default_bargauge()
        .title(f"{survey.upper()} rating mix ($window)")
        .description(f"{survey.upper()} responses in the window by rating band.")
        .unit("short")
        .decimals(0)
        .with_target(
            query(
                f'sum by (rating) (cs_survey_responses{{survey="{survey}", {W}}})',
                "{{rating}}",
                instant=True,
            )
        )
    )
    for rating, color in RATINGS[survey]:
        panel = panel.override_by_name(rating, [color_override(color)])
    return panel


# --- counts over time -------------------------------------------------------------------
def responses_timeseries() -> timeseries.Panel:
    return (
        default_bars()
        .title("Survey responses")
        .description(series_help("cs_survey_responses_total", "Per interval, by survey."))
        .unit("short")
        .decimals(0)
        .with_target(
            query(
                "sum by (survey) (increase(cs_survey_responses_total[$__rate_interval]))",
                "{{survey}}",
            )
        )
    )


def comments_timeseries() -> timeseries.Panel:
    return (
        default_bars()
        .title("Survey comments")
        .description(
            series_help(
                "cs_survey_comments_total",
                "Per interval, by survey. The texts are on the wallboard (from Redis).",
            )
        )
        .unit("short")
        .decimals(0)
        .with_target(
            query(
                "sum by (survey) (increase(cs_survey_comments_total[$__rate_interval]))",
                "{{survey}}",
            )
        )
    )


def voc() -> dashboard_builder.Dashboard:
    return (
        base_dashboard(
            "cspulse-voc",
            "cspulse / Voice of customer",
            "NPS, CSAT and CES by rolling window, the rating mix, responses and comments.",
            refresh="1m",
            time_from="now-7d",
            tags=["surveys"],
        )
        .with_variable(window_variable("30d", "Rolling window of the stats and the rating mix"))
        .with_row(dashboard_builder.Row("Scores ($window)"))
        .with_panel(nps_stat().span(6))
        .with_panel(csat_stat().span(6))
        .with_panel(ces_stat().span(6))
        .with_panel(responses_stat().span(6))
        .with_row(dashboard_builder.Row("Scores by window"))
        .with_panel(nps_by_window_timeseries())
        .with_panel(csat_by_window_timeseries())
        .with_panel(ces_by_window_timeseries())
        .with_row(dashboard_builder.Row("Rating mix ($window)"))
        .with_panel(rating_mix_bargauge("nps"))
        .with_panel(rating_mix_bargauge("csat"))
        .with_panel(rating_mix_bargauge("ces"))
        .with_row(dashboard_builder.Row("Responses and comments"))
        .with_panel(responses_timeseries())
        .with_panel(comments_timeseries())
    )
