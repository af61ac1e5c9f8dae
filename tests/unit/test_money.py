from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.metrics.money import FxTable, round_div

FX = FxTable("USD", {"EUR": "1.08", "JPY": "0.0067", "KWD": Decimal("3.25")})


@pytest.mark.parametrize(
    ("amount", "currency", "micro"),
    [
        (4999, "USD", 4999 * 10**6),  # 49.99 USD
        (1000, "EUR", 1080 * 10**6),  # 10.00 EUR = 10.80 USD
        (1000, "JPY", 670 * 10**6),  # JPY has no minor unit: 1000 JPY = 6.70 USD
        (1, "JPY", Fraction(67, 10**4) * 10**8),
        (1000, "KWD", 325 * 10**6),  # three digits: 1.000 KWD = 3.25 USD
        (Fraction(1, 3), "USD", Fraction(10**6, 3)),
    ],
)
def test_to_micro_is_exact(amount: int | Fraction, currency: str, micro: Fraction) -> None:
    assert FX.to_micro(amount, currency) == micro


@pytest.mark.parametrize(
    ("reporting", "rates", "scale", "micro"),
    [
        ("USD", {}, 10**8, 100 * 10**6),
        ("JPY", {"USD": "150"}, 10**6, 150 * 10**6),  # 1.00 USD = 150 JPY
        ("KWD", {"USD": "0.325"}, 10**9, 325 * 10**6),  # 1.00 USD = 0.325 KWD
    ],
)
def test_reporting_currency_sets_scale(reporting: str, rates: dict[str, str], scale: int, micro: int) -> None:
    fx = FxTable(reporting, rates)
    assert fx.money_scale == scale
    assert fx.to_micro(100, "USD") == micro  # 1.00 USD in reporting micro minor units
    assert fx.currencies == frozenset({reporting, "USD"})


def test_currencies_include_reporting() -> None:
    assert FX.currencies == frozenset({"USD", "EUR", "JPY", "KWD"})
    assert FxTable("USD", {"USD": "1.000"}).currencies == frozenset({"USD"})


def test_unknown_currency_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match=r"GBP.*not in the FX table"):
        FX.to_micro(100, "GBP")


@pytest.mark.parametrize("rate", ["abc", "", "-1", "0", "NaN", "Infinity", "1,08"])
def test_bad_rate_names_the_currency(rate: str) -> None:
    with pytest.raises(ValueError, match="EUR"):
        FxTable("USD", {"EUR": rate})


@pytest.mark.parametrize(
    ("reporting", "rates", "match"),
    [
        ("USD", {"ABC": "1"}, "ABC"),  # not ISO 4217
        ("XYZ", {}, "XYZ"),
        ("USD", {"USD": "2"}, "reporting currency USD"),
    ],
)
def test_bad_table(reporting: str, rates: dict[str, str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FxTable(reporting, rates)


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**9))
def test_round_div_matches_fraction_rounding(num: int, den: int) -> None:
    assert round_div(num, den) == round(Fraction(num, den))
