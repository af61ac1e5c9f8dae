"""The usage family (CONTRACT v1.1): distinct users in event time, vector 9, edge cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from prometheus_client import CollectorRegistry

from schemas.events import UsageEvent
from streams.engine.offline import OfflineRun
from streams.exposition import SumsCollector
from streams.metrics.aggregate import DEFAULT_WINDOWS, PartitionSums
from streams.metrics.base import key_of, slot_of
from streams.metrics.eventtime import seconds
from streams.metrics.ratios import headline
from streams.metrics.readout import flat_name
from streams.metrics.usage import UsageDomain, UsageState
from streams.settings import load_settings
from tests.factories import event, raw
from tests.reference.usage import exact_window

# divisible by every default window's bucket (150 s, 1 h, 7 h, 30 h): bucket edges fall on it
T = datetime.fromtimestamp(756_000 * 2350, UTC)
NOW = T + timedelta(days=1)
DOMAIN = UsageDomain()


def used(user: str, at: datetime, customer: str = "c1", feature: str = "export", **more: Any) -> UsageEvent:
    fields = {
        "event_id": f"{customer}-{user}-{feature}-{at.isoformat()}",
        "type": "product.used",
        "occurred_at": at,
        "customer_id": customer,
        "user_id": user,
        "feature": feature,
    }
    return UsageEvent(**(fields | more))


def read(events: list[UsageEvent]) -> dict[str, int]:
    """Apply in the given order on one partition; the read-out at the latest event."""
    sums = PartitionSums(DEFAULT_WINDOWS)
    states: dict[str, UsageState] = {}
    for e in events:
        state = states.setdefault(e.customer_id, DOMAIN.new_state())
        sums.add(DOMAIN.apply(state, e, sums.horizon())[1])
        sums.advance(seconds(e.occurred_at))
    return {flat_name(k): v for k, v in sums.read().items()}


def offline(lines: list[bytes], **env: str) -> OfflineRun:
    run = OfflineRun(load_settings({"CSPULSE_PARTITIONS": "3", **env}), now=NOW)
    run.feed_lines(lines)
    return run


def body(user: str, at: datetime, customer: str = "c1", **more: Any) -> bytes:
    return raw(event("product.used", customer, 0, user_id=user, occurred_at=at.isoformat(), **more))


def test_vector_9_stickiness_dau_300_of_mau_1200_is_25_percent() -> None:
    lines = [body(f"u{i}", T - timedelta(days=10 if i % 3 else 3), f"c{i % 37}") for i in range(900)]
    lines += [body(f"d{i}", T - timedelta(hours=i % 20), f"c{i % 41}") for i in range(300)]
    series = offline(lines).series()
    assert series['cs_active_users{window="24h"}'] == 300
    assert series['cs_active_users{window="30d"}'] == 1200
    table = headline(series, list(DEFAULT_WINDOWS))
    assert table["DAU"][0] == "300" and table["MAU"][0] == "1,200" and table["WAU"][0] == "600"
    assert table["stickiness (DAU/MAU)"] == ["25.00%"] * 4


def test_vector_9_adoption_40_new_of_800_is_5_percent() -> None:
    lines = [body(f"u{i}", T - timedelta(days=40), f"c{i % 50}") for i in range(760)]
    lines += [body(f"u{i}", T - timedelta(days=2), f"c{i % 50}") for i in range(760)]  # returning
    lines += [body(f"n{i}", T - timedelta(days=5 + i % 20), f"c{i % 7}") for i in range(40)]
    series = offline(lines).series()
    assert series["cs_users_total"] == 800
    assert series['cs_users_new{window="30d"}'] == 40
    assert headline(series, list(DEFAULT_WINDOWS))["product adoption"][3] == "5.00%"


def test_a_late_event_never_moves_activity_backward() -> None:
    got = read([used("u1", T - timedelta(minutes=10)), used("u1", T - timedelta(days=3))])
    assert got['cs_active_users{window="1h"}'] == 1
    assert got['cs_active_accounts{window="1h"}'] == 1
    assert got['cs_feature_users{feature="export",window="1h"}'] == 1
    assert got['cs_active_users{window="7d"}'] == 1  # one user, however many events


def test_a_late_earlier_event_moves_the_first_use_back() -> None:
    got = read([used("u1", T), used("u1", T - timedelta(days=3))])
    assert got['cs_users_new{window="7d"}'] == 1
    assert 'cs_users_new{window="24h"}' not in got  # the user was new 3 days ago, not today
    assert got["cs_users_total"] == 1


def test_the_same_user_id_under_two_customers_is_two_users() -> None:
    got = read([used("u1", T, "c1"), used("u1", T, "c2"), used("u1", T, "c1", "search")])
    assert got["cs_users_total"] == 2
    assert got['cs_active_users{window="1h"}'] == 2
    assert got['cs_active_accounts{window="1h"}'] == 2
    assert got['cs_feature_users{feature="export",window="1h"}'] == 2
    assert got['cs_feature_users{feature="search",window="1h"}'] == 1


def test_count_folds_uses_but_not_users() -> None:
    got = read([used("u1", T, count=5), used("u2", T, count=1), used("u1", T, "c2", "search")])
    assert got['cs_product_uses_total{feature="export"}'] == 6
    assert got['cs_product_uses_total{feature="search"}'] == 1
    assert got['cs_feature_users{feature="export",window="1h"}'] == 2


def test_duplicate_event_ids_change_nothing() -> None:
    first = body("u1", T, count=3, event_id="dup")
    series = offline([first, first, body("u1", T, count=3, event_id="dup")]).series()
    assert series['cs_product_uses_total{feature="export"}'] == 3
    assert series["cs_users_total"] == 1
    assert series['cs_events_total{outcome="duplicate",topic="cs.usage"}'] == 2


def test_window_edges_exclude_t_minus_w_and_include_t() -> None:
    events = [used("now", T), used("edge", T - timedelta(hours=1)), used("in", T - timedelta(seconds=3450))]
    got = read(events)
    clock = seconds(T)
    plain = [e.model_dump(include={"customer_id", "user_id", "occurred_at"}) for e in events]
    assert exact_window(plain, clock, 3600)["active_users"] == 2  # "edge" sits on T - W: outside
    assert got['cs_active_users{window="1h"}'] == 2  # "in" starts the first bucket kept
    assert got['cs_active_users{window="24h"}'] == 3


def test_window_edges_are_exact_when_the_clock_ends_a_bucket() -> None:
    end = T - timedelta(seconds=1)  # (end - 24h, end]: bucket edges fall on the window's
    got = read(
        [
            used("old", end - timedelta(days=1)),
            used("in", end - timedelta(days=1, seconds=-1)),
            used("now", end),
        ]
    )
    assert got['cs_active_users{window="24h"}'] == 2
    assert got['cs_users_new{window="24h"}'] == 2


def test_feature_past_the_label_limit_folds_to_other() -> None:
    lines = [body(f"u{i}", T, feature=f"feature-{i}") for i in range(5)]
    run = offline(lines, CSPULSE_LABEL_LIMIT="3")
    series = run.series()
    assert series['cs_product_uses_total{feature="other"}'] == 2
    assert series['cs_feature_users{feature="other",window="1h"}'] == 2
    registry = CollectorRegistry()
    registry.register(SumsCollector(run.engine.processors.values(), label_limit=3))
    exported = {s.labels.get("feature") for m in registry.collect() for s in m.samples}
    assert "other" in exported and len(exported - {None, "other"}) == 3


def test_prune_forgets_old_features_keeps_users_and_dump_is_compact() -> None:
    state = DOMAIN.new_state()
    old, new = seconds(T) - 40 * 86400, seconds(T)
    DOMAIN.apply(state, used("u1", T - timedelta(days=40)))
    DOMAIN.apply(state, used("u1", T, feature="search"))
    DOMAIN.prune(state, new - 30 * 86400)
    assert {u: list(a) for u, a in state.users.items()} == {"u1": [old, new, 1, new]}
    firsts = [old * 1_000_000, new * 1_000_000]  # each feature's first use, microseconds (TTV)
    assert DOMAIN.dump(state) == {
        "f": ["export", "search"],
        "n": [1, 1],
        "u": {"u1": [old, new, 1, new]},
        "m": firsts,
    }
    again = DOMAIN.load(orjson.loads(orjson.dumps(DOMAIN.dump(state))))
    assert DOMAIN.contributions(again) == DOMAIN.contributions(state)
    assert again.latest == new


def test_an_event_older_than_the_horizon_adds_no_feature_entry() -> None:
    state = DOMAIN.new_state()
    horizon = seconds(T)
    _, delta = DOMAIN.apply(state, used("u1", T - timedelta(days=1)), horizon)
    assert state.users["u1"].tolist()[2:] == []
    assert [k for k in delta if key_of(k[0])[0] == "cs_feature_users"] == []
    assert delta[(slot_of(("cs_users_total", ())), None)] == 1
