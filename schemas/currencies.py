"""ISO 4217 minor-unit digits: how many decimal places `amount_minor` hides.

Source: ISO 4217 List One as maintained by SIX (state of 2026-02, after BGN was
withdrawn on Bulgaria's move to the euro). Codes whose minor unit is "N.A." (gold,
silver, SDR, bond-market units, XTS, XXX) are not money a customer pays in and are
left out on purpose, so `minor_digits` refuses them instead of guessing.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# Every current ISO 4217 code with a defined minor unit, by its number of digits.
_CODES_BY_DIGITS = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: """
        AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP
        BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB
        EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES
        KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
        MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD
        RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP
        TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XAD XCD XCG YER ZAR ZMW ZWG
    """,
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",  # Chilean and Uruguayan units of account
}
MINOR_DIGITS: Final[dict[str, int]] = {
    code: digits for digits, codes in _CODES_BY_DIGITS.items() for code in codes.split()
}

# Withdrawn since 2021 but still found in billing history a replay may carry.
WITHDRAWN_MINOR_DIGITS: Final = MappingProxyType({"ANG": 2, "BGN": 2, "CUC": 2, "HRK": 2, "SLL": 2, "ZWL": 2})

# Current codes without a minor unit ("N.A." in ISO 4217).
_NO_MINOR_UNIT = "XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX"
NO_MINOR_UNIT: Final = frozenset(_NO_MINOR_UNIT.split())


def minor_digits(code: str) -> int:
    """Decimal digits of the minor unit of `code` (USD 2, JPY 0, KWD 3).

    Raises KeyError for codes that are not ISO 4217 or have no minor unit.
    """
    digits = MINOR_DIGITS.get(code)
    if digits is None:
        digits = WITHDRAWN_MINOR_DIGITS.get(code)
    if digits is not None:
        return digits
    if code in NO_MINOR_UNIT:
        raise KeyError(f"currency {code!r} has no minor unit in ISO 4217 (not a payment currency)")
    raise KeyError(f"unknown currency {code!r}: not an ISO 4217 alphabetic code")
