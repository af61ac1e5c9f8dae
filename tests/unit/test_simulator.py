"""The synthetic event generator: deterministic, valid, realistic, faults on demand."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from itertools import pairwise
from typing import Any

import orjson
import pytest

from schemas.decode import Decoder, Rejection
from schemas.events import FAMILIES as EVENT_TYPES
from simulator import DEFECTS, FAMILIES, SimConfig, SimRecord, Simulator
from simulator.catalog import MAX_SEATS

START = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
CURRENCIES = frozenset({"USD", "EUR", "GBP", "JPY", "CAD"})
SIM_TYPES = {kind for family in FAMILIES for kind in EVENT_TYPES[family]}
COST_SOURCES = ("cmp_", "team_", "cus_")  # a campaign, a team, or the account
COST_KEYS = tuple(prefix.encode() for prefix in COST_SOURCES)


def config(**changes: Any) -> SimConfig:
    base: dict[str, Any] = {"seed": 7, "customers": 300, "start": START, "mean_gap_s": 60.0}
    return SimConfig(**{**base, **changes})


@cache
def sample(n: int = 20_000, **changes: Any) -> tuple[SimRecord, ...]:
    return tuple(Simulator(config(**changes)).take(n))


def load(record: SimRecord) -> dict[str, Any]:
    event: dict[str, Any] = orjson.loads(record.value)
    return event


def at(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def valid(records: tuple[SimRecord, ...]) -> list[tuple[SimRecord, dict[str, Any]]]:
    return [(r, load(r)) for r in records if r.valid]


@cache
def parsed(n: int = 20_000, **changes: Any) -> list[tuple[SimRecord, dict[str, Any]]]:
    """The valid records of `sample(n, **changes)` with their events (do not mutate)."""
    return valid(sample(n, **changes))


def test_same_seed_gives_identical_bytes() -> None:
    faulty = {"out_of_order": 0.1, "duplicates": 0.1, "bad_records": 0.1}
    first = Simulator(config(**faulty)).take(3000)
    assert first == Simulator(config(**faulty)).take(3000)
    assert first != Simulator(config(seed=8, **faulty)).take(3000)


def test_take_resumes_the_stream() -> None:
    sim = Simulator(config(duplicates=0.2, out_of_order=0.2, bad_records=0.2))
    assert sim.take(500) + sim.take(500) == Simulator(sim.config).take(1000)


def test_faults_leave_the_valid_stream_unchanged() -> None:
    clean = [r.value for r in sample(7000)]
    noisy = Simulator(config(out_of_order=0.2, duplicates=0.2, bad_records=0.2)).take(6000)
    emitted = {r.value for r in noisy if r.valid}
    assert emitted <= set(clean)
    assert set(clean[:2500]) <= emitted  # late ones are at most late_by_s (~60 events) late


def test_every_valid_record_decodes_with_its_key() -> None:
    records = sample(12_000, currencies=("USD", "EUR", "GBP", "JPY", "CAD"))
    decoders = {family: Decoder(family, CURRENCIES) for family in FAMILIES}
    now = max(at(event) for _, event in valid(records))
    assert {r.family for r in records} == set(FAMILIES)  # every family, the growth one too
    for record, event in valid(records):
        decoded = decoders[record.family].decode(record.value, now)
        assert not isinstance(decoded, Rejection), (decoded, record.value)
        assert record.key == decoded.customer_id.encode() == event["customer_id"].encode()
        assert event["type"] in EVENT_TYPES[record.family]


def test_ids_are_unique_and_well_formed() -> None:
    events = [event for _, event in parsed()]
    assert len({e["event_id"] for e in events}) == len(events)
    assert all(e["event_id"].startswith("sim-7-") for e in events)
    accounts = [e for e in events if e["type"] != "cost.incurred"]
    assert all(len(e["customer_id"]) == 10 and e["customer_id"].startswith("cus_") for e in accounts)
    # a cost names its account, or else its campaign or team (CONTRACT 3)
    assert all(e["customer_id"].startswith(COST_SOURCES) for e in events if e["type"] == "cost.incurred")
    payments = [e["payment_id"] for e in events if "payment_id" in e]
    assert len(set(payments)) == len(payments)
    created = [e["subscription_id"] for e in events if e["type"] == "subscription.created"]
    assert len(set(created)) == len(created)
    tickets = [e["ticket_id"] for e in events if e["type"] == "ticket.created"]
    assert len(set(tickets)) == len(tickets)
    for kind, id_field in (("referral.sent", "referral_id"), ("offer.presented", "offer_id")):
        ids = [e[id_field] for e in events if e["type"] == kind]
        assert ids and len(set(ids)) == len(ids)


def test_event_time_starts_at_start_and_advances_by_the_mean_gap() -> None:
    times = [at(event) for _, event in parsed()]
    assert times[0] == START
    assert times == sorted(times)  # no faults: emission order is event-time order
    mean_gap = (times[-1] - times[0]).total_seconds() / (len(times) - 1)
    assert mean_gap == pytest.approx(60.0, rel=0.05)


def test_start_in_another_zone_is_the_same_instant() -> None:
    local = START.astimezone(timezone(timedelta(hours=-5)))
    assert Simulator(config(start=local)).take(200) == list(sample(200))


@pytest.mark.parametrize(
    "mix",
    [
        None,
        {"subscriptions": 0.1, "payments": 0.1, "tickets": 0.2, "surveys": 0.6},
        {"tickets": 1.0},
    ],
)
def test_family_mix(mix: dict[str, float] | None) -> None:
    cfg = config() if mix is None else config(mix=mix)
    counts = Counter(r.family for r in Simulator(cfg).take(10_000))
    total = sum(cfg.mix.values())
    for family in FAMILIES:
        assert counts[family] / 10_000 == pytest.approx(cfg.mix.get(family, 0) / total, abs=0.02)


def test_all_event_types_and_statuses_appear() -> None:
    events = [event for _, event in parsed(5000)]
    assert {e["type"] for e in events} == SIM_TYPES
    statuses = {e["status"] for _, e in parsed() if "status" in e}
    assert statuses == {"trialing", "active", "past_due", "paused", "canceled"}
    assert {e["survey"] for e in events if "survey" in e} == {"nps", "csat", "ces"}
    assert any(e.get("ticket_id") for e in events if e["type"] == "survey.responded")
    assert any(e.get("initiated_by") == "agent" for e in events)
    assert any(e.get("public") is False for e in events)
    assert any(e.get("cancel_at_period_end") for e in events)
    assert {e["kind"] for e in events if e["type"].startswith("payment.")} == {"recurring", "one_time"}
    assert {e["kind"] for e in events if e["type"].startswith("offer.")} == {"upsell", "cross_sell"}
    assert {e["category"] for e in events if e["type"] == "cost.incurred"} == {"acquisition", "retention"}


def test_realistic_shapes() -> None:
    events = [event for _, event in parsed()]
    payments = Counter(e["type"] for e in events if e["type"].startswith("payment."))
    failed = payments["payment.failed"] / (payments["payment.failed"] + payments["payment.succeeded"])
    assert 0.02 < failed < 0.15
    assert 0.002 < payments["payment.refunded"] / sum(payments.values()) < 0.05
    nps = [e["score"] for e in events if e.get("survey") == "nps"]
    score = 100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps)
    assert 15 < score < 45
    created = [e for e in events if e["type"] == "ticket.created"]
    assert 0.02 < sum(e["initiated_by"] == "agent" for e in created) / len(created) < 0.09
    billed = {e["currency"] for e in events if "currency" in e and e["type"] != "cost.incurred"}
    assert billed == {"USD", "EUR", "GBP"}  # the customers' currencies (SimConfig.currencies)
    spent = {e["currency"] for e in events if e["type"] == "cost.incurred"}
    assert spent == CURRENCIES  # the agencies' and teams': every currency of the default FX table


def test_tickets_are_causal_and_answered_faster_when_urgent() -> None:
    lifecycles: dict[str, list[dict[str, Any]]] = defaultdict(list)
    resolved_at: dict[str, datetime] = {}
    surveys = []
    for _, event in parsed():
        if "ticket_id" in event and event["type"] != "survey.responded":
            lifecycles[event["ticket_id"]].append(event)
        elif event.get("ticket_id"):
            surveys.append(event)
    first_reply: dict[str, list[float]] = defaultdict(list)
    for events in lifecycles.values():
        created, *rest = events
        assert created["type"] == "ticket.created"
        times = [at(e) for e in events]
        assert times == sorted(times)
        resolved = False
        for event in rest:
            assert event["type"] != "ticket.created"
            assert event["type"] != "ticket.reopened" or resolved
            resolved = event["type"] == "ticket.resolved" or (resolved and event["type"] != "ticket.reopened")
            if event["type"] == "ticket.resolved":
                resolved_at.setdefault(event["ticket_id"], at(event))
        agent = [e for e in rest if e.get("author") == "agent" and e["public"]]
        if agent and created["initiated_by"] == "customer":
            delay = (at(agent[0]) - at(created)).total_seconds()
            first_reply[created["priority"]].append(delay)
    for survey in surveys:  # a CSAT about a ticket comes after its resolution
        assert at(survey) >= resolved_at[survey["ticket_id"]]
    median = {p: sorted(d)[len(d) // 2] for p, d in first_reply.items()}
    assert median["urgent"] < median["high"] < median["normal"] < median["low"]
    assert 60 < median["urgent"] < 3600 < median["normal"] < 86_400


def test_subscriptions_are_causal_and_carry_full_state() -> None:
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    # four weeks: enough lifecycle steps at the default mix for seats to reach the cap
    for _, event in weeks():
        if "subscription_id" in event and event["type"].startswith("subscription."):
            history[event["subscription_id"]].append(event)
    seats_up = seats_down = most = 0
    for events in history.values():
        assert events[0]["type"] == "subscription.created"
        assert [e["type"] for e in events].count("subscription.canceled") <= 1
        assert events[-1]["type"] == "subscription.canceled" or all(e["status"] != "canceled" for e in events)
        assert {(e["customer_id"], e["currency"]) for e in events} == {
            (events[0]["customer_id"], events[0]["currency"])
        }
        for e in events:
            assert 1 <= e["quantity"] <= MAX_SEATS
            most = max(most, e["quantity"])
            assert 0 <= e["discount_minor"] < e["amount_minor"] * e["quantity"]
        for before, after in pairwise(events):
            seats_up += after["quantity"] > before["quantity"]
            seats_down += after["quantity"] < before["quantity"]
    # the bound is checked on seats that do move: expansions add them, contractions remove them
    assert seats_up > 20 and seats_down > 20, (seats_up, seats_down)
    assert most == MAX_SEATS  # expansions reach the cap, so the upper bound is exercised


def test_payments_follow_their_subscription() -> None:
    currency: dict[str, str] = {}
    for _, event in parsed():
        if event["type"].startswith("subscription."):
            currency[event["subscription_id"]] = event["currency"]
        elif event["type"].startswith("payment.") and "subscription_id" in event:
            assert currency[event["subscription_id"]] == event["currency"]
            assert event["kind"] == "recurring"
            assert (event["type"] == "payment.failed") == ("failure_reason" in event)


def test_duplicates_late_events_and_bad_records_match_their_shares() -> None:
    records = sample(20_000, out_of_order=0.1, late_by_s=1800.0, duplicates=0.05, bad_records=0.04)
    bad = [r for r in records if not r.valid]
    assert len(bad) / len(records) == pytest.approx(0.04, abs=0.006)
    seen: set[str] = set()
    copies = late = 0
    newest = START
    for _, event in valid(records):
        if event["event_id"] in seen:
            copies += 1
            continue
        seen.add(event["event_id"])
        when = at(event)
        if when < newest:
            late += 1
            assert (newest - when).total_seconds() <= 1800.0
        newest = max(newest, when)
    assert copies / len(seen) == pytest.approx(0.05, abs=0.008)
    assert late / len(seen) == pytest.approx(0.1, abs=0.015)


def test_duplicates_repeat_the_same_bytes() -> None:
    by_id: dict[str, set[bytes]] = defaultdict(set)
    for record, event in parsed(5000, duplicates=0.2):
        by_id[event["event_id"]].add(record.value)
    assert all(len(values) == 1 for values in by_id.values())


def test_bad_records_are_rejected_for_their_defect() -> None:
    records = sample(8000, bad_records=0.2)
    decoders = {family: Decoder(family, CURRENCIES) for family in FAMILIES}
    now = datetime(2100, 1, 1, tzinfo=UTC)
    defects: Counter[str] = Counter()
    for record in records:
        if record.valid:
            continue
        assert record.defect is not None
        keys = COST_KEYS if record.family == "costs" else (b"cus_",)
        assert record.key.startswith(keys)
        defects[record.defect] += 1
        rejection = decoders[record.family].decode(record.value, now)
        assert isinstance(rejection, Rejection), (record.defect, record.value)
        assert rejection.reason == DEFECTS[record.defect], (record.defect, rejection)
    assert set(defects) == set(DEFECTS)


def test_a_tiny_population_still_flows() -> None:
    records = Simulator(config(customers=1, mean_gap_s=1.0)).take(3000)
    decoders = {family: Decoder(family, CURRENCIES) for family in FAMILIES}
    now = START + timedelta(days=1)
    assert {r.key for r in records if r.family != "costs"} == {b"cus_000000"}
    assert all(r.key.startswith(COST_KEYS) for r in records if r.family == "costs")
    assert not any(isinstance(decoders[r.family].decode(r.value, now), Rejection) for r in records)


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2026, 1, 1)},  # noqa: DTZ001 - naive on purpose
        {"customers": 0},
        {"mean_gap_s": 0.0},
        {"churn_rate": 1.5},
        {"bad_records": 1.0},
        {"mix": {"invoices": 1.0}},
        {"mix": {"tickets": 0.0}},
        {"currencies": ()},
        {"currencies": ("ZZZ",)},
    ],
)
def test_config_is_checked(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        config(**changes)


# --- usage, costs and growth (CONTRACT v1.1) ---------------------------------------
WEEK_GAP_S = 7 * 86_400 / 10_000  # 40,000 events = four whole weeks
DAY = timedelta(days=1)


def weeks() -> list[tuple[SimRecord, dict[str, Any]]]:
    return parsed(40_000, mean_gap_s=WEEK_GAP_S)


def test_users_scale_with_seats() -> None:
    seats: dict[str, int] = defaultdict(int)  # most core seats a customer ever had
    users: dict[str, set[str]] = defaultdict(set)
    for _, event in weeks():
        customer = event["customer_id"]
        if event["type"].startswith("subscription.") and not event["plan"].startswith("addon-"):
            seats[customer] = max(seats[customer], event["quantity"])
        elif event["type"] == "product.used":
            users[customer].add(event["user_id"])
            # a user is one of the account's seats (or of the 3 of a free-plan prospect)
            assert int(event["user_id"].removeprefix("usr_")) <= max(3, seats[customer])
    small = [len(users[c]) for c, n in seats.items() if n <= 5]
    big = [len(users[c]) for c, n in seats.items() if n >= 20]
    assert small and big
    assert sum(big) / len(big) > 3 * sum(small) / len(small)


def test_weekends_are_quieter_and_a_whole_week_keeps_the_mix() -> None:
    events = [event for _, event in weeks()]
    per_day: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for event in events:
        per_day[at(event).weekday() >= 5][event["type"]] += 1
    weekday = per_day[False]["product.used"] / 5
    weekend = per_day[True]["product.used"] / 2
    assert 0.3 < weekend / weekday < 0.6
    usage = sum(e["type"] == "product.used" for e in events) / len(events)
    mix = SimConfig().mix
    assert usage == pytest.approx(mix["usage"] / sum(mix.values()), abs=0.015)


def test_usage_fades_before_a_cancellation() -> None:
    uses: dict[str, list[datetime]] = defaultdict(list)
    created: dict[str, datetime] = {}
    status: dict[str, str] = {}
    cancels = []  # (customer, when) of core subscriptions canceled while active
    for _, event in weeks():
        if event["type"] == "product.used":
            uses[event["customer_id"]].append(at(event))
        elif event["type"].startswith("subscription.") and not event["plan"].startswith("addon-"):
            sub = event["subscription_id"]
            created.setdefault(sub, at(event))
            old = at(event) - created[sub] > 8 * DAY
            if event["type"] == "subscription.canceled" and status[sub] == "active" and old:
                cancels.append((event["customer_id"], at(event)))
            status[sub] = event["status"]
    assert len(cancels) > 20
    last_days = sum(sum(t - 2 * DAY <= u < t for u in uses[c]) for c, t in cancels)
    week_before = sum(sum(t - 8 * DAY <= u < t - 6 * DAY for u in uses[c]) for c, t in cancels)
    assert last_days < 0.7 * week_before, (last_days, week_before)


def test_new_features_are_released_over_time_and_adopted_gradually() -> None:
    used = [(at(e), e["feature"]) for _, e in weeks() if e["type"] == "product.used"]
    first: dict[str, datetime] = {}
    for when, feature in used:
        first.setdefault(feature, when)
    core = [f for f, t in first.items() if t < START + DAY]
    late = sorted((t, f) for f, t in first.items() if t >= START + DAY)
    assert len(core) == 6 and len(late) >= 2  # released every 4 lifecycle steps (~7 days here)
    assert sum(released + 4 * DAY <= used[-1][0] for released, _ in late) >= 2
    end = used[-1][0]
    for released, feature in late:  # adoption grows after the release (of those 4 days old)
        if released + 4 * DAY > end:
            continue
        first_day = [f for t, f in used if released <= t < released + DAY]
        days_2_4 = [f for t, f in used if released + 2 * DAY <= t < released + 4 * DAY]
        assert first_day.count(feature) / len(first_day) < days_2_4.count(feature) / len(days_2_4), feature


def test_batching_trackers_fold_uses() -> None:
    usage = [e for _, e in weeks() if e["type"] == "product.used"]
    batched = [e["count"] for e in usage if "count" in e]
    assert all(count >= 2 for count in batched)
    assert 0.1 < len(batched) / len(usage) < 0.3
    assert max(batched) > 10


def test_costs_are_monthly_campaigns_and_team_spend_in_several_currencies() -> None:
    costs = [e for _, e in weeks() if e["type"] == "cost.incurred"]
    assert {e["currency"] for e in costs} == CURRENCIES
    acquisition = [e for e in costs if e["category"] == "acquisition"]
    retention = [e for e in costs if e["category"] == "retention"]
    assert len({e["channel"] for e in acquisition}) >= 5
    assert {"csm_team", "success_tools", "onboarding", "loyalty_gifts"} == {e["channel"] for e in retention}
    for e in acquisition:  # booked on the channel's campaign of the month
        assert e["customer_id"] == f"cmp_{e['channel']}_{at(e):%Y_%m}"
    assert any(e["customer_id"].startswith("cus_") for e in retention)  # attributable to an account
    assert all(e["amount_minor"] > 0 for e in costs)


def test_referrals_convert_into_new_customers() -> None:
    events = [e for _, e in weeks()]
    customers = {e["customer_id"] for e in events}
    sent = {e["referral_id"]: at(e) for e in events if e["type"] == "referral.sent"}
    converted = [e for e in events if e["type"] == "referral.converted"]
    assert 0.15 < len(converted) / len(sent) < 0.45
    referred = [e["referred_customer_id"] for e in converted]
    assert len(set(referred)) == len(referred) and not set(referred) & customers
    assert all(at(e) >= sent[e["referral_id"]] for e in converted)


def test_offers_are_presented_then_decided_with_the_odd_order() -> None:
    order: dict[str, list[str]] = defaultdict(list)
    kinds: dict[str, set[str]] = defaultdict(set)
    for _, e in weeks():
        if e["type"].startswith("offer."):
            order[e["offer_id"]].append(e["type"].removeprefix("offer."))
            kinds[e["offer_id"]].add(e["kind"])
    shapes = Counter(tuple(o) for o in order.values())
    assert set(shapes) <= {
        ("presented",), ("presented", "accepted"), ("presented", "declined"),
        ("accepted",), ("declined",), ("accepted", "presented"), ("declined", "presented"),
    }  # fmt: skip
    assert all(len(k) == 1 for k in kinds.values())  # an offer keeps its kind
    assert shapes[("presented",)] > 0  # never decided
    assert shapes[("accepted",)] + shapes[("declined",)] > 0  # decided, never presented
    assert shapes[("accepted", "presented")] + shapes[("declined", "presented")] > 0  # decided first
    decided = Counter(step for steps in order.values() for step in steps if step != "presented")
    assert 0.1 < decided["accepted"] / (decided["accepted"] + decided["declined"]) < 0.3
