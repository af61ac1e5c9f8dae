"""`cspulse simulate --scenario`: valid, deterministic events whose numbers raise the
scenario's alerts under the real rules, while the baseline alone raises none of them.

The engine's offline run (what `cspulse report` uses) turns the records into the series
a worker would export; promtool then evaluates the committed rule files over those
values, held constant for 90 minutes (longer than any `for:`).
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from simulator.config import SimRecord
from simulator.scenarios import SCENARIOS, Scenario
from streams.cli import build_parser, main
from streams.engine.offline import OfflineRun
from streams.settings import load_settings
from tests.tools import promtool

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((ROOT / "prometheus" / "rules").glob("*.yml"))
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _series(records: list[SimRecord]) -> dict[str, float]:
    """Promtool series notation -> value, as one worker would export the records at NOW."""
    run = OfflineRun(load_settings({}), now=NOW)
    run.feed_lines(rec.value for rec in records)
    assert not run.unrouted
    out = {}
    for (name, labels), value in run.raw_series().items():
        pairs = [("instance", "worker-a:6066"), ("job", "cspulse"), ("partition", "0"), *labels]
        out[name + "{" + ", ".join(f'{k}="{v}"' for k, v in pairs) + "}"] = value
    return out


def _firing(records: list[SimRecord], alerts: tuple[str, ...], tmp: Path) -> set[str]:
    """Which of `alerts` fire after 90 minutes of the records' series under the real rules
    (one promtool run per alert: it passes when exactly one such alert fires)."""
    inputs = [{"series": s, "values": f"{v}x100"} for s, v in _series(records).items()]
    fired = set()
    for alert in alerts:
        check = {
            "expr": f'count(ALERTS{{alertstate="firing", alertname="{alert}"}})',
            "eval_time": "90m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        }
        doc = {
            "rule_files": [str(p) for p in RULES],
            "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": inputs, "promql_expr_test": [check]}],
        }
        path = tmp / f"{alert}.test.yml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        result = subprocess.run(
            [promtool(), "test", "rules", str(path)], capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode == 0:
            fired.add(alert)
        else:
            output = result.stdout + result.stderr
            assert "FAILED" in output, output  # a broken file is an error, not a quiet alert
    return fired


def _build(name: str, size: int = 200, seed: int = 42) -> Scenario:
    return SCENARIOS[name](now=NOW, seed=seed, size=size)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_spike_raises_its_alerts_and_baseline_none(name: str, tmp_path: Path) -> None:
    scenario = _build(name)
    assert scenario.name == name and scenario.alerts and scenario.spike
    assert _firing(scenario.baseline, scenario.alerts, tmp_path) == set()
    assert _firing([*scenario.baseline, *scenario.spike], scenario.alerts, tmp_path) == set(scenario.alerts)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_record_is_valid_and_applied(name: str) -> None:
    scenario = _build(name, size=500)
    records = [*scenario.baseline, *scenario.spike]
    series = _series(records)
    applied = sum(
        v for k, v in series.items() if k.startswith("cs_events_total{") and 'outcome="applied"' in k
    )
    assert applied == len(records)
    assert not [k for k in series if k.startswith("cs_deadletter_total")]


def test_churn_spike_numbers() -> None:
    scenario = _build("churn-spike", size=1000)
    series = _series([*scenario.baseline, *scenario.spike])

    def one(name: str, **labels: str) -> float:
        found = [
            v
            for k, v in series.items()
            if k.startswith(name + "{") and all(f'{a}="{b}"' in k for a, b in labels.items())
        ]
        return sum(found)

    assert one("cs_customer_movements", kind="churn", window="24h") == 100  # the spike, 10 %
    assert one("cs_customer_movements", kind="churn", window="30d") == 120  # + 2 % normal churn
    assert one("cs_customers_active") == 880


def test_response_time_spike_numbers() -> None:
    scenario = _build("response-time-spike", size=1000)
    series = _series([*scenario.baseline, *scenario.spike])
    buckets = {k: v for k, v in series.items() if k.startswith("cs_first_response_window_seconds_bucket{")}
    within_4h = sum(v for k, v in buckets.items() if 'le="14400.0"' in k and 'window="24h"' in k)
    total = sum(v for k, v in buckets.items() if 'le="+Inf"' in k and 'window="24h"' in k)
    assert (within_4h, total) == (100, 150)  # 100 answered within 40 minutes, 50 after 5-7h
    overdue = sum(v for k, v in series.items() if k.startswith("cs_tickets_first_response_overdue{"))
    assert overdue == 5


def test_same_inputs_same_bytes() -> None:
    for name in SCENARIOS:
        a, b, c = _build(name), _build(name), _build(name, seed=7)
        assert (a.baseline, a.spike) == (b.baseline, b.spike)
        assert a.baseline != c.baseline


def test_cli_choices_are_the_scenarios() -> None:
    args = build_parser().parse_args(["simulate", "--scenario", "churn-spike"])
    assert args.scenario == "churn-spike"
    [action] = [a for a in build_parser()._subparsers._group_actions[0].choices["simulate"]._actions
                if a.dest == "scenario"]  # fmt: skip
    assert set(action.choices) == set(SCENARIOS)


def test_cli_writes_baseline_then_spike(tmp_path: Path) -> None:
    out = tmp_path / "scenario.jsonl"
    assert (
        main(["simulate", "--scenario", "response-time-spike", "--customers", "300", "--out", str(out)]) == 0
    )
    lines = out.read_bytes().splitlines()
    scenario = SCENARIOS["response-time-spike"](now=NOW, size=300)
    assert len(lines) == len(scenario.baseline) + len(scenario.spike)
    assert main(["simulate", "--scenario", "churn-spike", "--count", "5"]) == 2
