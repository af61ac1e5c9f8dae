"""Exact currency conversion into the reporting currency's integer micro minor units.

Stored money is an integer count of 10**-6 minor units of the reporting currency, so
sums stay exact and additive across records; exported value = stored / `money_scale`
(reporting-currency major units). Rates are parsed as decimals, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from schemas.currencies import minor_digits

MICRO = 10**6


def _parse_rate(currency: str, value: str | Decimal | int) -> Fraction:
    try:
        rate = Fraction(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise ValueError(f"FX rate for {currency}: {value!r} is not a decimal number") from exc
    if rate <= 0:
        raise ValueError(f"FX rate for {currency}: {value!r} must be positive")
    return rate


def _digits(currency: str) -> int:
    try:
        return minor_digits(currency)
    except KeyError as exc:
        raise ValueError(f"FX table: {exc.args[0] if exc.args else currency}") from exc


class FxTable:
    """Rates into one reporting currency.

    `rates[c]` is the value of one major unit of `c` in reporting-currency major
    units ({"EUR": "1.08"} with USD reporting: 1 EUR = 1.08 USD). The reporting
    currency is implicitly 1 (it may be listed, but only as 1).
    """

    __slots__ = ("_factors", "currencies", "money_scale", "reporting")

    def __init__(self, reporting: str, rates: Mapping[str, str | Decimal]) -> None:
        self.reporting = reporting
        rep_digits = _digits(reporting)
        parsed = {code: _parse_rate(code, value) for code, value in rates.items()}
        if parsed.setdefault(reporting, Fraction(1)) != 1:
            raise ValueError(f"FX rate for reporting currency {reporting} must be 1")
        # factor[c]: reporting micro minor units per minor unit of c
        self._factors: dict[str, Fraction] = {
            code: rate * 10 ** (rep_digits + 6) / 10 ** _digits(code) for code, rate in parsed.items()
        }
        self.currencies: frozenset[str] = frozenset(self._factors)
        self.money_scale: int = MICRO * 10**rep_digits

    def factor(self, currency: str) -> Fraction:
        """Reporting micro minor units per minor unit of `currency` (exact)."""
        try:
            return self._factors[currency]
        except KeyError:
            raise KeyError(
                f"currency {currency!r} is not in the FX table "
                f"(reporting {self.reporting}; known: {', '.join(sorted(self.currencies))})"
            ) from None

    def to_micro(self, amount_minor: int | Fraction, currency: str) -> Fraction:
        """`amount_minor` minor units of `currency` in reporting micro minor units."""
        return amount_minor * self.factor(currency)

    def __repr__(self) -> str:
        return f"FxTable({self.reporting!r}, {sorted(self.currencies)})"


def round_div(num: int, den: int) -> int:
    """round(num / den) with ties to even, exactly as round(Fraction(num, den))."""
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q & 1):
        return q + 1
    return q
