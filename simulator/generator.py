"""The simulator: a pure, seeded, infinite stream of records in emission order."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from itertools import islice
from random import Random

import orjson

from simulator.accounts import DAY_US, Book
from simulator.catalog import Weighted
from simulator.config import DEFAULT_MIX, WEEKEND_USAGE, SimConfig, SimRecord
from simulator.context import US, Context
from simulator.costs import Costs
from simulator.faults import corrupt
from simulator.growth import Growth
from simulator.subscriptions import Subscriptions
from simulator.surveys import Surveys
from simulator.tickets import Tickets
from simulator.usage import Usage

DUPLICATE_AFTER_GAPS = 5.0  # a duplicate follows its original after ~5 mean gaps
MONDAY = datetime(2024, 1, 1, tzinfo=UTC)
WEEK_US = 7 * DAY_US


def weekly_mixes(mix: Mapping[str, float]) -> tuple[Weighted[str], Weighted[str]]:
    """The family draw on weekdays and on weekends: usage's share is WEEKEND_USAGE times
    lower on weekends, and its average over a whole week is the share `mix` gives it."""
    total = sum(mix.values())
    share = mix.get("usage", 0.0) / total
    weekday = 7 * share / (5 + 2 * WEEKEND_USAGE)
    rest = 1.0 - share
    tables = []
    for usage in (weekday, weekday * WEEKEND_USAGE):
        weight = usage / (1.0 - usage) * rest * total if rest and weekday < 1 else mix.get("usage", 0.0)
        weights = {**mix, "usage": weight} if "usage" in mix else mix
        tables.append(Weighted((f, weights.get(f, 0.0)) for f in DEFAULT_MIX))  # its fixed order
    return tables[0], tables[1]


class Simulator:
    """Generates a realistic event stream from `config`, byte-identical for a seed.

    Each step advances the event clock by an exponential gap, picks a topic family by
    `config.mix` (usage less often on weekends, see `weekly_mixes`) and emits that
    family's earliest due follow-up, or else a spontaneous event (a new ticket, a
    lifecycle step, a survey, a product use). Late copies, duplicates and
    invalid records come from a second random stream, so switching them on leaves the
    valid events unchanged.
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._start = config.start.astimezone(UTC)
        ctx = self._ctx = Context(config.seed, self._start)
        book = Book(ctx, config)
        subscriptions = Subscriptions(ctx, config, book)
        surveys = Surveys(ctx, book.customer)
        tickets = Tickets(ctx, book.customer, surveys.after_ticket)
        self._spontaneous = {
            "subscriptions": subscriptions.step,
            "payments": subscriptions.payments.payment,
            "tickets": tickets.create,
            "surveys": surveys.respond,
            "usage": Usage(ctx, book).use,
            "costs": Costs(ctx, book).incur,
            "growth": Growth(ctx, book).step,
        }
        self._weekday, self._weekend = weekly_mixes(config.mix)
        # microseconds from a Monday 00:00 UTC to `start`, to tell weekends from weekdays
        self._week_offset = (self._start - MONDAY) // timedelta(microseconds=1) % WEEK_US
        self._rate = 1.0 / (config.mean_gap_s * US)  # per microsecond
        self._faults = Random(f"{config.seed}/faults")
        self._late = config.out_of_order
        self._late_us = config.late_by_s * US
        self._dup = config.duplicates
        self._dup_us = DUPLICATE_AFTER_GAPS * config.mean_gap_s * US
        # Invalid records are inserted, so that they are `bad_records` of all emitted.
        self._bad = config.bad_records * (1 + config.duplicates) / (1 - config.bad_records)
        self._bad_count = 0
        self._held: list[tuple[int, int, SimRecord, bool]] = []  # (release, seq, record, copy)
        self._held_seq = 0
        self._ready: deque[SimRecord] = deque()

    def events(self) -> Iterator[SimRecord]:
        """The records in emission order, forever; resumes where the last call stopped."""
        ready = self._ready
        while True:
            while ready:
                yield ready.popleft()
            self._step()

    def take(self, n: int) -> list[SimRecord]:
        return list(islice(self.events(), n))

    def _step(self) -> None:
        ctx = self._ctx
        now = ctx.now
        after = now + max(1, round(ctx.rng.expovariate(self._rate)))  # the next event's time
        ctx.now_dt = self._start + timedelta(microseconds=now)
        weekend = (self._week_offset + now) % WEEK_US >= 5 * DAY_US
        family = (self._weekend if weekend else self._weekday)(ctx.rng)
        event = ctx.due(family)
        if event is None:
            event = self._spontaneous[family]()
        record = SimRecord(
            family,
            event["customer_id"].encode(),
            orjson.dumps(event, option=orjson.OPT_UTC_Z),
            True,
        )
        faults = self._faults
        if self._late and faults.random() < self._late:
            self._hold(max(now + int(faults.random() * self._late_us), after), record, False)
        else:
            self._emit(record, after)
        if self._bad and faults.random() < self._bad:
            self._bad_count += 1
            event_id = f"sim-{self.config.seed}-bad-{self._bad_count}"
            defect, raw = corrupt(event, family, event_id, faults)
            self._ready.append(SimRecord(family, record.key, raw, False, defect))
        # A held record goes out after the newest event at or before its release time,
        # so it is late by at most its delay (or one gap, when the delay is shorter).
        held = self._held
        while held and held[0][0] < after:
            _, _, late, copy = heapq.heappop(held)
            if copy:
                self._ready.append(late)
            else:
                self._emit(late, after)
        ctx.now = after

    def _emit(self, record: SimRecord, after: int) -> None:
        self._ready.append(record)
        faults = self._faults
        if self._dup and faults.random() < self._dup:
            delay = int(faults.expovariate(1.0) * self._dup_us)
            self._hold(max(self._ctx.now + delay, after), record, True)

    def _hold(self, release: int, record: SimRecord, copy: bool) -> None:
        self._held_seq += 1
        heapq.heappush(self._held, (release, self._held_seq, record, copy))
