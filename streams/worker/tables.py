"""The changelog-backed table of one family, whose partition sums follow its partitions."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.types import TP
from prometheus_client import Gauge

from streams.engine.joined import Account
from streams.engine.processor import FamilyProcessor

log = logging.getLogger("cspulse")


class FamilyTable(faust.Table):
    """A table whose owner rebuilds its partition sums after every recovery."""

    processor: FamilyProcessor
    source_topics: frozenset[str]
    rebuild_seconds: Gauge

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        kept = {tp.partition for tp in assigned if tp.topic in self.source_topics}
        self.processor.drop([p for p in list(self.processor.sums) if p not in kept])

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        await super().on_recovery_completed(active_tps, standby_tps)
        partitions = {tp.partition for tp in active_tps}
        started = time.monotonic()
        count = self.processor.rebuild(self.items(), partitions)
        seconds = time.monotonic() - started
        self.rebuild_seconds.labels(table=self.name).set(seconds)
        parts = sorted(partitions)
        log.info("%s: rebuilt partitions %s from %d records in %.1f s", self.name, parts, count, seconds)


class HealthTable(FamilyTable):
    """The joined table: after a recovery its customers' entries are rewritten to Redis,
    so the serving store follows partitions from worker to worker."""

    processor: Any  # HealthProcessor
    publish: Callable[[list[Account]], Awaitable[None]]

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        await faust.Table.on_recovery_completed(self, active_tps, standby_tps)
        partitions = {tp.partition for tp in active_tps}
        started = time.monotonic()
        accounts = self.processor.rebuild(self.items(), partitions)
        seconds = time.monotonic() - started
        self.rebuild_seconds.labels(table=self.name).set(seconds)
        log.info(
            "%s: rebuilt partitions %s in %.1f s, %d scored customers",
            self.name,
            sorted(partitions),
            seconds,
            sum(1 for a in accounts if a.assessment is not None),
        )
        await self.publish(accounts)
