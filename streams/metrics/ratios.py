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


class _Ratios:
    """The contract's ratios (CONTRACT 6) over one window, from the summed series."""

    def __init__(self, s: Series) -> None:
        self.s = s
        self.mrr = s.sum("cs_mrr")
        self.active = s.sum("cs_customers_active")

    def move(self, kind: str, w: str) -> float:
        return self.s.sum("cs_mrr_movement", kind=kind, window=w)

    def cust(self, kind: str, w: str) -> float:
        return self.s.sum("cs_customer_movements", kind=kind, window=w)

    def start_mrr(self, w: str) -> float:
        net = self.move("new", w) + self.move("reactivation", w) + self.move("expansion", w)
        return self.mrr - net + self.move("contraction", w) + self.move("churn", w)

    def churn_rate(self, w: str) -> float:
        start = self.active - self.cust("new", w) - self.cust("reactivation", w) + self.cust("churn", w)
        return _div(self.cust("churn", w), start)

    def nrr(self, w: str) -> float:
        m = self.start_mrr(w)
        return _div(m + self.move("expansion", w) - self.move("contraction", w) - self.move("churn", w), m)

    def responses(self, survey: str, w: str, **rating: str) -> float:
        return self.s.sum("cs_survey_responses", survey=survey, window=w, **rating)

    def nps(self, w: str) -> float:
        p, d = self.responses("nps", w, rating="promoter"), self.responses("nps", w, rating="detractor")
        return _div(100 * (p - d), self.responses("nps", w))

    def csat(self, w: str) -> float:
        return _div(100 * self.responses("csat", w, rating="satisfied"), self.responses("csat", w))

    def ces(self, w: str) -> float:
        return _div(self.s.sum("cs_survey_score_sum", survey="ces", window=w), self.responses("ces", w))

    def fcr(self, w: str) -> float:
        one = self.s.sum("cs_tickets_resolved", touch="one", window=w)
        return _div(one, one + self.s.sum("cs_tickets_resolved", touch="multi", window=w))

    def failed(self, w: str) -> float:
        f = self.s.sum("cs_payments", outcome="failed", window=w)
        return _div(f, f + self.s.sum("cs_payments", outcome="succeeded", window=w))

    def renewal(self, w: str) -> float:
        r = self.s.sum("cs_renewals", outcome="renewed", window=w)
        return _div(r, r + self.s.sum("cs_renewals", outcome="canceled", window=w))

    def frt(self, q: float, w: str) -> float:
        return self.s.quantile(q, "cs_first_response_window_seconds_bucket", window=w)

    def users(self, w: str) -> float:
        return self.s.sum("cs_active_users", window=w)

    def stickiness(self) -> float:
        return _div(self.users("24h"), self.users("30d"))

    def adoption(self, w: str) -> float:
        return _div(self.s.sum("cs_users_new", window=w), self.s.sum("cs_users_total"))

    # -- v1.1 costs and growth (prometheus/rules/growth.yml) -----------------------

    def cost(self, category: str, w: str) -> float:
        return self.s.sum("cs_cost_amount", category=category, window=w)

    def cac(self, w: str) -> float:
        return _div(self.cost("acquisition", w), self.cust("new", w))

    def ltv_to_cac(self) -> float:
        ltv = _div(_div(self.mrr, self.active), self.churn_rate("30d"))
        return _div(ltv, self.cac("30d"))

    def retention_cost(self, w: str) -> float:
        retained = self.active - self.cust("new", w) - self.cust("reactivation", w)
        return _div(self.cost("retention", w), retained)

    def referral_rate(self, w: str) -> float:
        return _div(self.s.sum("cs_referring_customers", window=w), self.active)

    def referral_conversion(self, w: str) -> float:
        sent = self.s.sum("cs_referrals", outcome="sent", window=w)
        return _div(self.s.sum("cs_referrals", outcome="converted", window=w), sent)

    def offer_conversion(self, kind: str, w: str) -> float:
        presented = self.s.sum("cs_offers", kind=kind, outcome="presented", window=w)
        return _div(self.s.sum("cs_offers", kind=kind, outcome="accepted", window=w), presented)


def headline(flat: Mapping[str, float], windows: list[str]) -> dict[str, list[str]]:
    """The report's table: one row per figure, one column per window."""
    r = _Ratios(Series(flat))

    def per_window(fn: Callable[[str], float], kind: str) -> list[str]:
        return [_fmt(fn(w), kind) for w in windows]

    return {
        "MRR": [_fmt(r.mrr, "money")] * len(windows),
        "active customers": [_fmt(r.active, "n")] * len(windows),
        "ARPA": [_fmt(_div(r.mrr, r.active), "money")] * len(windows),
        **{
            f"{kind} MRR": [_fmt(r.move(kind, w), "money") for w in windows]
            for kind in ("new", "expansion", "contraction", "churn", "reactivation")
        },
        "customer churn rate": per_window(r.churn_rate, "pct"),
        "net revenue retention": per_window(r.nrr, "pct"),
        "renewal rate": per_window(r.renewal, "pct"),
        "failed payment rate": per_window(r.failed, "pct"),
        "first response p50": per_window(lambda w: r.frt(0.5, w), "secs"),
        "first response p90": per_window(lambda w: r.frt(0.9, w), "secs"),
        "first contact resolution": per_window(r.fcr, "pct"),
        "NPS": per_window(r.nps, "score"),
        "CSAT": per_window(r.csat, "score"),
        "CES": per_window(r.ces, "score"),
        **{name: [_fmt(r.users(w), "n")] * len(windows) for name, w in (("DAU", "24h"), ("WAU", "7d"),
                                                                       ("MAU", "30d"))},
        "stickiness (DAU/MAU)": [_fmt(r.stickiness(), "pct")] * len(windows),
        "product adoption": per_window(r.adoption, "pct"),
        "CAC": per_window(r.cac, "money"),
        "LTV:CAC (30d)": [_fmt(r.ltv_to_cac(), "score")] * len(windows),
        "retention cost per customer": per_window(r.retention_cost, "money"),
        "referral rate": per_window(r.referral_rate, "pct"),
        "referral conversion": per_window(r.referral_conversion, "pct"),
        "upsell conversion": per_window(lambda w: r.offer_conversion("upsell", w), "pct"),
        "cross-sell conversion": per_window(lambda w: r.offer_conversion("cross_sell", w), "pct"),
    }
