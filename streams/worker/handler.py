"""One fetch's records through the engine: apply, write the changelogs, then the outputs.

`BatchHandler` is the batching consumer's sink (records by topic-partition) and what
the agents call (records by route): both come down to `handle`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust
from faust.types import TP

from streams.engine.joined import Account, HealthProcessor, joined_clock
from streams.engine.messages import Message
from streams.engine.processor import FamilyProcessor
from streams.worker.changelog import ChangelogWriter
from streams.worker.instruments import Instruments
from streams.worker.outputs import Outputs


@dataclass(frozen=True, eq=False)
class Route:
    """Where one family's records go: its processor, its table and its re-key topic."""

    proc: FamilyProcessor
    store: ChangelogWriter
    rekey_topic: faust.TopicT


@dataclass(frozen=True, eq=False)
class Joined:
    """The joined step (health) and its table, after every family of a batch."""

    proc: HealthProcessor
    store: ChangelogWriter
    families: list[FamilyProcessor]  # whose clocks make the partition clock


# partition -> customer key -> family -> the state the family's batch left
Touched = dict[int, dict[bytes, dict[str, Any]]]


class BatchHandler:
    def __init__(self, outputs: Outputs, instruments: Instruments) -> None:
        self.outputs = outputs
        self.instruments = instruments
        self.routes: dict[str, Route] = {}  # topic -> route, filled as families are wired
        self.joined: Joined | None = None

    def handles(self, topic: str) -> bool:
        return topic in self.routes

    async def __call__(self, batches: Mapping[TP, Sequence[Any]]) -> None:
        """The batching consumer's sink: one fetch's records, by partition, for every family."""
        work: dict[Route, dict[int, list[Any]]] = {}
        for tp, records in batches.items():
            work.setdefault(self.routes[tp.topic], {}).setdefault(tp.partition, []).extend(records)
        await self.handle(work)

    async def handle(self, work: Mapping[Route, Mapping[int, Sequence[Any]]]) -> None:
        """Apply each family's per-partition runs, then write the changelogs, then the rest."""
        now = datetime.now(UTC)
        pending = []
        touched: Touched = {}
        for route, groups in work.items():
            pending.extend(await self._process(route, groups, now, touched))
        accounts = self._join(touched)
        stores = [route.store for route in work]
        if self.joined is not None:
            stores.append(self.joined.store)
        await asyncio.gather(*(store.flush() for store in stores))
        for fut in pending:
            await fut
        if accounts:
            await self.outputs.accounts(accounts)

    def _join(self, touched: Touched) -> list[Account]:
        """Reassess the customers the families touched, partition by partition."""
        joined = self.joined
        if joined is None:
            return []
        out: list[Account] = []
        for partition, states in touched.items():
            clock = joined_clock(joined.families, partition)
            with joined.store.partition(partition, Message("", partition, 0, None, b"")) as store:
                out.extend(joined.proc.update(partition, states, clock, store))
        return out

    async def _process(
        self, route: Route, groups: Mapping[int, Sequence[Any]], now: datetime, touched: Touched
    ) -> list[Any]:
        proc, outputs = route.proc, self.outputs
        family = proc.domain.family
        pending = []
        for partition, messages in groups.items():
            with route.store.partition(partition, messages[0]) as store:
                result = proc.process(partition, messages, store, now)
            states = touched.setdefault(partition, {})
            for key, state in result.touched.items():
                states.setdefault(key, {})[family] = state
            for dead in result.deadletters:
                pending.append(await outputs.deadletter(dead))
            for rk in result.rekeys:
                pending.append(await outputs.rekey(route.rekey_topic, rk))
            self.instruments.observe_lag(proc.topic, result.applied, now)
            await outputs.serve(proc.domain.family, [*result.applied, *result.redelivered])
            if result.replayed:
                self.instruments.replayed.labels(topic=proc.topic).inc(result.replayed)
        return pending
