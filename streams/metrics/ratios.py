"""Headline ratios from flat series, as the Prometheus recording rules compute them.

Used by `cspulse report` for its human table; Prometheus remains the source of the
exported ratios (workers never export a ratio, CONTRACT section 7).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

_FLAT = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_flat(key: str) -> tuple[str, dict[str, str]]:
    match = _FLAT.match(key)
    if not match:
        raise ValueError(f"not a series key: {key!r}")
    return match["name"], dict(_LABEL.findall(match["labels"] or ""))


class Series:
    def __init__(self, flat: Mapping[str, float]) -> None:
        self.rows = [(*parse_flat(k), v) for k, v in flat.items()]

    def sum(self, name: str, **match: str) -> float:
        return sum(
            v for n, labels, v in self.rows if n == name and all(labels.get(k) == m for k, m in match.items())
        )

    def quantile(self, q: float, name: str, **match: str) -> float:
        """histogram_quantile over cumulative `le` buckets (linear within a bucket)."""
        buckets: dict[float, float] = {}
        for n, labels, v in self.rows:
            if n == name and all(labels.get(k) == m for k, m in match.items()):
                le = float(labels["le"])
                buckets[le] = buckets.get(le, 0.0) + v
        if not buckets or buckets.get(math.inf, 0.0) == 0:
            return math.nan
        edges = sorted(buckets)
        rank = q * buckets[math.inf]
        lower, below = 0.0, 0.0
        for le in edges:
            count = buckets[le]
            if count >= rank:
                if math.isinf(le):
                    return lower
                return lower + (le - lower) * ((rank - below) / (count - below) if count > below else 0)
            lower, below = le, count
        return math.nan


def _div(a: float, b: float) -> float:
    return a / b if abs(b) > 1e-9 else math.nan


def _fmt(value: float, kind: str) -> str:
    if math.isnan(value):
        return "-"
    if kind == "pct":
        return f"{100 * value:.2f}%"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "secs":
        return f"{value / 60:.1f} min"
    if kind == "score":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def headline(flat: Mapping[str, float], windows: list[str]) -> dict[str, list[str]]:
    s = Series(flat)
    mrr = s.sum("cs_mrr")
    active = s.sum("cs_customers_active")

    def per_window(fn: Callable[[str], float], kind: str) -> list[str]:
        return [_fmt(fn(w), kind) for w in windows]

    def move(kind: str, w: str) -> float:
        return s.sum("cs_mrr_movement", kind=kind, window=w)

    def cust(kind: str, w: str) -> float:
        return s.sum("cs_customer_movements", kind=kind, window=w)

    def start_mrr(w: str) -> float:
        net = move("new", w) + move("reactivation", w) + move("expansion", w)
        return mrr - net + move("contraction", w) + move("churn", w)

    def churn_rate(w: str) -> float:
        start = active - cust("new", w) - cust("reactivation", w) + cust("churn", w)
        return _div(cust("churn", w), start)

    def nrr(w: str) -> float:
        m = start_mrr(w)
        return _div(m + move("expansion", w) - move("contraction", w) - move("churn", w), m)

    def survey(name: str, w: str) -> float:
        return s.sum("cs_survey_responses", survey=name, window=w)

    def nps(w: str) -> float:
        p = s.sum("cs_survey_responses", survey="nps", rating="promoter", window=w)
        d = s.sum("cs_survey_responses", survey="nps", rating="detractor", window=w)
        return _div(100 * (p - d), survey("nps", w))

    def csat(w: str) -> float:
        sat = s.sum("cs_survey_responses", survey="csat", rating="satisfied", window=w)
        return _div(100 * sat, survey("csat", w))

    def fcr(w: str) -> float:
        one = s.sum("cs_tickets_resolved", touch="one", window=w)
        return _div(one, one + s.sum("cs_tickets_resolved", touch="multi", window=w))

    def failed(w: str) -> float:
        f = s.sum("cs_payments", outcome="failed", window=w)
        return _div(f, f + s.sum("cs_payments", outcome="succeeded", window=w))

    def renewal(w: str) -> float:
        r = s.sum("cs_renewals", outcome="renewed", window=w)
        return _div(r, r + s.sum("cs_renewals", outcome="canceled", window=w))

    def ces(w: str) -> float:
        return _div(s.sum("cs_survey_score_sum", survey="ces", window=w), survey("ces", w))

    frt = "cs_first_response_window_seconds_bucket"
    return {
        "MRR": [_fmt(mrr, "money")] * len(windows),
        "active customers": [_fmt(active, "n")] * len(windows),
        "ARPA": [_fmt(_div(mrr, active), "money")] * len(windows),
        **{
            f"{kind} MRR": [_fmt(move(kind, w), "money") for w in windows]
            for kind in ("new", "expansion", "contraction", "churn", "reactivation")
        },
        "customer churn rate": per_window(churn_rate, "pct"),
        "net revenue retention": per_window(nrr, "pct"),
        "renewal rate": per_window(renewal, "pct"),
        "failed payment rate": per_window(failed, "pct"),
        "first response p50": per_window(lambda w: s.quantile(0.5, frt, window=w), "secs"),
        "first response p90": per_window(lambda w: s.quantile(0.9, frt, window=w), "secs"),
        "first contact resolution": per_window(fcr, "pct"),
        "NPS": per_window(nps, "score"),
        "CSAT": per_window(csat, "score"),
        "CES": per_window(ces, "score"),
    }
