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
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from schemas.events import SurveyEvent, TicketEvent
from streams.metrics.aggregate import PartitionSums, read_all
from streams.metrics.base import Contributions, Outcome, add_into
from streams.metrics.business_hours import parse_calendar
from streams.metrics.surveys import SurveyDomain
from streams.metrics.tickets import TicketDomain
from tests.factories import as_json
from tests.reference.calendar import Calendar
from tests.reference.common import Expected, Record, differences
from tests.reference.support import survey_reference, ticket_reference
from tests.unit import edges
from tests.unit.edges import TARGET_SHIFTS, arrival_order, cuts, mixed, stamp

BASE = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)  # a Thursday before the Berlin DST switch
# Berlin: a holiday (Fri 27 March), an overnight Friday interval, Sunday hours across
# the spring-forward switch (29 March, 02:00 -> 03:00); then New York from 31 March.
CALENDAR_CONFIG = [
    {
        "tz": "Europe/Berlin",
        "hours": {"mon-fri": "09:00-17:00", "fri": "22:00-02:00", "sat": "10:00-14:00", "sun": "01:00-05:00"},
        "holidays": ["2026-03-27"],
        "effective_from": "2020-01-01T00:00:00Z",
    },
    {
        "tz": "America/New_York",
        "hours": {"mon-sun": "08:00-20:00"},
        "holidays": ["2026-04-03"],
        "effective_from": "2026-03-31T00:00:00Z",
    },
]
CALENDAR = parse_calendar(CALENDAR_CONFIG)
REFERENCE_CALENDAR = Calendar(CALENDAR_CONFIG)
TARGETS = {"urgent": 3600, "high": 14400, "normal": 86400, "low": 172800}
DOMAINS = {
    "tickets": (TicketDomain(TARGETS), TicketDomain(TARGETS, CALENDAR)),
    "surveys": (SurveyDomain(), SurveyDomain()),
}

