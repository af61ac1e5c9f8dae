"""Issue 12, cardinality guard: 10,000 distinct plan, team, channel and feature values
through two live workers and a restart. Every label shows at most 50 values plus `other`,
the same value folds the same way on every worker and after the restart (team is carried
by tickets but labels no series) (the label
registry in Redis decides, and the report asks it too), the sum over the workers equals
`cspulse report --from-topics`, and no customer, user, ticket or event id is ever a label.
"""

from __future__ import annotations

import asyncio

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from streams.exposition.label_registry import registry_key
from tests.factories import event, raw
from tests.integration.conftest import produce_raw
from tests.integration.report_check import report_from_topics, wait_until_equal
from tests.integration.stack import REDIS_URL, owned_partitions, records_counted, scrape_sum, wait_for

pytestmark = pytest.mark.integration
DISTINCT = 10_000
LIMIT = 50
FOLDED = ("plan", "team", "channel", "feature")
CHANNELS = ("email", "chat", "phone", "web", "social", "other")


def _records(engine) -> tuple[list[tuple[str, bytes | None, bytes, int | None]], set[str]]:  # type: ignore[no-untyped-def]
    """One subscription, one ticket and one product use per value; every fifth ticket's
    channel is outside the contract's list (dead-lettered). Returns the records and every id."""
    records, ids = [], set()
    for i in range(DISTINCT):
        customer = f"cus-{i}"
        # values ordered unlike the customers (a rebuild meets records in customer order)
        value = (i * 7919) % 10007
        channel = CHANNELS[i % 6] if i % 5 else f"channel-{i}"
        sub = event(
            "subscription.created", customer, i / 10, plan=f"plan-{value}", subscription_id=f"sub-{i}"
        )
        ticket = event(
            "ticket.created", customer, i / 10, ticket_id=f"tkt-{i}", team=f"team-{value}", channel=channel
        )
        use = event("product.used", customer, i / 10, user_id=f"usr-{i}", feature=f"feature-{value}")
        for family, body in (("subscriptions", sub), ("tickets", ticket), ("usage", use)):
            records.append((engine.topic(family), customer.encode(), raw(body), None))
            ids.update(str(body[k]) for k in body if k.endswith("_id"))
    return records, ids


def _label_values(workers) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """Every value each folded label takes on any worker's /metrics."""
    seen: dict[str, set[str]] = {label: set() for label in FOLDED}
    everything: set[str] = set()
    for w in workers:
        for family in text_string_to_metric_families(w.metrics_text()):
            for sample in family.samples:
                everything.update(sample.labels.values())
                for label in FOLDED:
                    if label in sample.labels:
                        seen[label].add(sample.labels[label])
    seen["*"] = everything
    return seen


def test_ten_thousand_values_fold_alike_on_every_worker_and_after_a_restart(engine) -> None:  # type: ignore[no-untyped-def]
    records, ids = _records(engine)
    asyncio.run(produce_raw(records))
    workers = [engine.start_worker("a"), engine.start_worker("b")]
    wait_for(
        lambda: records_counted(scrape_sum(workers)) == len(records), 240, "every record counted", workers
    )
    wait_for(
        lambda: (
            len(owned_partitions(workers[0]) | owned_partitions(workers[1])) == 4
            and not owned_partitions(workers[0]) & owned_partitions(workers[1])
        ),
        120,
        "the partitions shared by both workers",
        workers,
    )
    want = report_from_topics(engine.env)
    wait_until_equal(workers, want, 60, "the sum over both workers to equal the report")
    before = _label_values(workers)
    store = redis.Redis.from_url(REDIS_URL)
    assert before["team"] == set(), "team is no series' label (CONTRACT section 7)"
    for label in ("plan", "feature"):
        kept = {m.decode() for m in store.smembers(registry_key(engine.settings.app_id, label))}
        assert len(kept) == LIMIT, f"{label}: the registry keeps {len(kept)} values"
        assert before[label] == kept | {"other"}, (
            f"{label}: the workers show values the registry did not keep"
        )
    assert before["channel"] == set(CHANNELS), "a channel outside the contract became a label value"
    assert not before["*"] & ids, f"ids in labels: {sorted(before['*'] & ids)[:5]}"

    # a restart (the survivor takes every partition, then a fresh worker joins) folds alike
    workers[0].stop()
    again = engine.start_worker("a-again")
    survivors = [workers[1], again]
    wait_for(
        lambda: (
            len(owned_partitions(survivors[0]) | owned_partitions(survivors[1])) == 4
            and owned_partitions(again)
            and not owned_partitions(survivors[0]) & owned_partitions(survivors[1])
        ),
        180,
        "the partitions shared again after the restart",
        survivors,
    )
    wait_until_equal(survivors, want, 120, "the sum after the restart to equal the report")
    after = _label_values(survivors)
    for label in FOLDED:
        assert after[label] == before[label], f"{label} folds differently after the restart"


def test_the_first_scrape_that_shows_a_plan_shows_it_by_name(engine) -> None:  # type: ignore[no-untyped-def]
    """The /metrics page asks the registry before it answers: no scrape shows a value the
    registry keeps as `other`, not even the first (Faust's sensor on, the default)."""
    plans = {"pro", "basic", "team"}
    records = [
        (engine.topic("subscriptions"), c.encode(), raw(event("subscription.created", c, 0, plan=plan)), None)
        for c, plan in (("cus-a", "pro"), ("cus-b", "basic"), ("cus-c", "team"))
    ]
    asyncio.run(produce_raw(records))
    worker = engine.start_worker("first")

    seen: list[set[str]] = []

    def scraped() -> bool:
        shown = {
            s.labels["plan"]
            for f in text_string_to_metric_families(worker.metrics_text())
            for s in f.samples
            if s.name == "cs_mrr"
        }
        if shown:
            seen.append(shown)
        return bool(shown)

    wait_for(scraped, 120, "the first scrape with MRR", [worker])
    assert seen[0] == plans
