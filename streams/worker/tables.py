"""The changelog-backed table of one family, whose partition sums follow its partitions."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.types import TP
from faust.types.stores import StoreT
from prometheus_client import Gauge
from yarl import URL

from streams.engine.checkpoint import checkpoint_key
from streams.engine.joined import Account
from streams.engine.processor import FamilyProcessor
from streams.settings import Settings
from streams.worker.changelog import ChangelogWriter
from streams.worker.stores import store_class

log = logging.getLogger("cspulse")


class _At:
    """Where a write made outside of any batch goes (see ChangelogWriter.partition)."""

    __slots__ = ("partition",)

    def __init__(self, partition: int) -> None:
        self.partition = partition


class FamilyTable(faust.Table):
    """A table restored in bulk (stores.py) whose partition sums follow its partitions:
    read from their checkpoints after a recovery, or rebuilt from the records and then
    checkpointed, so the next restart reads them."""

    settings: Settings
    processor: FamilyProcessor
    writer: ChangelogWriter
    source_topics: frozenset[str]
    rebuild_seconds: Gauge

    def _new_store_by_url(self, url: str | URL) -> StoreT:
        store = store_class(str(url))(
            url,
            self.app,
            self,
            table_name=self.name,
            key_type=self.key_type,
            key_serializer=self.key_serializer,
            value_serializer=self.value_serializer,
            value_type=self.value_type,
            loop=self.loop,
            options=self.options,
        )
        store.settings = self.settings  # its bulk restore's consumer connects like ours
        return store

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
        rebuilt = self.processor.recover(self.writer.reader(), partitions)
        for partition in sorted(rebuilt):
            with self.writer.partition(partition, _At(partition)) as store:
                store.checkpoint(checkpoint_key(partition), self.processor.checkpoint(partition))
        await self.writer.flush()
        seconds = time.monotonic() - started
        self.rebuild_seconds.labels(table=self.name).set(seconds)
        log.info(
            "%s: partition sums of %s read from checkpoints, of %s rebuilt from the records in %.1f s",
            self.name,
            sorted(partitions - rebuilt),
            sorted(rebuilt),
            seconds,
        )


class HealthTable(FamilyTable):
    """The joined table: after a recovery its customers' entries are rewritten to Redis,
    so the serving store follows partitions from worker to worker."""

    processor: Any  # HealthProcessor
    publish: Callable[[list[Account]], Awaitable[None]]
    _publishing: asyncio.Future[None] | None = None

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
        # every customer of the partitions is rewritten (what the last owner had not
        # written yet is in): in the background, so processing starts now
        self._publishing = asyncio.ensure_future(self.publish(accounts))
