"""Pruning survey state drops the responses older than the horizon and keeps the rest.

The horizon is the oldest second a window can still see (as `base.since` keeps `at >= horizon`),
so a response at exactly the horizon stays.
"""

from __future__ import annotations

from streams.metrics.surveys import SurveyDomain, SurveyState


def test_prune_keeps_responses_at_the_horizon() -> None:
    domain = SurveyDomain()
    state = SurveyState()
    state.recent.update({(99, "nps", 3): 1, (100, "nps", 9): 2, (101, "csat", 5): 1})
    before = domain.contributions(state)
    domain.prune(state, 100)
    assert state.recent == {(100, "nps", 9): 2, (101, "csat", 5): 1}
    assert domain.contributions(state) != before
    domain.prune(state, 101)
    assert state.recent == {(101, "csat", 5): 1}
