"""A batch's `applied` lists the events applied, not the duplicates the engine dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.engine.build import build_engine
from streams.engine.offline import DictStore
from streams.settings import load_settings
from tests.factories import event, messages, raw

NOW = datetime(2026, 6, 2, tzinfo=UTC)


def test_a_duplicate_is_not_in_the_applied_events() -> None:
    proc = build_engine(load_settings({"CSPULSE_PARTITIONS": "1"})).processors["surveys"]
    body = event("survey.responded")
    other = event("survey.responded", minutes=1)
    result = proc.process(0, messages("cs.surveys", 0, [raw(body), raw(body), raw(other)]), DictStore(), NOW)
    assert [e.event_id for e in result.applied] == [body["event_id"], other["event_id"]]
