"""A survey score's rating band (CONTRACT 6), and the error naming a score outside the survey."""

from __future__ import annotations

import pytest

from streams.metrics.surveys import rating


def test_rating_bands_at_their_edges() -> None:
    assert [rating("nps", s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"
    ]
    assert [rating("csat", s) for s in (1, 2, 3, 4, 5)] == [
        "dissatisfied", "dissatisfied", "neutral", "satisfied", "satisfied"
    ]
    assert [rating("ces", s) for s in (1, 3, 4, 5, 7)] == [
        "difficult", "difficult", "neutral", "easy", "easy"
    ]


def test_a_score_below_the_survey_names_survey_and_score() -> None:
    with pytest.raises(ValueError, match=r"^csat score 0 out of range$"):
        rating("csat", 0)
