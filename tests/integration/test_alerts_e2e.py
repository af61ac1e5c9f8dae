"""End to end: a scenario's spike reaches a webhook as its alert.

For each scenario, `cspulse simulate --scenario NAME` publishes a quiet baseline to the
real broker, pauses, then publishes the spike; a real worker processes it; a private
Prometheus scrapes only that worker every second and evaluates the repository's rules;
a private Alertmanager, configured from prometheus/alertmanager.yml, notifies a webhook
served by the test. The rule files Prometheus loads are the committed ones with one
change, asserted: the scenario's alerts wait FOR instead of their real `for:`.

Asserted: none of the scenario's alerts is pending or firing once the baseline has been
processed, scraped and evaluated; each of them reaches the webhook within DEADLINE of
the spike's first record. The delays are printed (pytest -s shows them).
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bench.common import free_port
from grafana.dashboards_src.promql import load_rule_groups
from simulator.scenarios import SCENARIOS
from tests.integration.alerting import AlertmanagerProcess, WebhookReceiver
from tests.integration.stack import PrometheusProcess, wait_for

pytestmark = pytest.mark.integration

RULES = Path(__file__).resolve().parents[2] / "prometheus" / "rules"
FOR = "5s"  # instead of 15m-1h: the test measures the pipeline, not the patience
SIZE = 200  # customers: 400 subscription records, or 60 ticket records, of baseline
SPIKE_DELAY = 30  # seconds between baseline and spike, to check that all is quiet
DEADLINE = 60.0  # seconds from the first spike record to every expected notification


def _rules_copy(tmp: Path, alerts: tuple[str, ...]) -> Path:
    """The committed rule files with the `for:` of `alerts` set to FOR."""
    out = tmp / "rules"
    out.mkdir(parents=True)
    for path in sorted(RULES.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in doc["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") in alerts:
                    rule["for"] = FOR
        (out / path.name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    # What Prometheus reads differs from the repository in those `for:` only: every
    # expression, label, annotation and recording rule is the committed one.
    real, copy = load_rule_groups(RULES.glob("*.yml")), load_rule_groups(out.glob("*.yml"))
    assert len(real) == len(copy)
    for mine, theirs in zip(copy, real, strict=True):
        if mine.get("alert") in alerts:
            assert mine["for"] == FOR
            mine = {**mine, "for": theirs["for"]}
        assert mine == theirs
    assert {r["alert"] for r in real if "alert" in r} >= set(alerts)
    return out


class _Lines:
    """A subprocess's stdout, line by line, with timeouts."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout
        threading.Thread(target=lambda: [self._queue.put(line) for line in stream], daemon=True).start()

    def wait(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} in {timeout}s; output so far: {self.seen}")


def _api(prom: PrometheusProcess, path: str) -> dict:
    with urllib.request.urlopen(f"{prom.url}/api/v1/{path}", timeout=10) as resp:
        body: dict = json.loads(resp.read())
    return body


def _value(prom: PrometheusProcess, expr: str) -> float:
    result = prom.query(expr)["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


@pytest.mark.parametrize(
    ("scenario", "primary"),
    [("churn-spike", "CSChurnSpike"), ("response-time-spike", "CSFirstResponseP90AboveTarget")],
)
def test_scenario_alert_reaches_the_webhook(engine, tmp_path: Path, scenario: str, primary: str) -> None:
    alerts = SCENARIOS[scenario](now=datetime.now(UTC), size=SIZE).alerts
    assert primary in alerts
    rules = _rules_copy(tmp_path, alerts)
    worker = engine.start_worker(port=free_port())
    hook = WebhookReceiver().start()
    am = AlertmanagerProcess(hook.url, tmp_path / "alertmanager").start()
    prom = PrometheusProcess(
        [f"127.0.0.1:{worker.port}"],
        tmp_path / "prometheus",
        rule_files=[str(rules / "*.yml")],
        alertmanagers=[am.address],
    ).start()
    sim: subprocess.Popen[str] | None = None
    try:
        loaded = {
            r["name"]: r["duration"]
            for g in _api(prom, "rules")["data"]["groups"]
            for r in g["rules"]
            if r["type"] == "alerting"
        }
        assert all(loaded[a] == 5 for a in alerts), loaded
        wait_for(
            lambda: bool(_api(prom, "alertmanagers")["data"]["activeAlertmanagers"]),
            30,
            "Prometheus to find its Alertmanager",
            detail=prom.log_tail,
        )
        wait_for(lambda: bool(worker.metrics_text()), 60, "the worker's /metrics", [worker])

        sim = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "simulate", "--scenario", scenario,
             "--customers", str(SIZE), "--spike-delay", str(SPIKE_DELAY)],
            env={**os.environ, **engine.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        out = _Lines(sim)
        baseline = int(out.wait(r": (\d+) baseline records sent", 60).group(1))

        # Quiet before the spike: the baseline applied, scraped, and the rules run over it.
        wait_for(
            lambda: _value(prom, "sum(cs_events_total)") >= baseline,
            SPIKE_DELAY - 8,
            f"Prometheus to scrape {baseline} baseline events",
            [worker],
            detail=prom.log_tail,
        )
        time.sleep(3)  # three rule evaluations over the scraped baseline
        listed = "|".join(alerts)
        early = prom.query(f'ALERTS{{alertname=~"{listed}"}}')["data"]["result"]
        checked = time.time()
        assert early == [], f"alerts before the spike: {early}"
        assert not [a for a in alerts if hook.first_firing(a)]

        started = float(out.wait(r"spike started at \S+ \(unix (\d+\.\d+)\)", SPIKE_DELAY + 30).group(1))
        assert checked < started, "the quiet check ran after the spike had started"
        wait_for(
            lambda: all(hook.first_firing(a) for a in alerts),
            DEADLINE,
            f"{alerts} at the webhook",
            [worker],
            detail=lambda: f"webhook calls: {hook.calls}\n{am.log_tail()}\n{prom.log_tail()}",
        )
        delays = {a: hook.first_firing(a) - started for a in alerts}  # type: ignore[operator]
        for alert, delay in delays.items():
            print(f"\n{scenario}: first spike record -> {alert} at the webhook: {delay:.1f}s (for: {FOR})")
            assert 0 < delay < DEADLINE
    finally:
        if sim is not None and sim.poll() is None:
            sim.kill()
            sim.wait(10)
        prom.stop()
        am.stop()
        hook.stop()
