"""Engine and catalogue edges found by the mutation run (tests/mutation/RESULTS.md): a
record of another partition in the middle of a batch, scales of series declared after an
optional one, the divisor of a plain count, and the errors that name what is missing."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest

from schemas.events import PaymentEvent
from streams.engine.build import build_engine
from streams.engine.offline import DictStore
from streams.engine.partitioning import partition_for
from streams.metrics.catalogue import Scale, lookup
from streams.metrics.catalogue.series import Kind, Series
from streams.metrics.money import FxTable
from streams.metrics.payments import PaymentDomain
from streams.settings import load_settings
from tests.factories import event, messages, raw

NOW = datetime(2026, 6, 2, tzinfo=UTC)
# the module, which the package's `lookup` function hides
catalogue_lookup = importlib.import_module("streams.metrics.catalogue.lookup")


def test_a_record_of_another_partition_mid_batch_leaves_the_rest_of_the_batch_applied() -> None:
    proc = build_engine(load_settings({"CSPULSE_PARTITIONS": "4"})).processors["surveys"]
    customers = [f"cus_{i}" for i in range(40)]
    ours = [c for c in customers if partition_for(c, 4) == 0][:2]
    theirs = next(c for c in customers if partition_for(c, 4) != 0)
    bodies = [event("survey.responded", c) for c in (ours[0], theirs, ours[1])]
    result = proc.process(0, messages("cs.surveys", 0, [raw(b) for b in bodies]), DictStore(), NOW)
    assert [r.customer_id for r in result.rekeys] == [theirs]
    assert [e.customer_id for e in result.applied] == [ours[0], ours[1]]


def test_series_declared_after_one_that_needs_a_setting_keep_their_scale(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    optional = Series(
        "cs_x_business_seconds", Kind.HISTOGRAM, "x", (), "tickets", Scale.MICROS, "business_hours"
    )
    after = Series("cs_x_seconds", Kind.HISTOGRAM, "x", (), "tickets", Scale.MICROS)
    monkeypatch.setattr(catalogue_lookup, "ENTRIES", (optional, after))
    assert catalogue_lookup.scales_for("tickets") == {"cs_x_seconds_sum": 1_000_000}


def test_divisors_of_each_scale_and_the_missing_money_scale_named() -> None:
    assert catalogue_lookup.divisor(Scale.ONE) == 1
    assert catalogue_lookup.divisor(Scale.MICROS) == 1_000_000
    assert catalogue_lookup.divisor(Scale.MONEY, 100) == 100
    with pytest.raises(ValueError, match=r"^a money series needs the reporting currency's money_scale$"):
        catalogue_lookup.divisor(Scale.MONEY)
    assert lookup("cs_mrr")[0].scale is Scale.MONEY


def test_an_amount_in_a_currency_outside_the_fx_table_names_it_and_the_known_ones() -> None:
    domain = PaymentDomain(FxTable("USD", {"EUR": "1.08", "JPY": "0.0067"}))
    stray = PaymentEvent.model_construct(currency="CHF", amount_minor=100)
    with pytest.raises(
        KeyError, match=r"currency 'CHF' is not in the FX table \(reporting USD; known: EUR, JPY, USD\)"
    ):
        domain.amount_of(stray)