# ticket starts spread over days; follow-ups mostly whole minutes after the start
# (ties and exact bucket edges are likely), sometimes a little before it (clock
# skew), hours or days later, or at sub-second precision
starts = st.one_of(
    st.integers(0, 6 * 1440).map(lambda m: m * 60.0),
    st.integers(0, 6 * 86400).map(lambda sec: sec + 0.5),  # sub-second creations
)
steps = st.one_of(
    st.integers(-1, 3).map(lambda m: m * 60.0),
    st.integers(0, 3 * 1440).map(lambda m: m * 60.0),
    st.floats(0, 3 * 86400, allow_nan=False).map(lambda s: round(s, 6)),
    # exactly at, or a microsecond around, a first-response target or a bucket edge
    st.builds(
        lambda target, jitter: target + jitter,
        st.sampled_from([150, 3600, 14400, 25200, 86400, 108000, 172800]).map(float),
        st.sampled_from([0.0, 0.0, -0.000001, 0.000001, 0.5, -1.0]),
    ),
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


def reference(events: list[TicketEvent | SurveyEvent], business: bool) -> Expected:
    """Tickets and surveys of one batch: one reference each, merged at the later clock."""
    tickets = [as_json(e) for e in events if isinstance(e, TicketEvent)]
    surveys = [as_json(e) for e in events if isinstance(e, SurveyEvent)]
    calendar = REFERENCE_CALENDAR if business else None
    parts = [ticket_reference(tickets, calendar=calendar), survey_reference(surveys)]
    out = Expected(clock=max(p.clock for p in parts))
    for part in parts:
        part = part.domain_only()
        for k, v in part.current.items():
            out.current[k] = out.current.get(k, 0) + v
        out.points += part.points
        out.dues += part.dues
    return out


def family(event: TicketEvent | SurveyEvent) -> str:
    return "surveys" if isinstance(event, SurveyEvent) else "tickets"


def seconds(event: TicketEvent | SurveyEvent) -> int:
    return (event.occurred_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)


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
    expected = reference(events, business)
    clock = expected.clock
    assert clock == max(seconds(e) for e in events)
    final: Replay | None = None
    for rnd in orders:
        shuffled = list(events)
        rnd.shuffle(shuffled)
        run = Replay(business)
        half = len(shuffled) // 2
        run.apply(shuffled[:half])
        run.round_trip()  # (b) a restart mid-stream changes nothing
        run.apply(shuffled[half:])
        for at in (clock, clock + later):
            assert differences(read_all([run.sums], at), expected, clock=at) == []  # (a) running
            assert differences(read_all(run.contributions(), at), expected, clock=at) == []  # rebuilt
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
        assert differences(read_all(run.contributions(), at), expected, clock=at) == []
        run.round_trip()
        assert differences(read_all(run.contributions(), at), expected, clock=at) == []


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
    want = reference(events, business=True)
    assert [(k, v) for k, _, v in want.points if k[0] == "cs_tickets_resolved"] == [
        (("cs_tickets_resolved", (("touch", "multi"),)), 1)
    ]
    for order in itertools.permutations(events):
        run = Replay(business=True)
        run.apply(list(order))
        assert differences(read_all([run.sums], want.clock), want) == []


# -- through the engine step ------------------------------------------------------------
#
# Raw records with exact duplicates (some past the 7-day dedupe horizon: processed as
# new), bad records and batch cuts. Every event time lies within 16 days of every
# other, so no event ever reaches a ticket that is closed and quiet past the prune
# horizon (retirement is covered by (c) above).

ENV = edges.engine_env(CSPULSE_BUSINESS_HOURS=json.dumps(CALENDAR_CONFIG))
ENGINE_EDGES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STREAM_STARTS = st.one_of(
    st.integers(0, 12 * 1440).map(lambda m: m * 60.0),
    st.integers(0, 12 * 86400).map(lambda sec: sec + 0.5),
)
ARRIVAL_DELAYS = (0, 0, 0, 0, 60, 7200, 3 * 86400)
Stream = tuple[list[tuple[Record, bytes]], list[int]]


def _row(i: int, fields: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in fields.items() if k != "at"}
    row["occurred_at"] = stamp(BASE + timedelta(seconds=fields["at"]))
    return {"event_id": f"e{i}", **row}


@st.composite
def ticket_streams(draw: st.DrawFn) -> Stream:
    ids = draw(st.lists(st.integers(1, 4), min_size=1, max_size=5))
    rows: list[dict[str, Any]] = []
    for i in ids:
        history = draw(ticket_history(f"t{i}"))
        start = draw(STREAM_STARTS)
        first = min((e["at"] for e in history), default=0.0)
        rows += [{**e, "at": start + e["at"] - first} for e in history]
    rows = [_row(i, r) for i, r in enumerate(rows)]
    delays = draw(st.lists(st.sampled_from(ARRIVAL_DELAYS), min_size=len(rows), max_size=len(rows)))
    records = draw(mixed(arrival_order(rows, delays), "ticket", TARGET_SHIFTS))
    return records, draw(cuts(len(records)))


@st.composite
def survey_streams(draw: st.DrawFn) -> Stream:
    raw = draw(st.lists(survey_events(), min_size=1, max_size=12))
    rows = [_row(i, {**r, "at": r["at"] + draw(STREAM_STARTS)}) for i, r in enumerate(raw)]
    rows = [{k: v for k, v in r.items() if v is not None} for r in rows]
    delays = draw(st.lists(st.sampled_from(ARRIVAL_DELAYS), min_size=len(rows), max_size=len(rows)))
    records = draw(mixed(arrival_order(rows, delays), "survey"))
    return records, draw(cuts(len(records)))


def _ticket(event_id: str, kind: str, at: datetime, ticket: str = "t1", **fields: Any) -> dict[str, Any]:
    row = {
        "event_id": event_id,
        "type": f"ticket.{kind}",
        "occurred_at": stamp(at),
        "customer_id": "c1",
        "ticket_id": ticket,
        **fields,
    }
    if kind == "created":
        row = {"channel": "email", "priority": "urgent", **row}
    if kind == "replied":
        row = {"author": "agent", **row}
    return row


def _stream(*rows: dict[str, Any], batch_cuts: list[int] | None = None) -> Stream:
    return [(r, orjson.dumps(r)) for r in rows], batch_cuts or []


# Thu 16:00 Berlin to Sat 11:30 Berlin across the Friday holiday: 1 h + 0 + 1.5 h
HOLIDAY = _stream(
    _ticket("a", "created", datetime(2026, 3, 26, 15, 0, tzinfo=UTC)),
    _ticket("b", "replied", datetime(2026, 3, 28, 10, 30, tzinfo=UTC)),
)
# Sun 01:30 CET to 05:30 CEST on the spring-forward day: 2.5 h open, not 3.5 h
DST_SWITCH = _stream(
    _ticket("a", "created", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
    _ticket("b", "replied", datetime(2026, 3, 29, 3, 30, tzinfo=UTC)),
)
# created at .5 s: the 1 h target passes at 3600.5 s, so a clock at 3600 s is not late;
# created at 0 s: the clock has reached the target at 3600 s, so it is
FRT_DEADLINE = _stream(
    _ticket("a", "created", BASE + timedelta(microseconds=500_000)),
    _ticket("c", "created", BASE, ticket="t3", customer_id="c2"),
    _ticket("b", "created", BASE + timedelta(seconds=3600), ticket="t2", priority="low"),
)
# a resolve re-sent in the same and in a later batch counts once
RESENT = _stream(
    _ticket("a", "created", BASE),
    _ticket("b", "resolved", BASE + timedelta(minutes=5)),
    _ticket("b", "resolved", BASE + timedelta(minutes=5)),
    _ticket("b", "resolved", BASE + timedelta(minutes=5)),
    batch_cuts=[3],
)


@ENGINE_EDGES
@given(ticket_streams())
@example(HOLIDAY)
@example(DST_SWITCH)
@example(FRT_DEADLINE)
@example(RESENT)
def test_ticket_stream_through_the_engine_matches_the_reference(stream: Stream) -> None:
    records, batch_cuts = stream
    expected = ticket_reference([r for r, _ in records], calendar=REFERENCE_CALENDAR, targets=TARGETS)
    edges.check("tickets", records, batch_cuts, ENV, expected)


@ENGINE_EDGES
@given(survey_streams())
def test_survey_stream_through_the_engine_matches_the_reference(stream: Stream) -> None:
    records, batch_cuts = stream
    expected = survey_reference([r for r, _ in records])
    edges.check("surveys", records, batch_cuts, ENV, expected)


def test_pinned_ticket_streams_are_the_edges_they_claim() -> None:
    def business_sum(stream: Stream) -> int:
        out = ticket_reference([r for r, _ in stream[0]], calendar=REFERENCE_CALENDAR)
        name = "cs_first_response_business_seconds_sum"
        return sum(v for (n, _), v in out.now().items() if n == name)

    assert business_sum(HOLIDAY) == 9000 * 10**6
    assert business_sum(DST_SWITCH) == 9000 * 10**6
    out = ticket_reference([r for r, _ in FRT_DEADLINE[0]])
    overdue = ("cs_tickets_first_response_overdue", (("priority", "urgent"),))
    assert out.clock == seconds_of(BASE) + 3600
    assert out.now()[overdue] == 1  # t3 only
    assert out.now(out.clock - 1).get(overdue, 0) == 0
    assert out.now(out.clock + 1)[overdue] == 2
    out = ticket_reference([r for r, _ in RESENT[0]])
    assert out.now()[("cs_events_total", (("outcome", "duplicate"), ("topic", "cs.tickets")))] == 2


def seconds_of(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(seconds=1)
