"""The engine step for one topic family, free of Faust: decode, route, dedupe, apply.

`FamilyProcessor.process` takes a batch of raw messages of ONE partition and a
key-value store (the Faust table in a worker, a dict offline), and returns what has
to be sent elsewhere (dead letters, re-keyed records). The partition's running
series (`PartitionSums`) are updated in place; `rebuild` recreates them from the
store after a restart or a rebalance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from schemas.decode import Decoder, Rejection
from schemas.events import Envelope
from streams.engine.checkpoint import CHECKPOINT_PREFIX, checkpoint_key, dump_sums, read_checkpoints
from streams.engine.messages import BatchResult, Deadletter, RawMessage, Rekey, Store
from streams.engine.partitioning import partition_for
from streams.engine.records import (
    CUSTOMER_PREFIX,
    OUTCOMES,
    DeadletterRecord,
    Record,
    customer_key,
    deadletter_key,
)
from streams.metrics.aggregate import PartitionSums
from streams.metrics.base import Contributions, Domain, Outcome, slot
from streams.metrics.eventtime import seconds

_INDEX = {outcome: i for i, outcome in enumerate(Outcome)}


class FamilyProcessor:
    """Turns one family's messages into record updates and partition sums."""

    def __init__(
        self,
        domain: Domain[Any, Any],
        decoder: Decoder,
        topic_label: str,
        partitions: int,
        windows: Mapping[str, int],
        dedupe_horizon: int,
        retention: int = 0,
    ) -> None:
        self.domain = domain
        self.decoder = decoder
        self.topic = topic_label
        self.partitions = partitions
        self.windows = dict(windows)
        self.dedupe_horizon = dedupe_horizon
        # exact history (seconds before the clock) the joined metrics read from this
        # family's records, kept even when no window is that wide (health's 30d billing)
        self.retention = retention
        self.sums: dict[int, PartitionSums] = {}
        self._outcome_keys = [slot("cs_events_total", topic=topic_label, outcome=o) for o in OUTCOMES]

    # -- partitions -------------------------------------------------------------------

    def sums_for(self, partition: int) -> PartitionSums:
        sums = self.sums.get(partition)
        if sums is None:
            sums = self.sums[partition] = PartitionSums(self.windows)
        return sums

    def drop(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.sums.pop(partition, None)

    def recover(self, store: Store, partitions: set[int]) -> set[int]:
        """The sums of `partitions` from their checkpoints; those without one this
        version can read are rebuilt from the records. Returns the rebuilt ones."""
        found, missing = read_checkpoints(store, partitions, self.windows)
        self.sums.update(found)
        if missing:
            self.rebuild(store.records(), missing)
        return missing

    def checkpoint(self, partition: int) -> bytes:
        return dump_sums(self.sums_for(partition))

    def rebuild(self, items: Iterable[tuple[bytes, bytes]], partitions: set[int]) -> int:
        """Recreate the sums of `partitions` from stored records; returns records read."""
        fresh = {p: PartitionSums(self.windows) for p in partitions}
        count = 0
        for key, raw in items:
            if key.startswith(CHECKPOINT_PREFIX):
                continue
            if key.startswith(CUSTOMER_PREFIX):
                record = Record.loads(raw, self.domain.load)
                sums = fresh.get(record.partition)
                if sums is None:  # a standby or revoked copy: not ours to expose
                    continue
                sums.add(self.domain.contributions(record.state))
                sums.add(self._count_contributions(record.counts))
                sums.advance(record.clock)
                count += 1
            else:
                dead = DeadletterRecord.loads(raw)
                if dead.partition in fresh:
                    fresh[dead.partition].add(self._deadletter_contributions(dead.reasons))
        for partition, sums in fresh.items():
            sums.expire()
            self.sums[partition] = sums
        return count

    # -- processing -------------------------------------------------------------------

    def process(
        self, partition: int, messages: Iterable[RawMessage], store: Store, now: datetime
    ) -> BatchResult:
        result = BatchResult()
        sums = self.sums_for(partition)
        records: dict[bytes, Record] = {}
        dead: DeadletterRecord | None = None
        replayed = False  # so this partition's records may be ahead of its checkpoint
        for msg in messages:
            decoded = self.decoder.decode(msg.value, now)
            if isinstance(decoded, Rejection):
                if dead is None:
                    dead = self._load_deadletter(store, partition)
                if msg.offset > dead.offsets.get(msg.topic, -1):
                    dead.offsets[msg.topic] = msg.offset
                    dead.reasons[decoded.reason] = dead.reasons.get(decoded.reason, 0) + 1
                    sums.bump(slot("cs_deadletter_total", topic=self.topic, reason=decoded.reason), None, 1)
                    result.deadletters.append(Deadletter(msg, decoded.reason, decoded.detail))
                else:
                    replayed = True
                continue
            owner = partition_for(decoded.customer_id, self.partitions)
            if owner != partition:
                result.rekeys.append(Rekey(msg, decoded.customer_id, owner))
                continue
            key = customer_key(decoded.customer_id)
            record = records.get(key)
            if record is None:
                record = records[key] = self._load_record(store, key, partition)
            if msg.offset <= record.offsets.get(msg.topic, -1):
                result.replayed += 1  # applied before a crash: its effects are in the record
                replayed = True
                result.redelivered.append(decoded)
                continue
            record.offsets[msg.topic] = msg.offset
            if self._apply(record, decoded, sums):
                result.applied.append(decoded)
        for key, record in records.items():
            self._prune(record, sums)
            store.set(key, record.dumps(self.domain.dump))
            result.touched[key] = record.state
        if dead is not None:
            store.set(deadletter_key(partition), dead.dumps())
        sums.maybe_expire()
        if replayed:
            self.rebuild(store.records(), {partition})
        store.checkpoint(checkpoint_key(partition), self.checkpoint(partition))
        return result

    def _apply(self, record: Record, event: Envelope, sums: PartitionSums) -> bool:
        # Every decision here uses the partition clock as of the events before this one
        # (sums.clock advances only after), so it depends on the log, not on batches.
        at = seconds(event.occurred_at)
        first = record.seen.get(event.event_id)
        if first is not None and first >= sums.clock - self.dedupe_horizon:
            outcome = Outcome.DUPLICATE
        else:
            record.seen[event.event_id] = at
            outcome = self.domain.apply_into(record.state, event, self._horizon(sums), sums)
        index = _INDEX[outcome]
        record.counts[index] += 1
        sums.bump(self._outcome_keys[index], None, 1)
        if outcome is not Outcome.APPLIED:
            return False
        if at > record.clock:
            record.clock = at
        sums.advance(at)
        return True

    def _prune(self, record: Record, sums: PartitionSums) -> None:
        # Physical only, at the batch's last clock: `_apply` already ignores ids older
        # than the dedupe horizon and asks the domain against the horizon at each event's
        # own clock, and the clock never goes back, so nothing dropped here could change a
        # later decision.
        cutoff = sums.clock - self.dedupe_horizon
        if any(t < cutoff for t in record.seen.values()):
            record.seen = {k: t for k, t in record.seen.items() if t >= cutoff}
        self.domain.prune(record.state, self._horizon(sums))

    def _horizon(self, sums: PartitionSums) -> int:
        """Oldest event time anything can still read: the windows, or `retention`."""
        horizon = sums.horizon()
        return min(horizon, sums.clock - self.retention) if self.retention else horizon

    def _load_record(self, store: Store, key: bytes, partition: int) -> Record:
        raw = store.get(key)
        if raw is None:
            return Record(partition=partition, state=self.domain.new_state())
        return Record.loads(raw, self.domain.load)

    @staticmethod
    def _load_deadletter(store: Store, partition: int) -> DeadletterRecord:
        raw = store.get(deadletter_key(partition))
        return DeadletterRecord(partition) if raw is None else DeadletterRecord.loads(raw)

    def _count_contributions(self, counts: list[int]) -> Contributions:
        return {(k, None): n for k, n in zip(self._outcome_keys, counts, strict=True) if n}

    def _deadletter_contributions(self, reasons: Mapping[str, int]) -> Contributions:
        return {
            (slot("cs_deadletter_total", topic=self.topic, reason=r), None): n
            for r, n in reasons.items()
            if n
        }
