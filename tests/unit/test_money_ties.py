"""round_div rounds exact halves to the even neighbour (banker's rounding), like round(Fraction).

Random numerators and denominators almost never hit an exact half, so the ties are listed.
"""

from __future__ import annotations

import pytest

from streams.metrics.money import round_div


@pytest.mark.parametrize(
    ("num", "den", "rounded"),
    [
        (1, 2, 0),  # 0.5 -> 0
        (3, 2, 2),  # 1.5 -> 2
        (5, 2, 2),  # 2.5 -> 2
        (7, 2, 4),  # 3.5 -> 4
        (10, 4, 2),  # 2.5 -> 2
        (14, 4, 4),  # 3.5 -> 4
        (-5, 2, -2),  # -2.5 -> -2
        (-7, 2, -4),  # -3.5 -> -4
        (9, 4, 2),  # 2.25 -> 2
        (11, 4, 3),  # 2.75 -> 3
        (6, 3, 2),  # exact
    ],
)
def test_halves_round_to_even(num: int, den: int, rounded: int) -> None:
    assert round_div(num, den) == rounded
