"""What a PromQL expression reads: the series names it selects.

Used by the dashboard generator and the tests to make sure every panel and every
rule reads only series the workers export (CONTRACT.md section 7) or recording
rules defined in prometheus/rules/. A small lexer, not a parser: it strips string
literals, label matchers, ranges and grouping-label lists, then keeps identifiers
that are not function calls or keywords.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

# CONTRACT.md section 7, plus `cs_build_info` (named in its text) and `up`
# (written by Prometheus for every scrape target).
_HISTOGRAMS = ("cs_first_response_seconds", "cs_resolution_seconds", "cs_event_lag_seconds")
CONTRACT_SERIES: frozenset[str] = frozenset(
    {
        "cs_mrr",
        "cs_customers_active",
        "cs_subscriptions_active",
        "cs_mrr_movement_total",
        "cs_mrr_movement",
        "cs_customer_movements_total",
        "cs_customer_movements",
        "cs_mrr_scheduled_churn",
        "cs_renewals",
        "cs_payments_total",
        "cs_payment_amount_total",
        "cs_payments",
        "cs_payment_amount",
        "cs_paying_customers",
        "cs_tickets_total",
        "cs_tickets_open",
        "cs_tickets_first_response_overdue",
        "cs_first_response_window_seconds_bucket",
        "cs_first_response_window_seconds_sum",
        "cs_first_response_window_seconds_count",
        "cs_resolution_window_seconds_bucket",
        "cs_resolution_window_seconds_sum",
        "cs_resolution_window_seconds_count",
        "cs_tickets_resolved",
        "cs_survey_responses_total",
        "cs_survey_responses",
        "cs_survey_score_sum",
        "cs_events_total",
        "cs_deadletter_total",
        "cs_last_event_timestamp_seconds",
        "cs_build_info",
        "up",
        *(f"{name}{suffix}" for name in _HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")),
    }
)

_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
     "unless", "offset", "inf", "nan"}
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.IGNORECASE
)
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_IDENT = re.compile(r"(?<![\w:.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")


def referenced_series(expr: str) -> set[str]:
    """The metric names (series or recording rules) an expression selects."""
    text = _STRING.sub(" ", expr)
    text = _VARIABLE.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def load_rule_groups(paths: Iterable[Path]) -> list[dict]:
    """Every rule (recording and alerting) of the given rule files, in order."""
    rules: list[dict] = []
    for path in sorted(paths):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for group in doc.get("groups", []):
            rules.extend(group.get("rules", []))
    return rules


def recording_rule_names(paths: Iterable[Path]) -> set[str]:
    return {rule["record"] for rule in load_rule_groups(paths) if "record" in rule}
