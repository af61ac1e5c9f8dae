"""The series catalogue matches what the engine exports, in both directions.

Every family (with a business-hours calendar, dead letters, duplicates and stale
events) is driven through the offline engine and the scrape-time collector; the
series that come out must be exactly the catalogue's, with its types, labels and
HELP texts. The worker's own instruments are checked in tests/agents.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric

from simulator import SimConfig, Simulator
from streams.engine.offline import OfflineRun
from streams.exposition import SumsCollector
from streams.metrics.catalogue import CATALOGUE, ENTRIES, Kind, Scale, help_for, lookup, scales_for
from streams.settings import load_settings
from tests.factories import event, raw

CALENDAR = '{"tz": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}}'
EXPOSED = {e.name for e in ENTRIES if e.per_partition}
# Only the collector has the partition clock; the report reads sums alone.
REPORTED = EXPOSED - {"cs_last_event_timestamp_seconds"}
GAUGES_NAMED_TOTAL = {"cs_users_total"}
FAMILY_TYPES = {Kind.COUNTER: "counter", Kind.GAUGE: "gauge", Kind.HISTOGRAM: "histogram"}


def _edges() -> list[bytes]:
    """What the simulator may not produce in a short run: scheduled churn, a stale
    event, a ticket still awaiting its first reply, product usage, and the cost and growth
    families."""
    return [
        raw(event("subscription.created", "cus_edge", 10, cancel_at_period_end=True)),
        raw(event("subscription.updated", "cus_edge", 0)),  # older than the state: stale
        raw(event("ticket.created", "cus_edge", 5, ticket_id="t-open", priority="urgent")),
        # usage, which the simulator does not model yet: a returning user, two features
        raw(event("product.used", "cus_edge", 1, user_id="u1", feature="export", count=2)),
        raw(event("product.used", "cus_edge", 6, user_id="u1", feature="search")),
        raw(event("product.used", "cus_edge", 7, user_id="u2", feature="export")),
        raw(event("cost.incurred", "campaign_edge", 5, category="acquisition")),
        raw(event("cost.incurred", "cus_edge", 6, category="retention", currency="EUR")),
        raw(event("referral.sent", "cus_edge", 5)),
        raw(event("referral.converted", "cus_edge", 7)),
        raw(event("offer.presented", "cus_edge", 5)),  # an upsell
        raw(event("offer.accepted", "cus_edge", 6)),
        raw(event("offer.declined", "cus_edge", 6, offer_id="offer_2") | {"kind": "cross_sell"}),
    ]


@cache
def _run(business_hours: bool) -> OfflineRun:
    env = {"CSPULSE_PARTITIONS": "2", **({"CSPULSE_BUSINESS_HOURS": CALENDAR} if business_hours else {})}
    cfg = SimConfig(
        seed=11,
        customers=60,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        mean_gap_s=900.0,
        out_of_order=0.1,
        duplicates=0.05,
        bad_records=0.05,
    )
    run = OfflineRun(load_settings(env), now=datetime(2026, 6, 2, tzinfo=UTC))
    run.feed_lines([*(r.value for r in Simulator(cfg).take(1500)), *_edges()])
    return run


def _registry(run: OfflineRun) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(SumsCollector(run.engine.exposed))
    return registry


def _families(run: OfflineRun) -> list[Metric]:
    return list(_registry(run).collect())


def _samples(families: list[Metric]) -> Iterator[tuple[Metric, str, dict[str, str]]]:
    for family in families:
        for sample in family.samples:
            yield family, sample.name, sample.labels


def test_the_collector_exports_exactly_the_catalogued_series() -> None:
    exported = {lookup(name)[0].name for _, name, _ in _samples(_families(_run(True)))}
    assert exported - EXPOSED == set(), "exported but not catalogued (or catalogued as worker-only)"
    assert EXPOSED - exported == set(), "catalogued but never exported"


def test_the_report_reads_exactly_the_catalogued_series() -> None:
    reported = {lookup(name)[0].name for name, _ in _run(True).raw_series()}
    assert reported == REPORTED


def test_business_hours_series_need_the_calendar() -> None:
    exported = {lookup(name)[0].name for _, name, _ in _samples(_families(_run(False)))}
    assert exported == {e.name for e in ENTRIES if e.per_partition and not e.requires}


def test_edge_outcomes_are_covered() -> None:
    outcomes = {
        labels["outcome"] for _, name, labels in _samples(_families(_run(True))) if name == "cs_events_total"
    }
    assert outcomes == {"applied", "duplicate", "stale"}


def test_types_and_labels_are_the_catalogue_s() -> None:
    for family, name, labels in _samples(_families(_run(True))):
        entry, part = lookup(name)
        expected = "gauge" if entry.kind is Kind.GAUGE_HISTOGRAM else FAMILY_TYPES[entry.kind]
        assert family.type == expected, name
        assert set(labels) - {"partition", "le"} == set(entry.labels), name
        assert "partition" in labels, name
        assert ("le" in labels) == (part == "bucket"), name


def test_help_texts_come_from_the_catalogue_and_differ_per_family() -> None:
    families = _families(_run(True))
    for family in families:
        assert family.documentation == help_for(family.samples[0].name), family.name
    docs = [family.documentation for family in families]
    assert len(docs) == len(set(docs)), "two families share a HELP text"
    assert "see CONTRACT.md" not in generate_latest(_registry(_run(True))).decode()


# gauge histograms of a current value, not of durations in a window (CONTRACT v1.1)
DISTRIBUTIONS = {"cs_health_score"}


def test_catalogue_entries_are_well_formed() -> None:
    assert len(CATALOGUE) == len(ENTRIES), "a series is declared twice"
    helps = [e.help for e in ENTRIES]
    assert len(helps) == len(set(helps))
    for e in ENTRIES:
        assert e.name.startswith(("cs_", "cspulse_")), e.name
        # CONTRACT section 7 names one gauge `_total`: users ever seen (a count, not a rate)
        named_total = e.name.endswith("_total") and e.name not in GAUGES_NAMED_TOTAL
        assert (e.kind is Kind.COUNTER) == named_total, e.name
        assert list(e.labels) == sorted(e.labels), e.name
        assert {"le", "partition"}.isdisjoint(e.labels), e.name
        if e.kind is Kind.GAUGE_HISTOGRAM and e.name not in DISTRIBUTIONS:
            assert e.windowed, e.name
        if e.kind in (Kind.HISTOGRAM, Kind.GAUGE_HISTOGRAM) and e.name not in DISTRIBUTIONS:
            assert e.name.endswith("_seconds"), e.name
        if e.name.endswith("_seconds"):
            assert e.kind in (Kind.HISTOGRAM, Kind.GAUGE_HISTOGRAM, Kind.GAUGE), e.name
        if e.scale is Scale.MONEY:
            assert "major units" in e.help, e.name


def test_lookup_names_samples_and_counter_families() -> None:
    assert lookup("cs_first_response_window_seconds_bucket") == (
        CATALOGUE["cs_first_response_window_seconds"],
        "bucket",
    )
    assert lookup("cspulse_replayed_skipped") == (CATALOGUE["cspulse_replayed_skipped_total"], "")
    # a counter's family name never shadows a gauge of the same name
    assert lookup("cs_survey_score_sum") == (CATALOGUE["cs_survey_score_sum"], "")
    with pytest.raises(KeyError, match="not in the series catalogue"):
        help_for("cs_nonexistent")


def test_scales_follow_the_reporting_currency_and_the_calendar() -> None:
    assert scales_for("payments", money_scale=10**6) == {
        "cs_payment_amount_total": 10**6,
        "cs_payment_amount": 10**6,
    }
    assert scales_for("surveys") == {}
    assert "cs_resolution_business_window_seconds_sum" not in scales_for("tickets")
    assert (
        scales_for("tickets", enabled=("business_hours",))["cs_resolution_business_window_seconds_sum"]
        == 10**6
    )
    with pytest.raises(ValueError, match="money_scale"):
        scales_for("subscriptions")
