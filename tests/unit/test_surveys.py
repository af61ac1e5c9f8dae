"""Survey ratings, totals and the CONTRACT section 8 test vectors (6 and 7)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from schemas.events import SurveyEvent
from streams.metrics.aggregate import read_all
from streams.metrics.base import Contributions, Outcome, SeriesKey, add_into, series
from streams.metrics.surveys import SurveyDomain, rating

T0 = datetime(2026, 5, 1, tzinfo=UTC)
S0 = int(T0.timestamp())
_ids = itertools.count()


def response(survey: str, score: int, at: int = 0, **fields: Any) -> SurveyEvent:
    return SurveyEvent.model_validate(
        {
            "event_id": f"s{next(_ids)}",
            "type": "survey.responded",
            "customer_id": f"c{at % 7}",
            "occurred_at": T0 + timedelta(seconds=at),
            "survey": survey,
            "score": score,
            **fields,
        }
    )


def replay(events: list[SurveyEvent]) -> tuple[SurveyDomain, dict[str, Any], Contributions]:
    """Apply per customer; return domain, states and the summed deltas."""
    domain = SurveyDomain()
    states: dict[str, Any] = {}
    sums: Contributions = {}
    for e in events:
        outcome, delta = domain.apply(states.setdefault(e.customer_id, domain.new_state()), e)
        assert outcome is Outcome.APPLIED
        add_into(sums, delta)
    rebuilt: Contributions = {}
    for state in states.values():
        add_into(rebuilt, domain.contributions(state))
    assert rebuilt == sums
    return domain, states, sums


def by_rating(read: dict[SeriesKey, int], survey: str, window: str = "30d") -> dict[str, int]:
    """sum by (rating) (cs_survey_responses{survey=..., window=...})."""
    out: dict[str, int] = {}
    for (name, labels), value in read.items():
        lab = dict(labels)
        if name == "cs_survey_responses" and lab["survey"] == survey and lab["window"] == window:
            out[lab["rating"]] = out.get(lab["rating"], 0) + value
    return out


@pytest.mark.parametrize(
    ("survey", "expected"),
    [
        ("nps", ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2),
        ("csat", ["dissatisfied"] * 2 + ["neutral"] + ["satisfied"] * 2),
        ("ces", ["difficult"] * 3 + ["neutral"] + ["easy"] * 3),
    ],
)
def test_rating_bands(survey: str, expected: list[str]) -> None:
    low = 0 if survey == "nps" else 1
    assert [rating(survey, s) for s in range(low, low + len(expected))] == expected


def test_csat_40_of_50_is_80_percent() -> None:
    events = [response("csat", 5 if i < 25 else 4 if i < 40 else 2, i * 60) for i in range(50)]
    _, _, sums = replay(events)
    r = by_rating(read_all([sums], S0 + 3600), "csat")
    assert 100 * r["satisfied"] / sum(r.values()) == 80.0


def test_csat_distribution_gives_69_16_percent() -> None:
    counts = {5: 42, 4: 32, 3: 10, 2: 9, 1: 14}
    events = [
        response("csat", score, i) for i, score in enumerate(s for s, n in counts.items() for _ in range(n))
    ]
    _, _, sums = replay(events)
    read = read_all([sums], S0 + 600)
    r = by_rating(read, "csat", "24h")
    assert round(100 * r["satisfied"] / sum(r.values()), 2) == 69.16
    total = {dict(k[1])["rating"]: v for k, v in read.items() if k[0] == "cs_survey_responses_total"}
    assert total == {"satisfied": 74, "neutral": 10, "dissatisfied": 23}
    score_sum = read[series("cs_survey_score_sum", survey="csat", window="24h")]
    assert score_sum == sum(s * n for s, n in counts.items())


def test_nps_60_promoters_15_detractors_is_45() -> None:
    scores = [10] * 30 + [9] * 30 + [8] * 15 + [7] * 10 + [6] * 5 + [3] * 5 + [0] * 5
    _, _, sums = replay([response("nps", s, i) for i, s in enumerate(scores)])
    r = by_rating(read_all([sums], S0 + 600), "nps", "1h")
    assert 100 * (r["promoter"] - r["detractor"]) / sum(r.values()) == 45.0


def test_ces_mean_and_comments() -> None:
    events = [
        response("ces", 7, 0, comment="great"),
        response("ces", 4, 1, comment="   "),
        response("ces", 1, 2, comment=""),
        response("ces", 6, 3),
    ]
    _, _, sums = replay(events)
    read = read_all([sums], S0 + 10)
    mean = read[series("cs_survey_score_sum", survey="ces", window="1h")] / sum(
        by_rating(read, "ces", "1h").values()
    )
    assert mean == 4.5
    assert read[series("cs_survey_comments_total", survey="ces")] == 1
    assert read[series("cs_survey_score_sum_total", survey="ces")] == 18


def test_out_of_range_score_is_stale() -> None:
    domain = SurveyDomain()
    bad = SurveyEvent.model_construct(**{**dict(response("csat", 3)), "score": 6})
    assert domain.apply(domain.new_state(), bad) == (Outcome.STALE, {})


def test_prune_keeps_all_time_and_drops_old_windows() -> None:
    events = [
        response("nps", 10, 0),
        response("nps", 0, 10 * 86400),
        response("nps", 0, 10 * 86400),
    ]  # same second, same score: one slot
    domain, states, sums = replay(events)
    clock = S0 + 35 * 86400
    before = read_all([sums], clock)
    for s in states.values():
        domain.prune(s, S0 + 86400)
    assert sum(len(s.recent) for s in states.values()) == 1
    after = read_all([domain.contributions(s) for s in states.values()], clock)
    assert after == before
    assert after[series("cs_survey_responses_total", survey="nps", rating="detractor")] == 2


def test_dump_load_round_trip() -> None:
    domain, states, _ = replay([response("nps", 9, 0, comment="ok"), response("ces", 2, 5)])
    for state in states.values():
        loaded = domain.load(orjson.loads(orjson.dumps(domain.dump(state))))
        assert domain.dump(loaded) == domain.dump(state)
        assert domain.contributions(loaded) == domain.contributions(state)
