"""Prometheus recording and alert rules: valid, unit-tested with promtool, complete.

`promtool test rules` runs prometheus/tests/*.test.yml, which reproduce the
CONTRACT.md section 8 vectors on inputs spread across two workers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grafana.dashboards_src.promql import (  # noqa: E402
    CONTRACT_SERIES,
    EXPORTED_SERIES,
    load_rule_groups,
    recording_rule_names,
    referenced_series,
)
from tests.tools import promtool  # noqa: E402

RULE_FILES = sorted((ROOT / "prometheus" / "rules").glob("*.yml"))
TEST_FILES = sorted((ROOT / "prometheus" / "tests").glob("*.test.yml"))

# CONTRACT.md section 7: "Recording rules (at least)".
REQUIRED_RULES = {
    "cs:customer_churn_rate:ratio",
    "cs:customer_retention_rate:ratio",
    "cs:gross_mrr_churn:ratio",
    "cs:net_revenue_retention:ratio",
    "cs:gross_revenue_retention:ratio",
    "cs:expansion_rate:ratio",
    "cs:arpa",
    "cs:ltv",
    "cs:renewal_rate:ratio",
    "cs:failed_payment_rate:ratio",
    "cs:fcr_rate:ratio",
    "cs:first_response_seconds:p50",
    "cs:first_response_seconds:p90",
    "cs:nps:score",
    "cs:csat:percent",
    "cs:ces:mean",
    "cs:stickiness:ratio",
    "cs:product_adoption:ratio",
    "cs:feature_adoption:ratio",
    # v1.1: costs and growth
    "cs:cac",
    "cs:ltv_to_cac:ratio",
    "cs:retention_cost",
    "cs:referral_rate:ratio",
    "cs:referral_conversion:ratio",
    "cs:offer_conversion:ratio",
    # v1.1: health and time to value
    "cs:mrr_at_risk",
    "cs:time_to_value_seconds:p50",
}

REQUIRED_ALERTS = {
    "CSChurnSpike",
    "CSMRRDrop",
    "CSFailedPaymentSurge",
    "CSFirstResponseP90AboveTarget",
    "CSFirstResponseOverdue",
    "CSFCRDrop",
    "CSNPSDrop",
    "CSDeadLettersIncreasing",
    "CSConsumerLagGrowing",
    "CSTopicSilent",
    "CSPipelineStalled",
    "CSWorkerDown",
    "CSMRRAtRiskRising",
    "CSLargeAccountCritical",
}
SEVERITIES = {"warning", "critical"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_rule_and_test_files_exist() -> None:
    names = {p.name for p in RULE_FILES}
    assert {"revenue.yml", "support.yml", "alerts.yml", "usage.yml"} <= names


def test_prometheus_configs_load_every_rule_file() -> None:
    for config in ("prometheus.yml", "prometheus.compose.yml"):
        doc = yaml.safe_load((ROOT / "prometheus" / config).read_text(encoding="utf-8"))
        loaded = {p for pattern in doc["rule_files"] for p in (ROOT / "prometheus").glob(pattern)}
        assert set(RULE_FILES) <= loaded, config
    assert TEST_FILES, "no prometheus/tests/*.test.yml"


def test_promtool_check_rules() -> None:
    result = _run("check", "rules", *(str(p.relative_to(ROOT)) for p in RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules() -> None:
    result = _run("test", "rules", *(str(p.relative_to(ROOT)) for p in TEST_FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout


def test_every_test_file_is_run_against_the_committed_rules() -> None:
    covered: set[str] = set()
    for path in TEST_FILES:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule_file in doc["rule_files"]:
            target = (path.parent / rule_file).resolve()
            assert target.is_file(), f"{path.name}: missing rule file {rule_file}"
            covered.add(target.name)
    assert covered == {p.name for p in RULE_FILES}, "some rule file has no promtool test"


def test_required_recording_rules_are_defined() -> None:
    missing = REQUIRED_RULES - recording_rule_names(RULE_FILES)
    assert not missing, f"recording rules required by CONTRACT.md section 7 missing: {missing}"


def test_no_rule_is_recorded_twice() -> None:
    records = [r["record"] for r in load_rule_groups(RULE_FILES) if "record" in r]
    assert len(records) == len(set(records))


# Beyond the contract, read by one alert only: customers per band with MRR >= a setting
# (the contract exports no per-account value, and ids are never labels).
ALERT_EXTENSIONS = {"CSLargeAccountCritical": {"cs_customers_health_large"}}


def test_rules_read_only_contract_series_and_defined_rules() -> None:
    known = CONTRACT_SERIES | recording_rule_names(RULE_FILES)
    for rule in load_rule_groups(RULE_FILES):
        unknown = referenced_series(rule["expr"]) - known - ALERT_EXTENSIONS.get(rule.get("alert", ""), set())
        name = rule.get("record") or rule.get("alert")
        assert not unknown, f"{name} reads unknown series {unknown}"


def test_every_series_the_rules_read_is_in_the_catalogue() -> None:
    for rule in load_rule_groups(RULE_FILES):
        read = {n for n in referenced_series(rule["expr"]) if n.startswith(("cs_", "cspulse_"))}
        name = rule.get("record") or rule.get("alert")
        assert read <= EXPORTED_SERIES, f"{name} reads {read - EXPORTED_SERIES}, not in the series catalogue"


def _aggregations_keep_window(expr: str, helpers: dict[str, str]) -> bool:
    """Every `by (...)` lists `window` and no `without (...)` does, in `expr` and in the
    recording rules it reads (at least one aggregation found)."""
    texts = [expr, *(helpers[n] for n in referenced_series(expr) if n in helpers)]
    by = [g for t in texts for g in re.findall(r"\bby\s*\(([^)]*)\)", t)]
    without = [g for t in texts for g in re.findall(r"\bwithout\s*\(([^)]*)\)", t)]
    return bool(by or without) and all("window" in g for g in by) and not any("window" in g for g in without)


def test_ratio_rules_keep_the_window_label() -> None:
    # Every ratio is computed per window: no rule may sum the window away. Stickiness is
    # DAU / MAU by definition: one fixed pair of windows, no window label.
    rules = load_rule_groups(RULE_FILES)
    helpers = {r["record"]: r["expr"] for r in rules if "record" in r}
    for rule in rules:
        no_window = {"cs:arpa", "cs:ltv", "cs:stickiness:ratio", "cs:mrr_at_risk"}  # current values
        if rule.get("record") in REQUIRED_RULES - no_window:
            expr = rule["expr"]
            assert "window" in expr or _aggregations_keep_window(expr, helpers), rule["record"]


def test_alerts_have_for_and_annotations() -> None:
    alerts = {r["alert"]: r for r in load_rule_groups(RULE_FILES) if "alert" in r}
    assert set(alerts) >= REQUIRED_ALERTS, REQUIRED_ALERTS - set(alerts)
    for name, alert in alerts.items():
        assert alert.get("for"), f"{name} has no for:"
        annotations = alert.get("annotations", {})
        assert annotations.get("summary"), f"{name} has no summary"
        assert annotations.get("description"), f"{name} has no description"
        assert alert.get("labels", {}).get("severity") in SEVERITIES, f"{name}: severity not in {SEVERITIES}"
        # The README's runbook has one section per alert; GitHub's anchor is the lowercased name.
        assert annotations.get("runbook_url") == f"README.md#{name.lower()}", name


def test_every_alert_threshold_is_defined_and_used() -> None:
    # A threshold series that does not exist silences its alert for good: catch typos.
    rules = load_rule_groups(RULE_FILES)
    defined = {r["record"] for r in rules if r.get("record", "").startswith("cs:alert_threshold:")}
    used = {m for r in rules if "alert" in r for m in re.findall(r"cs:alert_threshold:\w+", r["expr"])}
    assert used == defined, used ^ defined
