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


class BatchHandler:
    def __init__(self, outputs: Outputs, instruments: Instruments) -> None:
        self.outputs = outputs
        self.instruments = instruments
        self.routes: dict[str, Route] = {}  # topic -> route, filled as families are wired

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
        for route, groups in work.items():
            pending.extend(await self._process(route, groups, now))
        await asyncio.gather(*(route.store.flush() for route in work))
        for fut in pending:
            await fut

    async def _process(self, route: Route, groups: Mapping[int, Sequence[Any]], now: datetime) -> list[Any]:
        proc, outputs = route.proc, self.outputs
        pending = []
        for partition, messages in groups.items():
            with route.store.partition(partition, messages[0]) as store:
                result = proc.process(partition, messages, store, now)
            for dead in result.deadletters:
                pending.append(await outputs.deadletter(dead))
            for rk in result.rekeys:
                pending.append(await outputs.rekey(route.rekey_topic, rk))
            self.instruments.observe_lag(proc.topic, result.applied, now)
            await outputs.serve(proc.domain.family, result.applied)
            if result.replayed:
                self.instruments.replayed.labels(topic=proc.topic).inc(result.replayed)
        return pending
