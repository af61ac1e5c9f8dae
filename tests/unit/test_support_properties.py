"""Order independence of tickets and surveys against the plain batch reference.

Random histories for a few customers and tickets (creations re-sent with other
content, internal notes, customer replies, ties, reopens before resolves, events
for never-created tickets) are applied in several arrival orders. The read-outs of
the summed deltas and of the final states' contributions must agree with each other,
across orders, and with tests/reference/support.py; states must survive dump/load
mid-stream; pruning must keep every series a read can see.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schemas.events import SurveyEvent, TicketEvent
from streams.metrics.aggregate import PartitionSums, read_all
from streams.metrics.base import Contributions, Outcome, add_into
from streams.metrics.business_hours import parse_calendar
from streams.metrics.readout import flat_name
from streams.metrics.surveys import SurveyDomain
from streams.metrics.tickets import TicketDomain
from tests.reference.support import support_series

BASE = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)  # a Thursday before the Berlin DST switch
CALENDAR = parse_calendar(
    [
        {
            "tz": "Europe/Berlin",
            "hours": {"mon-fri": "09:00-17:00", "sat": "10:00-14:00"},
            "holidays": ["2026-03-27"],
            "effective_from": "2020-01-01T00:00:00Z",
        },
        {
            "tz": "America/New_York",
            "hours": {"mon-sun": "08:00-20:00"},
            "effective_from": "2026-03-28T00:00:00Z",
        },
    ]
)
TARGETS = {"urgent": 3600, "high": 14400, "normal": 86400, "low": 172800}
DOMAINS = {
    "tickets": (TicketDomain(TARGETS), TicketDomain(TARGETS, CALENDAR)),
    "surveys": (SurveyDomain(), SurveyDomain()),
}

# ticket starts spread over days; follow-ups mostly whole minutes after the start
# (ties and exact bucket edges are likely), sometimes a little before it (clock
# skew), hours or days later, or at sub-second precision
starts = st.integers(0, 4 * 1440).map(lambda m: m * 60.0)
steps = st.one_of(
    st.integers(-1, 3).map(lambda m: m * 60.0),
    st.integers(0, 3 * 1440).map(lambda m: m * 60.0),
    st.floats(0, 3 * 86400, allow_nan=False).map(lambda s: round(s, 6)),
)
customers = st.sampled_from(["c1", "c2"])


@st.composite
def creation(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "type": "ticket.created",
        "channel": draw(st.sampled_from(["email", "chat"])),
        "priority": draw(st.sampled_from(["urgent", "high", "normal", "low"])),
        "initiated_by": draw(st.sampled_from(["customer", "customer", "agent"])),
    }


@st.composite
def follow_up(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["replied"] * 4 + ["resolved"] * 2 + ["reopened"]))
    fields: dict[str, Any] = {"type": f"ticket.{kind}"}
    if kind == "replied":
        fields["author"] = draw(st.sampled_from(["agent", "agent", "agent", "customer"]))
        fields["public"] = draw(st.sampled_from([True, True, True, False]))
    return fields


@st.composite
def ticket_history(draw: st.DrawFn, ticket: str) -> list[dict[str, Any]]:
    """One ticket: usually one creation, sometimes none or a re-sent one, then steps."""
    customer, start = draw(customers), draw(starts)
    n_created = draw(st.sampled_from([1, 1, 1, 1, 1, 1, 0, 2]))
    events = [{**draw(creation()), "at": start + (60.0 * i)} for i in range(n_created)]
    events += [
        {**draw(follow_up()), "at": max(0.0, start + draw(steps))} for _ in range(draw(st.integers(0, 7)))
    ]
    return [{**e, "customer_id": customer, "ticket_id": ticket} for e in events]


tickets = st.lists(st.integers(1, 3), max_size=4).flatmap(
    lambda ids: st.tuples(*(ticket_history(f"t{i}") for i in ids))
)


@st.composite
def survey_events(draw: st.DrawFn) -> dict[str, Any]:
    survey = draw(st.sampled_from(["nps", "csat", "ces"]))
    low, high = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}[survey]
    return {
        "type": "survey.responded",
        "customer_id": draw(customers),
        "survey": survey,
        "score": draw(st.integers(low, high)),
        "at": draw(starts | steps),
        "comment": draw(st.sampled_from([None, "", "  ", "slow reply"])),
    }


def build(raw: list[dict[str, Any]]) -> list[TicketEvent | SurveyEvent]:
    out: list[TicketEvent | SurveyEvent] = []
    for i, fields in enumerate(raw):
        fields = dict(fields)
        at = BASE + timedelta(seconds=fields.pop("at"))
        model = SurveyEvent if fields["type"] == "survey.responded" else TicketEvent
        out.append(model(event_id=f"e{i}", occurred_at=at, **fields))
    return out


def family(event: TicketEvent | SurveyEvent) -> str:
    return "surveys" if isinstance(event, SurveyEvent) else "tickets"


def seconds(event: TicketEvent | SurveyEvent) -> int:
    return (event.occurred_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)


def flat(read: dict[Any, int]) -> dict[str, int]:
    return {flat_name(k): v for k, v in read.items() if v}


class Replay:
    """Applies events to per-(family, customer) states, summing the deltas."""

    def __init__(self, business: bool) -> None:
        self.domains: dict[str, Any] = {name: pair[business] for name, pair in DOMAINS.items()}
        self.states: dict[tuple[str, str], Any] = {}
        self.sums: Contributions = {}

    def apply(self, events: list[TicketEvent | SurveyEvent]) -> None:
        for e in events:
            domain = self.domains[family(e)]
            key = (family(e), e.customer_id)
            state = self.states.setdefault(key, domain.new_state())
            outcome, delta = domain.apply(state, e)
            assert outcome is Outcome.APPLIED  # no prune ran: nothing is stale
            add_into(self.sums, delta)

    def round_trip(self) -> None:
        for (name, customer), state in self.states.items():
            domain = self.domains[name]
            raw = orjson.dumps(domain.dump(state))
            loaded = domain.load(orjson.loads(raw))
            assert orjson.dumps(domain.dump(loaded)) == raw
            self.states[(name, customer)] = loaded

    def contributions(self) -> list[Contributions]:
        return [self.domains[name].contributions(s) for (name, _), s in self.states.items()]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    histories=tickets,
    surveys=st.lists(survey_events(), max_size=6),
    orders=st.lists(st.randoms(use_true_random=False), min_size=2, max_size=3),
    business=st.booleans(),
    later=st.integers(0, 3 * 86400),
)
def test_any_arrival_order_matches_the_batch_reference(
    histories: tuple[list[dict[str, Any]], ...],
    surveys: list[dict[str, Any]],
    orders: list[Any],
    business: bool,
    later: int,
) -> None:
    events = build([e for h in histories for e in h] + surveys)
    assume(events)
    clock = max(seconds(e) for e in events)
    calendar = CALENDAR if business else None
    expected = {c: support_series(events, c, TARGETS, calendar) for c in (clock, clock + later)}
    final: Replay | None = None
    for rnd in orders:
        shuffled = list(events)
        rnd.shuffle(shuffled)
        run = Replay(business)
        half = len(shuffled) // 2
        run.apply(shuffled[:half])
        run.round_trip()  # (b) a restart mid-stream changes nothing
        run.apply(shuffled[half:])
        for at, want in expected.items():
            assert flat(read_all([run.sums], at)) == want  # (a) running sums
            assert flat(read_all(run.contributions(), at)) == want  # (a) rebuilt sums
        final = run
    assert final is not None
    # (c) pruning at a clock keeps every series readable at that clock
    for extra in (later, 45 * 86400):
        at = clock + extra
        sums = PartitionSums()
        sums.advance(at)
        run = Replay(business)
        run.states = {k: run.domains[k[0]].load(run.domains[k[0]].dump(v)) for k, v in final.states.items()}
        for (name, _), state in run.states.items():
            run.domains[name].prune(state, sums.horizon())
        want = support_series(events, at, TARGETS, calendar)
        assert flat(read_all(run.contributions(), at)) == want
        run.round_trip()
        assert flat(read_all(run.contributions(), at)) == want


def test_identical_histories_in_every_order_small_exhaustive() -> None:
    """All 120 orders of one tricky ticket give the same read-out as the reference."""
    raw = [
        {
            "type": "ticket.created",
            "customer_id": "c1",
            "ticket_id": "t",
            "at": 0.0,
            "channel": "chat",
            "priority": "urgent",
        },
        {"type": "ticket.replied", "customer_id": "c1", "ticket_id": "t", "at": 60.0, "author": "agent"},
        {"type": "ticket.resolved", "customer_id": "c1", "ticket_id": "t", "at": 120.0},
        {"type": "ticket.reopened", "customer_id": "c1", "ticket_id": "t", "at": 120.0},
        {"type": "ticket.resolved", "customer_id": "c1", "ticket_id": "t", "at": 7200.0},
    ]
    events = build(raw)
    clock = max(seconds(e) for e in events)
    want = support_series(events, clock, TARGETS, CALENDAR)
    assert want['cs_tickets_resolved{touch="multi",window="24h"}'] == 1
    for order in itertools.permutations(events):
        run = Replay(business=True)
        run.apply(list(order))
        assert flat(read_all([run.sums], clock)) == want
