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

from streams.engine.checkpoint import checkpoint_key, dump_sums
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
        replayed: set[int] = set()
        for route, groups in work.items():
            pending.extend(await self._process(route, groups, now, touched, replayed))
        accounts = self._join(touched, replayed)
        await self._flush([route.store for route in work])
        for fut in pending:
            await fut
        if accounts:
            await self.outputs.accounts(accounts)

    async def _flush(self, families: list[ChangelogWriter]) -> None:
        """Every write of the batch to the changelogs, in an order such that joined
        records ahead of their checkpoint imply family records ahead of theirs: the
        events then come again as replays, and the joined sums are rebuilt (`_join`).
        Family records, then family checkpoints and joined records, then the joined
        checkpoint."""
        await asyncio.gather(*(store.flush_records() for store in families))
        joined = [] if self.joined is None else [self.joined.store.flush_records()]
        await asyncio.gather(*(store.flush_checkpoints() for store in families), *joined)
        if self.joined is not None:
            await self.joined.store.flush_checkpoints()

    def _join(self, touched: Touched, replayed: set[int]) -> list[Account]:
        """Reassess the customers the families touched, partition by partition; a
        partition with replayed events is rebuilt from its joined records."""
        joined = self.joined
        if joined is None:
            return []
        out: list[Account] = []
        for partition, states in touched.items():
            clock = joined_clock(joined.families, partition)
            with joined.store.partition(partition, Message("", partition, 0, None, b"")) as store:
                out.extend(joined.proc.update(partition, states, clock, store))
                if partition in replayed:
                    out.extend(joined.proc.rebuild(store.records(), {partition}))
                    store.checkpoint(checkpoint_key(partition), dump_sums(joined.proc.sums_for(partition)))
        return out

    async def _process(
        self,
        route: Route,
        groups: Mapping[int, Sequence[Any]],
        now: datetime,
        touched: Touched,
        replayed: set[int],
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
                replayed.add(partition)
        return pending
