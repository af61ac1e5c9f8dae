"""What the wallboard shows: each headline KPI, the PromQL that reads it, how to colour it.

Pure data and arithmetic, no I/O. Every aggregate is read from Prometheus, over the
recording rules where a ratio is involved (the one place where sums across workers
are right). Thresholds follow the Grafana support wallboard (grafana/dashboards_src).
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.settings import Settings

BOARDS = ("support", "revenue", "voc")

# A colour band: (lowest value of the band, status); lowest band first, None = -inf.
Bands = tuple[tuple[float | None, str], ...]


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    expr: str
    unit: str  # money, ratio (0..1), percent (0..100), score, mean, seconds, count
    family: str | None  # topic family whose newest event the value is as of; None: any
    boards: tuple[str, ...]
    bands: Bands = ()
    target: float | None = None  # shown next to the value (seconds for FRT)
    optional: bool = False  # a future series: the tile is hidden while it has no data
    by: str | None = None  # label of a breakdown query, `expr` grouped by it


def status(value: float | None, bands: Bands) -> str:
    """The status of the highest band whose lower bound `value` reaches ('none' without)."""
    if value is None or not bands:
        return "none"
    found = "none"
    for low, name in bands:
        if low is None or value >= low:
            found = name
    return found


def _frt_bands(target: float) -> Bands:
    return ((None, "good"), (target / 2, "warn"), (target, "bad"))


def catalogue(settings: Settings) -> list[Kpi]:
    """The headline KPIs; first-response targets come from CSPULSE_FRT_TARGETS (p50
    against urgent, p90 against high, as the alert rules and Grafana board do)."""
    p50_target = float(settings.frt_targets["urgent"])
    p90_target = float(settings.frt_targets["high"])
    money = ("revenue",)
    support = ("support",)
    voc = ("voc", "support")
    return [
        Kpi("mrr", "MRR", "cs:mrr:sum", "money", "subscriptions", money),
        Kpi("net_new_mrr", "Net new MRR (24h)", 'cs:mrr_net_new:sum{window="24h"}', "money",
            "subscriptions", money, ((None, "bad"), (0, "good"))),
        Kpi("customer_churn", "Customer churn (30d)", 'cs:customer_churn_rate:ratio{window="30d"}',
            "ratio", "subscriptions", money, ((None, "good"), (0.03, "warn"), (0.05, "bad"))),
        Kpi("nrr", "Net revenue retention (30d)", 'cs:net_revenue_retention:ratio{window="30d"}',
            "ratio", "subscriptions", money, ((None, "bad"), (0.9, "warn"), (1.0, "good"))),
        Kpi("mrr_at_risk", "MRR at risk", "cs:mrr_at_risk", "money", None, money,
            optional=True),
        Kpi("frt_p50", "First response p50 (24h)", 'cs:first_response_seconds:p50{window="24h"}',
            "seconds", "tickets", support, _frt_bands(p50_target), p50_target),
        Kpi("frt_p90", "First response p90 (24h)", 'cs:first_response_seconds:p90{window="24h"}',
            "seconds", "tickets", support, _frt_bands(p90_target), p90_target),
        Kpi("tickets_open", "Open tickets", "sum by (priority) (cs_tickets_open)", "count",
            "tickets", support, by="priority"),
        Kpi("tickets_overdue", "Overdue first responses",
            "sum by (priority) (cs_tickets_first_response_overdue)", "count", "tickets", support,
            ((None, "good"), (1, "bad")), by="priority"),
        Kpi("fcr", "First contact resolution (24h)", 'cs:fcr_rate:ratio{window="24h"}', "ratio",
            "tickets", support, ((None, "bad"), (0.6, "warn"), (0.75, "good"))),
        Kpi("nps", "NPS (30d)", 'cs:nps:score{window="30d"}', "score", "surveys", voc,
            ((None, "bad"), (0, "warn"), (30, "good"))),
        Kpi("csat", "CSAT (30d)", 'cs:csat:percent{window="30d"}', "percent", "surveys", voc,
            ((None, "bad"), (70, "warn"), (80, "good"))),
        Kpi("ces", "CES (30d)", 'cs:ces:mean{window="30d"}', "mean", "surveys", voc,
            ((None, "bad"), (4, "warn"), (5, "good"))),
        Kpi("dau", "Daily active users", 'sum(cs_active_users{window="24h"})', "count", "usage",
            ("revenue", "voc"), optional=True),
    ]


# Newest event time per topic over a look-back, so that a stopped worker (whose series
# Prometheus marks stale at once) still tells how old the last number was.
FRESHNESS_EXPR = "max by (topic) (max_over_time(cs_last_event_timestamp_seconds[{lookback}s]))"
# Events handled per topic within the stale threshold. The newest event time alone cannot
# tell that a topic stopped moving when producers stamp events ahead of the clock (up to
# CSPULSE_MAX_CLOCK_SKEW is accepted); no events handled can.
ACTIVITY_EXPR = "sum by (topic) (increase(cs_events_total[{window}s]))"
CURRENCY_EXPR = "max by (reporting_currency) (cs_build_info)"
WORKERS_EXPR = 'up{job=~"cspulse.*"}'


def freshness_expr(stale_after: int) -> str:
    return FRESHNESS_EXPR.format(lookback=max(stale_after, 3600))


def activity_expr(stale_after: int) -> str:
    return ACTIVITY_EXPR.format(window=stale_after)
