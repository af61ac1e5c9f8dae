"""A survey record keeps one count per possible score of the survey (index = score), no more.

The counts are the stored state (dumped into every record), so their length is the survey's
score range: NPS 0..10 is 11 counts, CSAT 1..5 is 6 (index 0 unused), CES 1..7 is 8.
"""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.events import SurveyEvent
from streams.metrics.surveys import SurveyDomain

DOMAIN = SurveyDomain()
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def responded(survey: str, score: int) -> SurveyEvent:
    return SurveyEvent(
        event_id=f"{survey}-{score}",
        type="survey.responded",
        occurred_at=AT,
        customer_id="c1",
        survey=survey,
        score=score,
    )


def test_counts_have_one_entry_per_score_of_the_survey() -> None:
    state = DOMAIN.new_state()
    for survey, score in (("nps", 10), ("csat", 5), ("ces", 1)):
        DOMAIN.apply(state, responded(survey, score))
    assert state.counts == {
        "nps": [0] * 10 + [1],
        "csat": [0] * 5 + [1],
        "ces": [0, 1] + [0] * 6,
    }
