"""The scrape-time collector, read through a fresh registry."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest

from streams.engine.build import build_engine
from streams.engine.offline import DictStore
from streams.exposition import SumsCollector
from streams.metrics.readout import LabelFolder
from streams.settings import load_settings
from tests.factories import event, messages, raw

NOW = datetime(2026, 6, 2, tzinfo=UTC)


def _registry(partitions: int = 1):
    engine = build_engine(load_settings({"CSPULSE_PARTITIONS": str(partitions)}))
    registry = CollectorRegistry()
    registry.register(SumsCollector(engine.processors.values()))
    return engine, registry


def test_series_carry_partition_and_money_is_in_major_units():
    engine, registry = _registry()
    proc = engine.processors["subscriptions"]
    body = event("subscription.created", amount_minor=4999, quantity=2)
    proc.process(0, messages("cs.subscriptions", 0, [raw(body)]), DictStore(), NOW)
    assert registry.get_sample_value("cs_mrr", {"plan": "pro", "partition": "0"}) == 99.98
    assert (
        registry.get_sample_value(
            "cs_events_total", {"topic": "cs.subscriptions", "outcome": "applied", "partition": "0"}
        )
        == 1
    )
    assert registry.get_sample_value(
        "cs_last_event_timestamp_seconds", {"topic": "cs.subscriptions", "partition": "0"}
    ) == int(datetime.fromisoformat(body["occurred_at"]).timestamp())


def test_histograms_are_typed_and_every_bucket_is_present():
    engine, registry = _registry()
    proc = engine.processors["tickets"]
    values = [
        raw(event("ticket.created", minutes=0, ticket_id="t1")),
        raw(event("ticket.replied", minutes=10, ticket_id="t1")),  # 600 s: le 900 and up
    ]
    proc.process(0, messages("cs.tickets", 0, values), DictStore(), NOW)
    labels = {"channel": "email", "priority": "normal", "partition": "0"}
    assert registry.get_sample_value("cs_first_response_seconds_bucket", {**labels, "le": "60.0"}) == 0
    assert registry.get_sample_value("cs_first_response_seconds_bucket", {**labels, "le": "900.0"}) == 1
    assert registry.get_sample_value("cs_first_response_seconds_count", labels) == 1
    assert registry.get_sample_value("cs_first_response_seconds_sum", labels) == 600
    window = {"window": "1h", "partition": "0"}
    assert registry.get_sample_value("cs_first_response_window_seconds_bucket", {**window, "le": "60.0"}) == 0
    assert registry.get_sample_value("cs_first_response_window_seconds_bucket", {**window, "le": "+Inf"}) == 1
    text = generate_latest(registry).decode()
    assert "# TYPE cs_first_response_seconds histogram" in text
    assert "# TYPE cs_first_response_window_seconds_bucket gauge" in text
    assert "# TYPE cs_tickets_total counter" in text


def test_free_text_labels_fold_after_the_limit():
    folder = LabelFolder(limit=2)
    assert [folder.fold("plan", p) for p in ("a", "b", "c", "a")] == ["a", "b", "other", "a"]
    assert folder.fold("channel", "x") == "x"


def test_the_report_and_the_pure_layer_import_neither_prometheus_client_nor_faust():
    code = (
        "import sys, streams.engine.offline, streams.engine.build, streams.metrics.catalogue, "
        "streams.metrics.readout, streams.metrics.ratios; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'faust', 'prometheus_client'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
