"""What a joined record keeps of its last assessment (`last`): the next update subtracts
it instead of assessing the old parts again, and a record written before it was kept
(no `l`) is still read, with the same series, scores and account versions."""

from __future__ import annotations

from fractions import Fraction

from streams.engine.joined import FAMILY as HEALTH
from streams.engine.joined import JoinedRecord, Last, settings_id
from streams.engine.offline import OfflineRun
from streams.engine.records import CUSTOMER_PREFIX, customer_key
from streams.metrics.base import Delta
from streams.metrics.health import Assessment, HealthConfig
from streams.metrics.health_series import health_contributions
from streams.settings import load_settings
from tests.factories import event
from tests.unit.test_joined import NOW, SETTINGS, feed, history

CONFIG = HealthConfig()


def accounts(run: OfflineRun) -> list[tuple[str, int, object]]:
    return [(a.customer_id, a.version, a.assessment) for a in run.accounts()]


def records(run: OfflineRun) -> dict[bytes, JoinedRecord]:
    store = run.stores[HEALTH]
    return {k: JoinedRecord.loads(v) for k, v in store.items() if k.startswith(CUSTOMER_PREFIX)}


def test_records_written_without_last_update_to_the_same_series_scores_and_versions() -> None:
    events = history()
    whole = OfflineRun(SETTINGS, now=NOW)
    feed(whole, events, 0)
    upgraded = OfflineRun(SETTINGS, now=NOW)
    feed(upgraded, events[:17], 0)
    for key, record in records(upgraded).items():
        assert record.last is not None
        record.last = None  # as the version before wrote it
        upgraded.stores[HEALTH][key] = record.dumps()
        assert b"\xa1l" not in upgraded.stores[HEALTH][key]
    feed(upgraded, events[17:], 17)
    assert upgraded.series() == whole.series()
    assert accounts(upgraded) == accounts(whole)
    assert {k: r.version for k, r in records(upgraded).items()} == {
        k: r.version for k, r in records(whole).items()
    }
    assert all(r.last is not None for r in records(upgraded).values())


def test_the_last_contributions_are_the_assessments_own() -> None:
    scored = Assessment(57, "at_risk", 10**12, dict.fromkeys(("usage", "support"), Fraction(1, 3)), ("why",))
    large = Assessment(80, "healthy", CONFIG.large_mrr, {}, ())
    for assessment in (None, scored, large):
        for ttv in (None, (90_000_000, 1_800_000_000)):
            want = health_contributions(assessment, ttv, CONFIG)
            got = Delta()
            Last.write(Last.of(assessment, ttv, 0), got, CONFIG)
            assert got == want
            Last.write(Last.of(assessment, ttv, 0), got, CONFIG, -1)
            assert got == {}
    nothing = Delta()
    Last.write(Last.NONE, nothing, CONFIG)
    assert nothing == {}


def test_the_digest_tells_apart_every_thing_an_account_shows() -> None:
    base = Assessment(57, "at_risk", 500, {"usage": Fraction(1, 3), "support": Fraction(1)}, ("a", "b"))
    same = Assessment(57, "at_risk", 500, {"usage": Fraction(2, 6), "support": Fraction(1)}, ("a", "b"))
    assert Last.of(base, None, 0)[3] == Last.of(same, None, 0)[3]
    others = [
        Assessment(58, "at_risk", 500, base.components, base.reasons),
        Assessment(57, "critical", 500, base.components, base.reasons),
        Assessment(57, "at_risk", 501, base.components, base.reasons),
        Assessment(57, "at_risk", 500, {"usage": Fraction(1, 2), "support": Fraction(1)}, base.reasons),
        Assessment(57, "at_risk", 500, base.components, ("a",)),
        Assessment(57, "at_risk", 500, base.components, ("b", "a")),
    ]
    digests = {Last.of(a, None, 0)[3] for a in [base, *others]}
    assert len(digests) == 1 + len(others)
    assert all(isinstance(d, int) and 0 <= d < 2**63 for d in digests)
    # stable across processes (no per-process hash seed): a restarted worker compares
    # against digests an earlier process wrote
    assert Last.of(base, None, 0)[3] == 0x7E39BD18932C1C09


def test_an_update_that_leaves_the_assessment_alone_writes_no_account() -> None:
    run = OfflineRun(SETTINGS, now=NOW)
    feed(run, [event("subscription.created", "c1", 0, subscription_id="s1")], 0)
    feed(run, [event("product.used", "c1", 10, user_id="u1")], 1)
    before = records(run)[customer_key("c1")]
    feed(run, [event("product.used", "c1", 11, user_id="u1")], 2)  # the same user again
    after = records(run)[customer_key("c1")]
    assert after.parts != before.parts and after.last == before.last
    assert after.version == before.version == 2


def test_after_a_change_of_health_settings_the_sums_are_what_a_rebuild_gives() -> None:
    """A record's `last` was assessed under the old settings: the first update under new
    ones subtracts the old parts assessed now, which is what a rebuild under the new
    settings added, so the sums stay those of the records."""
    events = history()
    changed = load_settings(
        {
            "CSPULSE_PARTITIONS": "1",
            "CSPULSE_HEALTH_WEIGHTS": "usage=0.7,support=0.1,sentiment=0.1,billing=0.1",
            "CSPULSE_HEALTH_LARGE_ACCOUNT_MRR": "0",
        }
    )
    first = OfflineRun(SETTINGS, now=NOW)
    feed(first, events[:17], 0)
    second = OfflineRun(changed, now=NOW)
    second.stores = first.stores
    for family, proc in second.engine.processors.items():
        proc.rebuild(second.stores[family].items(), {0})
    second.engine.health.rebuild(second.stores[HEALTH].items(), {0})
    feed(second, events[17:], 17)
    rebuilt = OfflineRun(changed, now=NOW)
    rebuilt.stores = second.stores
    for family, proc in rebuilt.engine.processors.items():
        proc.rebuild(rebuilt.stores[family].items(), {0})
    rebuilt.engine.health.rebuild(rebuilt.stores[HEALTH].items(), {0})
    health = [k for k in second.series() if "health" in k]
    assert health and {k: second.series()[k] for k in health} == {k: rebuilt.series()[k] for k in health}
    assert second.series() == rebuilt.series()


def test_the_settings_id_is_the_same_in_every_process() -> None:
    assert settings_id(HealthConfig()) == 2828032193364393952  # computed in another process
    assert settings_id(HealthConfig(large_mrr=0)) != settings_id(HealthConfig())
