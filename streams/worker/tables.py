"""The changelog-backed table of one family, whose partition sums follow its partitions."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.tables import TableManager
from faust.types import TP
from faust.types.stores import StoreT
from yarl import URL

from streams.engine.checkpoint import checkpoint_key, dump_sums
from streams.engine.joined import Account
from streams.engine.processor import FamilyProcessor
from streams.worker.changelog import ChangelogWriter
from streams.worker.instruments import Instruments
from streams.worker.stores import ChangelogReader, store_class

log = logging.getLogger("cspulse")
REARM_CHUNK = 250  # joined records reassessed per turn of the event loop (~20 ms)
# between two chunks: new events go first (at 1M customers, with no pause, a probe sent
# to a restarted rocksdb worker showed 15 s after the worker was ready)
REARM_PAUSE_S = 0.05


class PromptTableManager(TableManager):
    """Faust's table manager, minus the second it sleeps as it starts (for tables declared
    late, by agents as they start): every table here is declared before the app starts."""

    async def on_start(self) -> None:
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()


class _At:
    """Where a write made outside of any batch goes (see ChangelogWriter.partition)."""

    __slots__ = ("partition",)

    def __init__(self, partition: int) -> None:
        self.partition = partition


class FamilyTable(faust.Table):
    """A table restored in bulk (stores.py) whose partition sums follow its partitions:
    read from their checkpoints after a recovery, or rebuilt from the records and then
    checkpointed, so the next restart reads them."""

    processor: FamilyProcessor
    writer: ChangelogWriter
    source_topics: frozenset[str]
    instruments: Instruments
    changelog_reader: ChangelogReader  # the worker's: set before the store is made

    def _recovered(self, partitions: set[int], rebuilt: set[int], started: float) -> float:
        seconds = time.monotonic() - started
        self.instruments.rebuild_seconds.labels(table=self.name).set(seconds)
        recovered = self.instruments.recovered
        recovered.labels(table=self.name, source="checkpoint").inc(len(partitions - rebuilt))
        recovered.labels(table=self.name, source="records").inc(len(rebuilt))
        return seconds

    async def _checkpoint(self, partitions: set[int]) -> None:
        """Checkpoint sums just rebuilt, so the next restart reads them (if this fails,
        the next restart rebuilds them again: nothing is lost)."""
        for partition in sorted(partitions):
            with self.writer.partition(partition, _At(partition)) as store:
                store.checkpoint(checkpoint_key(partition), dump_sums(self.processor.sums_for(partition)))
        for attempt in range(3):
            try:
                await self.writer.flush()
                return
            except Exception as exc:  # e.g. a connection that timed out under a long rebuild
                log.warning("%s: checkpoints of %s not written: %s", self.name, sorted(partitions), exc)
                await asyncio.sleep(1.0 + attempt)

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
        store.reader = self.changelog_reader
        return store

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        kept = {tp.partition for tp in assigned if tp.topic in self.source_topics}
        self.processor.drop([p for p in list(self.processor.sums) if p not in kept])

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        await self.changelog_reader.close()  # every table's store has read by now
        await super().on_recovery_completed(active_tps, standby_tps)
        partitions = {tp.partition for tp in active_tps}
        started = time.monotonic()
        rebuilt = self.processor.recover(self.writer.reader(), partitions)
        await self._checkpoint(rebuilt)
        seconds = self._recovered(partitions, rebuilt, started)
        log.info(
            "%s: partition sums of %s read from checkpoints, of %s rebuilt from the records in %.1f s",
            self.name,
            sorted(partitions - rebuilt),
            sorted(rebuilt),
            seconds,
        )


class HealthTable(FamilyTable):
    """The joined table: its sums come from checkpoints like a family's; then, in the
    background, each customer is reassessed to re-arm its timer and its entry is
    rewritten to Redis (so the serving store follows partitions from worker to worker,
    with what the last owner had not written yet), a chunk at a time."""

    processor: Any  # HealthProcessor
    publish: Callable[[list[Account]], Awaitable[None]]
    _rearming: asyncio.Future[None] | None = None

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        if self._rearming is not None:
            self._rearming.cancel()  # the next recovery starts it again
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        await self.changelog_reader.close()
        await faust.Table.on_recovery_completed(self, active_tps, standby_tps)
        partitions = {tp.partition for tp in active_tps}
        started = time.monotonic()
        reader = self.writer.reader()
        rebuilt, accounts = self.processor.recover(reader, partitions)
        await self._checkpoint(rebuilt)
        seconds = self._recovered(partitions, rebuilt, started)
        log.info(
            "%s: partition sums of %s read from checkpoints, of %s rebuilt from the records "
            "(%d scored customers) in %.1f s",
            self.name,
            sorted(partitions - rebuilt),
            sorted(rebuilt),
            sum(1 for a in accounts if a.assessment is not None),
            seconds,
        )
        self._rearming = asyncio.ensure_future(self._rearm(reader, partitions - rebuilt, accounts))

    async def _rearm(self, reader: Any, partitions: set[int], accounts: list[Account]) -> None:
        started = time.monotonic()
        await self.publish(accounts)
        keys = self.writer.keys() if partitions else iter(())
        count = 0
        while chunk := list(itertools.islice(keys, REARM_CHUNK)):
            found = self.processor.rearm(reader, partitions, chunk)
            count += len(found)
            await self.publish(found)  # only queues them while another write is going on
            await asyncio.sleep(REARM_PAUSE_S)
        seconds = time.monotonic() - started
        self.instruments.rearm_seconds.labels(table=self.name).set(seconds)
        if partitions:
            log.info(
                "%s: timers re-armed and %d entries rewritten for partitions %s in %.1f s",
                self.name,
                count,
                sorted(partitions),
                seconds,
            )
