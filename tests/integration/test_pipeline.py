"""Issue 2: the whole pipeline on the real broker, fed by a plain aiokafka producer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import orjson

from streams.engine.partitioning import partition_for
from tests.factories import event, raw
from tests.integration.conftest import consume_all, produce_raw
from tests.integration.stack import scrape_sum, wait_for

FAMILY_TYPES = {
    "subscriptions": "subscription.created",
    "payments": "payment.succeeded",
    "surveys": "survey.responded",
    "tickets": "ticket.created",
}


def _bad_records(engine) -> list[tuple[str, str, bytes]]:
    """(family, expected reason, value) for every kind of bad record."""
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    no_amount = event("payment.succeeded", customer="cus_bad")
    del no_amount["amount_minor"]
    return [
        ("surveys", "malformed_json", b'{"event_id": "x", "type": '),
        ("surveys", "schema_violation", b"[1, 2, 3]"),
        ("payments", "schema_violation", raw(no_amount)),
        ("surveys", "schema_violation", raw(event("survey.responded", customer="cus_bad", score=11))),
        ("payments", "schema_violation", raw(event("payment.failed", customer="cus_bad", amount_minor=-5))),
        ("payments", "unknown_currency", raw(event("payment.succeeded", customer="cus_bad", currency="XXX"))),
        ("tickets", "unknown_type", raw(event("ticket.exploded", customer="cus_bad"))),
        (
            "surveys",
            "future_timestamp",
            raw(event("survey.responded", customer="cus_bad") | {"occurred_at": tomorrow}),
        ),
        (
            "tickets",
            "schema_violation",
            raw(event("ticket.created", customer="cus_bad") | {"occurred_at": "yesterday"}),
        ),
    ]


def test_valid_counted_once_rejects_dead_lettered_and_processing_goes_on(engine):
    worker = engine.start_worker()
    records: list[tuple[str, bytes | None, bytes, int | None]] = []
    valid: dict[str, int] = dict.fromkeys(FAMILY_TYPES, 0)

    def add_valid(family: str, customer: str, minutes: float) -> None:
        body = raw(event(FAMILY_TYPES[family], customer=customer, minutes=minutes, ticket_id=f"t-{customer}"))
        records.append((engine.topic(family), customer.encode(), body, None))
        records.append((engine.topic(family), customer.encode(), body, None))  # every event twice
        valid[family] += 1

    for i in range(12):
        for family in FAMILY_TYPES:
            add_valid(family, f"cus_{i}", i)
    bad = _bad_records(engine)
    for family, _, value in bad:
        records.append((engine.topic(family), b"cus_bad", value, None))
    for i in range(12, 20):  # the records after the bad ones
        for family in FAMILY_TYPES:
            add_valid(family, f"cus_{i}", i)
    # keyed by the wrong customer and placed on a partition that is not the customer's
    stray = raw(event("survey.responded", customer="cus_stray", score=3, survey="csat"))
    wrong = (partition_for("cus_stray", 4) + 1) % 4
    records.append((engine.topic("surveys"), b"somebody-else", stray, wrong))
    valid["surveys"] += 1
    asyncio.run(produce_raw(records))

    def counted() -> bool:
        got = scrape_sum([worker])
        ok = all(
            got.get(f'cs_events_total{{outcome="applied",topic="{engine.topic(f)}"}}') == n
            for f, n in valid.items()
        )
        return ok and sum(v for k, v in got.items() if k.startswith("cs_deadletter_total")) == len(bad)

    wait_for(counted, 90, "all events counted", [worker])
    got = scrape_sum([worker])
    for family, n in valid.items():
        topic = engine.topic(family)
        dupes = n - 1 if family == "surveys" else n  # the stray record was sent once
        assert got[f'cs_events_total{{outcome="duplicate",topic="{topic}"}}'] == dupes
    expected_reasons: dict[tuple[str, str], int] = {}
    for family, reason, _ in bad:
        key = (engine.topic(family), reason)
        expected_reasons[key] = expected_reasons.get(key, 0) + 1
    for (topic, reason), n in expected_reasons.items():
        assert got[f'cs_deadletter_total{{reason="{reason}",topic="{topic}"}}'] == n
    # the stray csat response landed with its customer's state
    assert got['cs_survey_responses_total{rating="neutral",survey="csat"}'] == 1
    assert got['cs_survey_responses_total{rating="promoter",survey="nps"}'] == 20

    dead = asyncio.run(consume_all(engine.settings.topic_deadletter, len(bad)))
    assert len(dead) == len(bad)
    by_value = {r.value: dict(r.headers) for r in dead}
    for family, reason, value in bad:
        headers = by_value[value]
        assert headers["cs.error.reason"].decode() == reason
        assert headers["cs.source.topic"].decode() == engine.topic(family)
        assert headers["cs.error.detail"]
        assert int(headers["cs.source.offset"]) >= 0
        assert int(headers["cs.source.partition"].decode()) in range(4)
    assert all(r.key == b"cus_bad" for r in dead)
    assert orjson.loads(next(r.value for r in dead if b"exploded" in r.value))["type"] == "ticket.exploded"


def test_survey_comments_reach_the_serving_store_newest_first(engine):
    import redis

    worker = engine.start_worker()
    comments = [f"comment number {i}" for i in range(5)]
    records = [
        (
            engine.topic("surveys"),
            b"cus_c",
            raw(event("survey.responded", customer="cus_c", minutes=i, survey="csat", score=4, comment=text)),
            None,
        )
        for i, text in enumerate(comments)
    ]
    asyncio.run(produce_raw(records))
    client = redis.Redis.from_url(engine.settings.redis_url.get_secret_value())
    key = f"{engine.settings.app_id}:cspulse:comments"
    wait_for(lambda: client.zcard(key) == 5, 60, "comments in redis", [worker])
    stored = [orjson.loads(item)["comment"] for item in client.zrevrange(key, 0, -1)]  # newest first
    assert stored == list(reversed(comments))
    got = scrape_sum([worker])
    assert got['cs_survey_comments_total{survey="csat"}'] == 5
    client.delete(key)
