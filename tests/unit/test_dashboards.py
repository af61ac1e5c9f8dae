"""Generated Grafana dashboards: up to date, reading only real series, pinned datasource."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grafana.dashboards_src import build  # noqa: E402
from grafana.dashboards_src.common import DATASOURCE_UID  # noqa: E402
from grafana.dashboards_src.promql import (  # noqa: E402
    CONTRACT_SERIES,
    EXPORTED_SERIES,
    recording_rule_names,
    referenced_series,
)

DASHBOARD_DIR = ROOT / "grafana" / "dashboards"
PROVISIONING = ROOT / "grafana" / "provisioning"
RULE_FILES = sorted((ROOT / "prometheus" / "rules").glob("*.yml"))
EXPECTED = {"revenue.json", "support.json", "pipeline.json", "voc.json", "product.json", "health.json"}
# Series beyond the contract that a dashboard may read, each for a stated reason (the
# catalogue test below still checks that workers export them):
# comment counts on the voice-of-customer dashboard exist only as this engine series.
EXTENSIONS = frozenset({"cs_survey_comments_total"})


def _dashboards() -> dict[str, dict]:
    return {name: json.loads((DASHBOARD_DIR / name).read_text(encoding="utf-8")) for name in EXPECTED}


def _panels(dashboard: dict) -> Iterator[dict]:
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows


def _targets(dashboard: dict) -> Iterator[tuple[dict, dict]]:
    for panel in _panels(dashboard):
        for target in panel.get("targets", []):
            yield panel, target


def test_committed_dashboards_are_exactly_what_the_generator_writes() -> None:
    rendered = build.render_all()
    assert set(rendered) == EXPECTED
    assert {p.name for p in DASHBOARD_DIR.glob("*.json")} == EXPECTED
    for name, text in rendered.items():
        committed = (DASHBOARD_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run python -m grafana.dashboards_src.build"


def test_generation_is_deterministic_and_canonical() -> None:
    first, second = build.render_all(), build.render_all()
    assert first == second
    for name, text in first.items():
        assert text.endswith("}\n"), name
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_check_flag(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "grafana.dashboards_src.build", "--check"]
    ok = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr

    for name, text in build.render_all().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "support.json").write_text("{}\n", encoding="utf-8")
    stale = subprocess.run(
        [*cmd, "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert stale.returncode == 1
    assert "support.json" in stale.stderr
    assert (tmp_path / "support.json").read_text(encoding="utf-8") == "{}\n", "--check wrote"


def test_every_query_reads_only_contract_series_or_recording_rules() -> None:
    known = CONTRACT_SERIES | recording_rule_names(RULE_FILES) | EXTENSIONS
    seen: set[str] = set()
    for name, dashboard in _dashboards().items():
        for panel, target in _targets(dashboard):
            expr = target.get("expr", "")
            assert expr.strip(), f"{name}: panel {panel['title']!r} has an empty query"
            names = referenced_series(expr)
            assert names, f"{name}: {panel['title']!r} reads no series: {expr}"
            unknown = names - known
            assert not unknown, f"{name}: {panel['title']!r} reads unknown {unknown}: {expr}"
            seen |= names
    # The dashboards show every ratio the contract requires.
    for rule in (
        "cs:customer_churn_rate:ratio",
        "cs:customer_retention_rate:ratio",
        "cs:net_revenue_retention:ratio",
        "cs:gross_revenue_retention:ratio",
        "cs:arpa",
        "cs:renewal_rate:ratio",
        "cs:failed_payment_rate:ratio",
        "cs:fcr_rate:ratio",
        "cs:first_response_seconds:p50",
        "cs:first_response_seconds:p90",
        "cs:nps:score",
        "cs:csat:percent",
        "cs:ces:mean",
        # v1.1
        "cs:stickiness:ratio",
        "cs:product_adoption:ratio",
        "cs:feature_adoption:ratio",
        "cs:cac",
        "cs:ltv_to_cac:ratio",
        "cs:retention_cost",
        "cs:referral_rate:ratio",
        "cs:referral_conversion:ratio",
        "cs:offer_conversion:ratio",
    ):
        assert rule in seen, f"no panel shows {rule}"


def test_every_series_the_dashboards_read_is_in_the_catalogue() -> None:
    for name, dashboard in _dashboards().items():
        for panel, target in _targets(dashboard):
            read = {n for n in referenced_series(target["expr"]) if n.startswith(("cs_", "cspulse_"))}
            unknown = read - EXPORTED_SERIES
            assert not unknown, f"{name}: {panel['title']!r} reads {unknown}, not in the series catalogue"


def test_datasource_uid_is_pinned_everywhere() -> None:
    for name, dashboard in _dashboards().items():
        for panel in _panels(dashboard):
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}, (
                f"{name}: {panel['title']!r}"
            )
            assert panel["targets"], f"{name}: {panel['title']!r} has no query"
        for panel, target in _targets(dashboard):
            assert target["datasource"]["uid"] == DATASOURCE_UID, f"{name}: {panel['title']!r}"


def test_dashboard_identity_and_layout() -> None:
    dashboards = _dashboards()
    uids = [d["uid"] for d in dashboards.values()]
    assert len(set(uids)) == len(uids)
    for name, dashboard in dashboards.items():
        ids = [p["id"] for p in _panels(dashboard)]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        for panel in _panels(dashboard):
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24, f"{name}: {panel.get('title')!r} overflows"
        variables = {v["name"] for v in dashboard.get("templating", {}).get("list", [])}
        for panel, target in _targets(dashboard):
            if "$window" in target["expr"]:
                assert "window" in variables, f"{name}: {panel['title']!r} uses undefined $window"


def test_support_dashboard_is_a_wallboard() -> None:
    support = _dashboards()["support.json"]
    assert support["refresh"] == "10s"
    stats = [p for p in _panels(support) if p["type"] == "stat"]
    assert len(stats) >= 8
    for panel in stats:
        assert panel["options"]["colorMode"] == "background"
        assert panel["options"]["text"]["valueSize"] >= 60
        assert panel["gridPos"]["h"] >= 6


def test_provisioning_points_at_the_pinned_datasource_and_dashboards() -> None:
    datasources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    [prometheus] = datasources["datasources"]
    assert prometheus["uid"] == DATASOURCE_UID
    assert prometheus["type"] == "prometheus"
    assert prometheus["url"] == "http://prometheus:9090"

    providers = yaml.safe_load((PROVISIONING / "dashboards" / "cspulse.yml").read_text())
    [provider] = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (window) (cs_renewals{outcome="renewed"})', {"cs_renewals"}),
        ('cs:arpa / on () group_right () (cs:x:ratio{window="30d"} > 0)', {"cs:arpa", "cs:x:ratio"}),
        (
            "histogram_quantile(0.9, sum by (le) (rate(cs_event_lag_seconds_bucket[$__rate_interval])))",
            {"cs_event_lag_seconds_bucket"},
        ),
        ('label_replace(vector(0), "window", "1h", "", "") or foo offset 5m', {"foo"}),
    ],
)
def test_referenced_series(expr: str, names: set[str]) -> None:
    assert referenced_series(expr) == names


def test_voice_of_customer_dashboard() -> None:
    voc = _dashboards()["voc.json"]
    targets = [(panel["type"], t["expr"], t.get("legendFormat", "")) for panel, t in _targets(voc)]
    for rule in ("cs:nps:score", "cs:csat:percent", "cs:ces:mean"):
        assert ("timeseries", rule, "{{window}}") in targets, f"no {rule} line per window"
        assert ("stat", f'{rule}{{window="$window"}}') in {(k, e) for k, e, _ in targets}, rule
    for survey in ("nps", "csat", "ces"):
        mix = f'sum by (rating) (cs_survey_responses{{survey="{survey}", window="$window"}})'
        assert ("bargauge", mix, "{{rating}}") in targets, f"no {survey} rating mix"
    counted = {e for _, e, _ in targets if "increase(" in e}
    assert any("cs_survey_responses_total" in e for e in counted)
    assert any("cs_survey_comments_total" in e for e in counted)
