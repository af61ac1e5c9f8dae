"""The `le` label strings of a histogram: each bound as a float string, then "+Inf".

`_le` runs when the module is imported (LE, the own-bucket tables), which mutmut's test runs
never repeat, so it is called afresh here.
"""

from __future__ import annotations

from streams.metrics.histograms import BUCKETS, LE, _le


def test_le_strings_are_float_bounds_then_inf() -> None:
    assert _le((60, 300)) == ("60.0", "300.0", "+Inf")
    assert _le(()) == ("+Inf",)
    assert _le(BUCKETS) == LE
    assert LE[:3] == ("60.0", "300.0", "900.0") and LE[-2:] == ("172800.0", "+Inf")
