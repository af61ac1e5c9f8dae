"""The wallboard's pure parts: colour bands, KPI views and staleness, lists from Redis."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from streams.exposition.wallboard.at_risk import at_risk_view
from streams.exposition.wallboard.kpis import Kpi, catalogue, freshness_expr, status
from streams.exposition.wallboard.lists import comment_view
from streams.exposition.wallboard.snapshot import ago, kpi_view
from streams.settings import load_settings

NPS_BANDS = ((None, "bad"), (0.0, "warn"), (30.0, "good"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-100.0, "bad"), (-0.1, "bad"), (0.0, "warn"), (29.9, "warn"), (30.0, "good"), (None, "none")],
)
def test_status_is_the_highest_band_reached(value: float | None, expected: str) -> None:
    assert status(value, NPS_BANDS) == expected


def test_status_without_bands_is_none() -> None:
    assert status(12.0, ()) == "none"


def test_frt_targets_come_from_the_settings() -> None:
    settings = load_settings({"CSPULSE_FRT_TARGETS": "urgent=30m,high=2h,normal=1d,low=2d"})
    kpis = {k.key: k for k in catalogue(settings)}
    assert kpis["frt_p50"].target == 1800 and kpis["frt_p90"].target == 7200
    assert status(899, kpis["frt_p50"].bands) == "good"
    assert status(900, kpis["frt_p50"].bands) == "warn"
    assert status(1800, kpis["frt_p50"].bands) == "bad"


def test_catalogue_covers_every_board_and_the_headline_kpis() -> None:
    kpis = catalogue(load_settings({}))
    keys = {k.key for k in kpis}
    assert {"mrr", "net_new_mrr", "customer_churn", "nrr", "frt_p50", "frt_p90", "tickets_open",
            "tickets_overdue", "fcr", "nps", "csat", "ces", "dau", "mrr_at_risk"} == keys  # fmt: skip
    assert {b for k in kpis for b in k.boards} == {"support", "revenue", "voc"}
    assert {k.key for k in kpis if k.optional} == {"dau", "mrr_at_risk"}


def test_freshness_looks_back_at_least_an_hour() -> None:
    assert "[3600s]" in freshness_expr(6)
    assert "[7200s]" in freshness_expr(7200)


NPS = Kpi("nps", "NPS (30d)", "cs:nps:score", "score", "surveys", ("voc",), NPS_BANDS)


def test_a_fresh_kpi() -> None:
    view = kpi_view(NPS, [({}, 42.0)], as_of=995.0, at=1000.0, stale_after=60, moving=True)
    assert view is not None
    assert (view["value"], view["status"], view["age_seconds"], view["stale"]) == (42.0, "good", 5.0, False)


def test_stale_when_the_newest_event_is_too_old() -> None:
    view = kpi_view(NPS, [({}, 42.0)], as_of=900.0, at=1000.0, stale_after=60, moving=True)
    assert view is not None and view["stale"] is True


def test_stale_when_no_event_came_in_although_the_newest_is_stamped_ahead() -> None:
    view = kpi_view(NPS, [({}, 42.0)], as_of=1100.0, at=1000.0, stale_after=60, moving=False)
    assert view is not None and view["stale"] is True and view["age_seconds"] == -100.0


def test_stale_without_any_event_time() -> None:
    view = kpi_view(NPS, [], as_of=None, at=1000.0, stale_after=60, moving=False)
    assert view is not None and view["value"] is None and view["stale"] is True


def test_an_optional_kpi_without_data_is_hidden() -> None:
    dau = Kpi("dau", "DAU", "x", "count", "usage", ("voc",), optional=True)
    assert kpi_view(dau, [], as_of=999.0, at=1000.0, stale_after=60, moving=True) is None
    assert kpi_view(dau, [({}, 7.0)], as_of=999.0, at=1000.0, stale_after=60, moving=True) is not None


def test_a_breakdown_sums_its_parts_and_none_is_zero_once_the_topic_has_data() -> None:
    open_ = Kpi("open", "Open", "x", "count", "tickets", ("support",), by="priority")
    samples = [({"priority": "high"}, 2.0), ({"priority": "urgent"}, 1.0)]
    view = kpi_view(open_, samples, as_of=999.0, at=1000.0, stale_after=60, moving=True)
    assert view is not None and view["value"] == 3.0 and view["parts"] == {"high": 2.0, "urgent": 1.0}
    empty = kpi_view(open_, [], as_of=999.0, at=1000.0, stale_after=60, moving=True)
    assert empty is not None and empty["value"] == 0
    unknown = kpi_view(open_, [], as_of=None, at=1000.0, stale_after=60, moving=False)
    assert unknown is not None and unknown["value"] is None


@pytest.mark.parametrize(("seconds", "text"), [(5, "5s"), (125, "2m"), (3720, "1h 02m"), (90000, "1d 1h")])
def test_ago(seconds: float, text: str) -> None:
    assert ago(seconds) == text


def test_comment_view_adds_the_rating_band() -> None:
    entry = {"survey": "nps", "score": 6, "comment": "slow", "channel": "email", "team": None,
             "occurred_at": "2026-01-01T00:00:00+00:00", "customer_id": "c1", "event_id": "e1"}  # fmt: skip
    view = comment_view(orjson.dumps(entry))
    assert view == {"survey": "nps", "score": 6, "comment": "slow", "channel": "email", "team": None,
                    "occurred_at": "2026-01-01T00:00:00+00:00", "rating": "detractor"}  # fmt: skip
    assert comment_view(orjson.dumps({"survey": "nps"})) is None
    assert comment_view(orjson.dumps({"survey": "nps", "score": -1})) is None
    assert comment_view(b"{not json") is None


def test_an_at_risk_entry_shows_its_headline_and_first_reason() -> None:
    entry = {"customer_id": "c1", "score": 41, "band": "at_risk", "mrr": 120.5, "partition": 3,
             "reasons": ["2 failed payments in 30d", "NPS 3 on 2026-11-20"], "components": {}}  # fmt: skip
    headline = {"customer_id": "c1", "score": 41, "band": "at_risk", "mrr": 120.5}
    assert at_risk_view(entry) == {**headline, "reason": "2 failed payments in 30d"}
    assert at_risk_view({"customer_id": "c2", "reasons": []}) == {"customer_id": "c2"}


def test_wallboard_settings() -> None:
    settings = load_settings({"CSPULSE_WALLBOARD_STALE_AFTER": "30s", "CSPULSE_WALLBOARD_REFRESH": "0.5"})
    assert settings.wallboard_stale_after == 30 and settings.wallboard_refresh == 0.5
    assert settings.wallboard_bind == "127.0.0.1"
    with pytest.raises(ValidationError):
        load_settings({"CSPULSE_WALLBOARD_REFRESH": "0"})
    with pytest.raises(ValidationError):
        load_settings({"CSPULSE_WALLBOARD_PORT": "70000"})
