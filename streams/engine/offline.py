"""The engine without Kafka: the same processors over files or read-back topics.

`OfflineRun` routes each raw record to its family, places it on the partition the
worker would use, and runs the very `FamilyProcessor` code a worker runs, with a
dict as the table. Its `series()` is what `/metrics` reads summed across workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.decode import family_of
from streams.engine.build import Engine, build_engine
from streams.engine.joined import FAMILY as HEALTH
from streams.engine.joined import Account, joined_clock
from streams.engine.messages import BatchResult, Message
from streams.engine.partitioning import partition_for
from streams.engine.records import CUSTOMER_PREFIX
from streams.metrics.aggregate import merge
from streams.metrics.base import SeriesKey
from streams.metrics.readout import LabelFolder, export_value, fill_buckets, flat_name, fold_labels
from streams.settings import Settings


class DictStore(dict[bytes, bytes]):
    def set(self, key: bytes, value: bytes) -> None:
        self[key] = value

    checkpoint = set

    def records(self) -> Iterable[tuple[bytes, bytes]]:
        return self.items()


@dataclass
class Unrouted:
    """A record the report could not attribute to any family topic."""

    line: int
    raw: bytes


class OfflineRun:
    def __init__(self, settings: Settings, now: datetime | None = None) -> None:
        self.settings = settings
        self.engine: Engine = build_engine(settings)
        self.stores = {family: DictStore() for family in [*self.engine.processors, HEALTH]}
        self.now = now or datetime.now(UTC)
        self.unrouted: list[Unrouted] = []
        self.ignored = 0  # records of a registered family without a metric domain (none today)

    def feed_partition(self, family: str, partition: int, messages: list[Message]) -> None:
        proc = self.engine.processors[family]
        result = proc.process(partition, messages, self.stores[family], self.now)
        self._join(family, partition, result)
        if result.rekeys:  # read-back topics: process where the worker would re-key to
            for owner in sorted({r.partition for r in result.rekeys}):
                moved = [
                    Message(
                        r.message.topic + "#rekeyed", owner, r.message.offset, None, r.message.value or b""
                    )
                    for r in result.rekeys
                    if r.partition == owner
                ]
                self._join(family, owner, proc.process(owner, moved, self.stores[family], self.now))

    def _join(self, family: str, partition: int, result: BatchResult) -> None:
        """The joined step after each family batch, as a worker runs it after each fetch."""
        if self.engine.health is None:
            return
        touched = {key: {family: state} for key, state in result.touched.items()}
        clock = joined_clock(self.engine.processors.values(), partition)
        self.engine.health.update(partition, touched, clock, self.stores[HEALTH])

    def accounts(self) -> list[Account]:
        """Every scored customer, as the workers' serving store holds them."""
        if self.engine.health is None:
            return []
        store = self.stores[HEALTH]
        items = [(k, v) for k, v in store.items() if k.startswith(CUSTOMER_PREFIX)]
        found = self.engine.health.assessments(items)
        return sorted((a for a in found if a.assessment is not None), key=lambda a: a.customer_id)

    def feed_lines(self, lines: Iterable[bytes], chunk: int = 5000) -> int:
        """Feed a JSONL stream; line numbers (1-based) act as offsets. Returns lines read."""
        topics = self.settings.family_topics
        parts = self.settings.partitions
        pending: dict[tuple[str, int], list[Message]] = {}
        count = 0
        for count, raw in enumerate(lines, start=1):
            raw = raw.strip()
            if not raw:
                continue
            family, customer = family_of(raw)
            if family not in self.engine.processors:
                if family is None:
                    self.unrouted.append(Unrouted(count, raw))
                else:
                    self.ignored += 1
                continue
            partition = partition_for(customer, parts) if customer else 0
            batch = pending.setdefault((family, partition), [])
            batch.append(Message(topics[family], partition, count, None, raw))
            if len(batch) >= chunk:
                self.feed_partition(family, partition, batch)
                pending[(family, partition)] = []
        for (family, partition), batch in pending.items():
            if batch:
                self.feed_partition(family, partition, batch)
        return count

    def raw_series(self, folder: LabelFolder | None = None) -> dict[SeriesKey, float]:
        """Summed over partitions; free-text labels folded by `folder` (a fresh local one by default)."""
        folder = folder if folder is not None else LabelFolder(self.settings.label_limit)
        out: dict[SeriesKey, float] = {}
        for proc in self.engine.exposed:
            summed = merge(fill_buckets(s.read()) for _, s in sorted(proc.sums.items()))
            for (name, labels), value in sorted(summed.items()):
                key = (name, fold_labels(labels, folder))
                out[key] = out.get(key, 0.0) + export_value(name, value, proc.domain.scales)
        return out

    def series(self, folder: LabelFolder | None = None) -> dict[str, float]:
        """Flat `name{labels}` -> value, labels sorted: the report --json format."""
        return {flat_name(k): v for k, v in sorted(self.raw_series(folder).items())}
