"""GrowthDomain: referrals and offers, each id counted once whatever the arrival order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from schemas.events import FAMILIES
from streams.metrics.aggregate import PartitionSums, read_all
from streams.metrics.base import Contributions, Outcome, slot
from streams.metrics.eventtime import seconds
from streams.metrics.growth import GrowthDomain, GrowthState
from streams.metrics.readout import flat_name
from tests.factories import BASE, event

DOMAIN = GrowthDomain()
MODEL = FAMILIES["growth"]
DAY = 24 * 60  # minutes


def offer(kind: str, minutes: float, customer: str = "c1", **fields: Any) -> dict[str, Any]:
    return event(kind, customer, minutes, **fields)


def run(bodies: Sequence[dict[str, Any]]) -> tuple[dict[str, int], list[Contributions]]:
    """Flat read-out at the latest event, and each event's delta; checks the record's
    contributions and a dump/load round trip agree with the running sums."""
    states: dict[str, GrowthState] = {}
    sums = PartitionSums()
    deltas = []
    for body in bodies:
        ev = MODEL[body["type"]].model_validate(body)
        state = states.setdefault(ev.customer_id, DOMAIN.new_state())
        outcome, delta = DOMAIN.apply(state, ev)
        assert outcome is Outcome.APPLIED
        deltas.append(delta)
        sums.add(delta)
        sums.advance(seconds(ev.occurred_at))
    read = sums.read()
    assert read == read_all((DOMAIN.contributions(s) for s in states.values()), sums.clock)
    for state in states.values():
        again = DOMAIN.load(json.loads(json.dumps(DOMAIN.dump(state))))
        assert DOMAIN.contributions(again) == DOMAIN.contributions(state)
    return {flat_name(k): v for k, v in read.items()}, deltas


def both_orders(bodies: list[dict[str, Any]]) -> dict[str, int]:
    forward, _ = run(bodies)
    backward, _ = run(bodies[::-1])
    assert forward == backward
    return forward


def offers(read: dict[str, int], kind: str = "upsell", window: str | None = None) -> dict[str, int]:
    """outcome -> count of one kind, all-time or in one window."""
    out = {}
    for outcome in ("presented", "accepted", "declined"):
        if window is None:
            out[outcome] = read.get(f'cs_offers_total{{kind="{kind}",outcome="{outcome}"}}', 0)
        else:
            out[outcome] = read.get(f'cs_offers{{kind="{kind}",outcome="{outcome}",window="{window}"}}', 0)
    return out


def test_vector_11_upsell_conversion_parts() -> None:
    bodies = [offer("offer.presented", i, f"c{i}", offer_id=f"o{i}") for i in range(25)]
    bodies += [offer("offer.accepted", 30 + i, f"c{i}", offer_id=f"o{i}") for i in range(5)]
    bodies += [offer("offer.declined", 40 + i, f"c{i}", offer_id=f"o{i}") for i in range(5, 8)]
    read, _ = run(bodies)
    assert offers(read, window="7d") == {"presented": 25, "accepted": 5, "declined": 3}
    assert offers(read) == {"presented": 25, "accepted": 5, "declined": 3}


def test_an_offer_decided_before_it_was_presented() -> None:
    # The decision's occurred_at is 2 days before the presentation's (clock skew at the
    # producer): each still counts once, each in the window of its own event.
    bodies = [offer("offer.accepted", -2 * DAY), offer("offer.presented", 0)]
    read = both_orders(bodies)
    assert offers(read) == {"presented": 1, "accepted": 1, "declined": 0}
    assert offers(read, window="24h") == {"presented": 1, "accepted": 0, "declined": 0}
    assert offers(read, window="7d") == {"presented": 1, "accepted": 1, "declined": 0}


@pytest.mark.parametrize("first", ["offer.accepted", "offer.declined"])
def test_the_earliest_decision_wins_in_either_arrival_order(first: str) -> None:
    later = "offer.declined" if first == "offer.accepted" else "offer.accepted"
    bodies = [offer("offer.presented", 0), offer(first, 10), offer(later, 3 * DAY)]
    read = both_orders(bodies)
    expected = {"presented": 1, "accepted": 0, "declined": 0} | {first.split(".")[1]: 1}
    assert offers(read) == expected
    assert offers(read, window="7d") == expected


def test_a_later_arriving_earlier_decision_moves_the_count() -> None:
    read, deltas = run(
        [offer("offer.presented", 0), offer("offer.accepted", 2 * DAY), offer("offer.declined", 60)]
    )
    accepted = slot("cs_offers", kind="upsell", outcome="accepted")
    declined = slot("cs_offers", kind="upsell", outcome="declined")
    at = seconds(BASE)
    assert deltas[2] == {
        (accepted, at + 2 * 86400): -1,
        (declined, at + 3600): 1,
        (slot("cs_offers_total", kind="upsell", outcome="accepted"), None): -1,
        (slot("cs_offers_total", kind="upsell", outcome="declined"), None): 1,
    }
    assert offers(read) == {"presented": 1, "accepted": 0, "declined": 1}


def test_simultaneous_decisions_accepted_wins_whatever_arrives_first() -> None:
    read = both_orders([offer("offer.declined", 5), offer("offer.accepted", 5)])
    assert offers(read) == {"presented": 1, "accepted": 1, "declined": 0}


def test_a_decision_without_a_presentation_counts_one_presented() -> None:
    read, _ = run([offer("offer.declined", 0)])
    assert offers(read) == {"presented": 1, "accepted": 0, "declined": 1}
    assert offers(read, window="1h") == {"presented": 1, "accepted": 0, "declined": 1}
    # a second decision adds no presentation; a late presentation moves it to its own time
    late = [offer("offer.declined", 0), offer("offer.accepted", DAY), offer("offer.presented", -3 * DAY)]
    read = both_orders(late)
    assert offers(read) == {"presented": 1, "accepted": 0, "declined": 1}
    assert offers(read, window="24h") == {"presented": 0, "accepted": 0, "declined": 0}
    assert offers(read, window="7d") == {"presented": 1, "accepted": 0, "declined": 1}


def test_an_offer_keeps_its_presentations_kind() -> None:
    bodies = [offer("offer.presented", 0) | {"kind": "cross_sell"}, offer("offer.accepted", 5)]
    read = both_orders(bodies)
    assert offers(read, "cross_sell") == {"presented": 1, "accepted": 1, "declined": 0}
    assert offers(read, "upsell") == {"presented": 0, "accepted": 0, "declined": 0}


def test_an_offer_presented_twice_counts_once_at_the_earliest() -> None:
    read = both_orders([offer("offer.presented", -10 * DAY), offer("offer.presented", 0)])
    assert offers(read) == {"presented": 1, "accepted": 0, "declined": 0}
    assert offers(read, window="7d")["presented"] == 0
    assert offers(read, window="30d")["presented"] == 1


def test_offer_ids_are_scoped_to_their_customer() -> None:
    read, _ = run([offer("offer.presented", 0, "c1"), offer("offer.presented", 0, "c2")])
    assert offers(read)["presented"] == 2


def referrals(read: dict[str, int], window: str | None = None) -> dict[str, int]:
    out = {}
    for outcome in ("sent", "converted"):
        name = f'cs_referrals{{outcome="{outcome}",window="{window}"}}' if window else (
            f'cs_referrals_total{{outcome="{outcome}"}}'
        )
        out[outcome] = read.get(name, 0)
    return out


def test_a_referral_converted_twice_counts_once_at_its_earliest_conversion() -> None:
    bodies = [
        event("referral.sent", "c1", -20 * DAY),
        event("referral.converted", "c1", -10 * DAY),
        event("referral.converted", "c1", 0, referred_customer_id="cus_other"),
    ]
    read = both_orders(bodies)
    assert referrals(read) == {"sent": 1, "converted": 1}
    assert referrals(read, "7d") == {"sent": 0, "converted": 0}
    assert referrals(read, "30d") == {"sent": 1, "converted": 1}


def test_a_conversion_without_its_sent_event_is_not_a_sent_referral() -> None:
    read, _ = run([event("referral.converted", "c1", 0)])
    assert referrals(read) == {"sent": 0, "converted": 1}
    assert "cs_referring_customers{window=\"30d\"}" not in read


def test_a_referring_customer_counts_once_at_its_latest_referral() -> None:
    bodies = [
        event("referral.sent", "c1", -10 * DAY, referral_id="r1"),
        event("referral.sent", "c1", -2 * DAY, referral_id="r2"),
        event("referral.sent", "c1", -20 * DAY, referral_id="r1"),  # r1 again, earlier
        event("referral.sent", "c2", 0, referral_id="r1"),
    ]
    read = both_orders(bodies)
    assert read['cs_referring_customers{window="24h"}'] == 1  # c2
    assert read['cs_referring_customers{window="7d"}'] == 2
    assert read['cs_referring_customers{window="30d"}'] == 2
    assert referrals(read) == {"sent": 3, "converted": 0}
    assert referrals(read, "7d") == {"sent": 2, "converted": 0}  # c1's r2 and c2's r1


def test_prune_keeps_every_id() -> None:
    state = DOMAIN.new_state()
    for body in (event("referral.sent", "c1", 0), offer("offer.presented", 0)):
        DOMAIN.apply(state, MODEL[body["type"]].model_validate(body))
    before = DOMAIN.contributions(state)
    DOMAIN.prune(state, seconds(BASE) + 365 * 86400)
    assert DOMAIN.contributions(state) == before
    late = event("referral.sent", "c1", 400 * DAY)  # the same referral a year later
    _, delta = DOMAIN.apply(state, MODEL[late["type"]].model_validate(late))
    assert (slot("cs_referrals_total", outcome="sent"), None) not in delta
