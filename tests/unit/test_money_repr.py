"""An FxTable shows its reporting currency and the currencies it converts, sorted."""

from __future__ import annotations

from streams.metrics.money import FxTable


def test_repr_names_the_reporting_currency_and_the_sorted_currencies() -> None:
    fx = FxTable("USD", {"JPY": "0.0067", "EUR": "1.08"})
    assert repr(fx) == "FxTable('USD', ['EUR', 'JPY', 'USD'])"
