"""The joined step through restarts and re-deliveries, and its event-time timers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from streams.engine.build import build_engine
from streams.engine.joined import FAMILY as HEALTH
from streams.engine.messages import Message
from streams.engine.offline import OfflineRun
from streams.engine.timers import Timers
from streams.settings import load_settings
from tests.factories import BASE, event, raw

SETTINGS = load_settings({"CSPULSE_PARTITIONS": "1"})
NOW = BASE + timedelta(days=400)


def history() -> list[dict[str, Any]]:
    out = []
    for c in range(6):
        customer = f"c{c}"
        out.append(event("subscription.created", customer, c, quantity=1 + c % 3, subscription_id=f"s{c}"))
        out.append(event("product.used", customer, 10 + c, user_id=f"u{c}"))
        out.append(event("ticket.created", customer, 20 + c, priority="urgent", ticket_id=f"t{c}"))
        out.append(event("payment.failed", customer, 30 + c))
        out.append(event("survey.responded", customer, 40 + c, survey="nps", score=c))
    # the clock runs on: targets pass, usage and failed payments leave their windows
    out.append(event("payment.succeeded", "c0", 60 * 24 * 40))
    return out


def feed(run: OfflineRun, events: list[dict[str, Any]], first_offset: int) -> None:
    topics = run.settings.family_topics
    for offset, body in enumerate(events, start=first_offset):
        family = {"subscription": "subscriptions", "product": "usage", "ticket": "tickets",
                  "payment": "payments", "survey": "surveys"}[body["type"].split(".")[0]]  # fmt: skip
        run.feed_partition(family, 0, [Message(topics[family], 0, offset, None, raw(body))])


def restarted(run: OfflineRun) -> OfflineRun:
    """A new engine over the same stores: every processor rebuilt, as after a restart."""
    fresh = OfflineRun(SETTINGS, now=NOW)
    fresh.stores = run.stores
    for family, proc in fresh.engine.processors.items():
        proc.rebuild(fresh.stores[family].items(), {0})
    fresh.engine.health.rebuild(fresh.stores[HEALTH].items(), {0})
    return fresh


def recovered(run: OfflineRun) -> OfflineRun:
    """A new engine over the same stores, its sums read from the checkpoints, then the
    joined timers and accounts re-armed from the records (as a worker does after a
    recovery, in the background)."""
    fresh = OfflineRun(SETTINGS, now=NOW)
    fresh.stores = run.stores
    for family, proc in fresh.engine.processors.items():
        fed = bool(fresh.stores[family])  # a family that never had an event has no checkpoint
        assert proc.recover(fresh.stores[family], {0}) == (set() if fed else {0})
    health, store = fresh.engine.health, fresh.stores[HEALTH]
    assert health.recover(store, {0}) == (set(), [])
    rearmed = health.rearm(store, {0}, list(store))
    rebuilt = OfflineRun(SETTINGS, now=NOW).engine.health.rebuild(store.items(), {0})
    assert rearmed == rebuilt
    return fresh


@pytest.mark.parametrize("restart", [restarted, recovered])
def test_a_restart_midway_gives_the_same_series_and_scores(restart: Any) -> None:
    events = history()
    whole = OfflineRun(SETTINGS, now=NOW)
    feed(whole, events, 0)
    first = OfflineRun(SETTINGS, now=NOW)
    feed(first, events[:17], 0)
    second = restart(first)
    feed(second, events[17:], 17)
    assert second.series() == whole.series()
    assert [(a.customer_id, a.assessment) for a in second.accounts()] == [
        (a.customer_id, a.assessment) for a in whole.accounts()
    ]


@pytest.mark.parametrize("restart", [restarted, recovered])
def test_timers_are_re_armed_from_the_records_after_a_restart(restart: Any) -> None:
    events = history()
    first = OfflineRun(SETTINGS, now=NOW)
    feed(first, events[:-1], 0)  # everything but the event that moves the clock 40 days
    second = restart(first)
    assert len(second.engine.health.timers[0]) == len(first.engine.health.timers[0]) > 0
    feed(second, events[-1:], len(events) - 1)
    whole = OfflineRun(SETTINGS, now=NOW)
    feed(whole, events, 0)
    assert second.series() == whole.series()
    # 40 days on, every customer's failed payment, use and target are behind the clock
    for account in second.accounts():
        assert account.assessment is not None, account
        components = account.assessment.components
        assert (components["billing"], components["usage"], components["support"]) == (100, 0, 50), account


@pytest.mark.parametrize("restart", [restarted, recovered])
def test_a_redelivered_batch_whose_joined_write_was_lost_is_joined_again(restart: Any) -> None:
    """Crash between the family's changelog and the joined one: the re-delivery (skipped
    by the family as already applied) still reaches the joined step."""
    events = history()
    whole = OfflineRun(SETTINGS, now=NOW)
    feed(whole, events, 0)
    crashed = OfflineRun(SETTINGS, now=NOW)
    feed(crashed, events[:-1], 0)
    last = events[-1]
    topic = crashed.settings.family_topics["payments"]
    message = Message(topic, 0, len(events) - 1, None, raw(last))
    crashed.engine.processors["payments"].process(0, [message], crashed.stores["payments"], NOW)  # no join
    second = restart(crashed)
    second.feed_partition("payments", 0, [message])  # re-delivered: replayed, then joined
    assert second.series() == whole.series()


def test_timers_fire_once_at_their_moment_and_can_be_moved() -> None:
    timers = Timers()
    timers.set(b"a", 10)
    timers.set(b"b", 5)
    timers.set(b"a", 20)  # moved later: the old moment must not fire it
    timers.set(b"c", 7)
    timers.set(b"c", None)  # disarmed
    assert timers.pop_due(4) == []
    assert timers.pop_due(10) == [b"b"]
    assert timers.pop_due(19) == []
    assert timers.pop_due(20) == [b"a"]
    assert timers.pop_due(100) == [] and len(timers) == 0


def test_timers_heap_stays_bounded_when_moved_often() -> None:
    timers = Timers()
    for moment in range(10_000):
        timers.set(b"k", moment)
    assert len(timers._heap) < 200
    assert timers.pop_due(10_000) == [b"k"]


def test_build_engine_gives_payments_the_billing_window_as_retention() -> None:
    engine = build_engine(load_settings({"CSPULSE_WINDOWS": "1h,24h", "CSPULSE_HEALTH_WINDOWS":
                                         "usage=7d,billing=45d,sentiment=90d"}))  # fmt: skip
    assert engine.processors["payments"].retention == 45 * 86400
    assert engine.processors["tickets"].retention == 0


def test_failed_payments_older_than_every_window_still_count() -> None:
    """With windows of a day at most, the 30d billing window still sees a failed payment."""
    env = {"CSPULSE_PARTITIONS": "1", "CSPULSE_WINDOWS": "1h,24h"}
    run = OfflineRun(load_settings(env), now=NOW)
    events = [
        event("subscription.created", "c1", 0),
        event("payment.failed", "c1", 10),
        event("payment.succeeded", "c1", 60 * 24 * 10),
    ]
    run.feed_lines([raw(e) for e in events])
    (account,) = run.accounts()
    assert account.assessment is not None and account.assessment.components["billing"] == 60
