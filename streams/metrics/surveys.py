"""Voice of the customer: NPS, CSAT and CES responses.

Every response is applied (a second response by the same customer is another
response, as in Delighted's reports). Ratings follow CONTRACT section 6. The record
keeps all-time counts per survey and score (ratings and score sums derive from
them) and, for the windows, the responses newer than the prune horizon grouped by
(second, survey, score). Scores outside the survey's range are STALE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.events import SCORE_RANGES, SurveyEvent
from streams.metrics.base import Contributions, Delta, DeltaApply, Outcome, Sink, slot
from streams.metrics.catalogue import scales_for
from streams.metrics.eventtime import micros, seconds

_RATINGS: dict[str, tuple[tuple[int, str], ...]] = {
    # (lowest score of the band, rating), highest band first
    "nps": ((9, "promoter"), (7, "passive"), (0, "detractor")),
    "csat": ((4, "satisfied"), (3, "neutral"), (1, "dissatisfied")),
    "ces": ((5, "easy"), (4, "neutral"), (1, "difficult")),
}


def rating(survey: str, score: int) -> str:
    for low, name in _RATINGS[survey]:
        if score >= low:
            return name
    raise ValueError(f"{survey} score {score} out of range")


@dataclass(slots=True)
class SurveyState:
    #: survey -> number of responses per score (index = score)
    counts: dict[str, list[int]] = field(default_factory=dict)
    #: survey -> responses with a non-blank comment
    comments: dict[str, int] = field(default_factory=dict)
    #: (epoch second, survey, score) -> responses, newer than the prune horizon
    recent: dict[tuple[int, str, int], int] = field(default_factory=dict)
    #: survey -> (microseconds, score) of the latest response by occurred_at, the lower
    #: score on a tie (order-independent); never pruned: the health score reads it
    latest: dict[str, tuple[int, int]] = field(default_factory=dict)


def _response(out: Sink, at: int, survey: str, score: int, n: int) -> None:
    """Windowed contributions of n responses with the same second, survey, score."""
    out.bump(slot("cs_survey_responses", survey=survey, rating=rating(survey, score)), at, n)
    out.bump(slot("cs_survey_score_sum", survey=survey), at, score * n)


def _alltime(out: Sink, survey: str, score: int, n: int) -> None:
    key = slot("cs_survey_responses_total", survey=survey, rating=rating(survey, score))
    out.bump(key, None, n)
    out.bump(slot("cs_survey_score_sum_total", survey=survey), None, score * n)


class SurveyDomain(DeltaApply[SurveyState, SurveyEvent]):
    family = "surveys"
    scales: dict[str, int] = scales_for(family)

    def new_state(self) -> SurveyState:
        return SurveyState()

    def apply_into(self, state: SurveyState, event: SurveyEvent, horizon: int, out: Sink) -> Outcome:
        # nothing this family decides depends on the horizon: `prune` drops only what
        # no window can see any more
        survey, score = event.survey, event.score
        low, high = SCORE_RANGES[survey]
        if not low <= score <= high:
            return Outcome.STALE
        at = seconds(event.occurred_at)
        counts = state.counts.setdefault(survey, [0] * (high + 1))
        counts[score] += 1
        _keep_latest(state, survey, micros(event.occurred_at), score)
        cell = (at, survey, score)
        state.recent[cell] = state.recent.get(cell, 0) + 1
        _alltime(out, survey, score, 1)
        _response(out, at, survey, score, 1)
        # a whitespace-only comment carries no feedback
        if event.comment and event.comment.strip():
            state.comments[survey] = state.comments.get(survey, 0) + 1
            out.bump(slot("cs_survey_comments_total", survey=survey), None, 1)
        return Outcome.APPLIED

    def contributions(self, state: SurveyState) -> Contributions:
        out = Delta()
        for survey, counts in state.counts.items():
            for score, n in enumerate(counts):
                if n:
                    _alltime(out, survey, score, n)
        for survey, n in state.comments.items():
            out.bump(slot("cs_survey_comments_total", survey=survey), None, n)
        for (at, survey, score), n in state.recent.items():
            _response(out, at, survey, score, n)
        return out

    def prune(self, state: SurveyState, horizon: int) -> None:
        for old in [s for s in state.recent if s[0] < horizon]:
            del state.recent[old]

    def dump(self, state: SurveyState) -> Any:
        return {
            "c": state.counts,
            "m": state.comments,
            "r": [[at, survey, score, n] for (at, survey, score), n in state.recent.items()],
            "l": {survey: list(latest) for survey, latest in state.latest.items()},
        }

    def load(self, data: Any) -> SurveyState:
        return SurveyState(
            counts={k: list(v) for k, v in data["c"].items()},
            comments=dict(data["m"]),
            recent={(at, survey, score): n for at, survey, score, n in data["r"]},
            latest={survey: (at, score) for survey, (at, score) in data.get("l", {}).items()},
        )


def _keep_latest(state: SurveyState, survey: str, at: int, score: int) -> None:
    current = state.latest.get(survey)
    if current is None or at > current[0] or (at == current[0] and score < current[1]):
        state.latest[survey] = (at, score)
