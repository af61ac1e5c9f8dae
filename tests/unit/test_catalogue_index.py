"""The catalogue's index: every name a scrape or a query can use leads back to its series."""

from __future__ import annotations

import importlib

from streams.metrics.catalogue import CATALOGUE, sample_names
from streams.metrics.catalogue.series import Kind

index_module = importlib.import_module("streams.metrics.catalogue.lookup")
HISTOGRAMS = (Kind.HISTOGRAM, Kind.GAUGE_HISTOGRAM)


def test_sample_names_of_histograms_are_their_three_parts() -> None:
    histogram = CATALOGUE["cs_first_response_seconds"]
    assert sample_names(histogram) == (
        "cs_first_response_seconds_bucket",
        "cs_first_response_seconds_sum",
        "cs_first_response_seconds_count",
    )
    gauge_histogram = CATALOGUE["cs_resolution_window_seconds"]
    assert sample_names(gauge_histogram)[0] == "cs_resolution_window_seconds_bucket"
    assert sample_names(CATALOGUE["cs_mrr_movement_total"]) == ("cs_mrr_movement_total",)
    for entry in CATALOGUE.values():
        assert len(sample_names(entry)) == (3 if entry.kind in HISTOGRAMS else 1), entry.name


def test_index_maps_series_parts_and_counter_families() -> None:
    index = index_module._index()
    for entry in CATALOGUE.values():
        assert index[entry.name] == (entry, ""), entry.name
        if entry.kind in HISTOGRAMS:
            for part in ("bucket", "sum", "count"):
                assert index[f"{entry.name}_{part}"] == (entry, part)
    # prometheus_client names a counter's family without `_total`
    assert "cs_events" not in CATALOGUE
    assert index["cs_events"] == (CATALOGUE["cs_events_total"], "")
    # ... unless a gauge already has that name: the gauge wins
    for gauge in ("cs_survey_score_sum", "cs_mrr_movement"):
        assert CATALOGUE[gauge].kind is Kind.GAUGE
        assert index[gauge] == (CATALOGUE[gauge], "")
    names = {e.name for e in CATALOGUE.values()}
    parts = {
        f"{e.name}_{p}"
        for e in CATALOGUE.values()
        if e.kind in HISTOGRAMS
        for p in ("bucket", "sum", "count")
    }
    families = {e.name.removesuffix("_total") for e in CATALOGUE.values() if e.kind is Kind.COUNTER}
    assert set(index) == names | parts | families
