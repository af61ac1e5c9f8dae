"""The joined step: health score, MRR at risk and time to value, per partition.

Every topic is keyed by customer_id with the same partition count, so the worker that
owns partition N holds every family's record of its customers. After the families
have applied a batch, `HealthProcessor.update` takes the states they touched, keeps
each family's extract (health_inputs) in the customer's joined record, and reassesses
the customer at the partition clock: the latest occurred_at applied there in any
family. The joined record holds those extracts, the clock of the assessment and what
that assessment contributed (`last`: the next update subtracts it rather than assess
the old extracts again); a rebuild recomputes every contribution from the extracts.
Re-delivery after a crash rewrites the same record, and the sums are the same whatever
the arrival order.

Time without events: a customer's score also changes when the clock passes a moment
that changes an input (health.next_change). Each partition keeps those moments as
event-time timers (timers.py), re-armed from the records after a restart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

import msgspec

from streams.engine.checkpoint import checkpoint_key, dump_sums, read_checkpoints
from streams.engine.messages import Store
from streams.engine.records import CUSTOMER_PREFIX, dumps, loads
from streams.engine.timers import Timers
from streams.metrics.aggregate import PartitionSums
from streams.metrics.base import Sink
from streams.metrics.health import Assessment, HealthConfig, assess, next_change, time_to_value
from streams.metrics.health_inputs import EXTRACTORS, extract, inputs
from streams.metrics.health_series import health_contributions, scored, write_scored

FAMILY = "health"
_pack = msgspec.msgpack.Encoder().encode


@dataclass(slots=True)
class JoinedRecord:
    partition: int
    clock: int  # the partition clock of the last assessment
    parts: dict[str, Any]  # family -> its latest extract
    #: how many times the assessment changed: orders the serving store's writes, so a
    #: worker that lost the partition can never overwrite what its new owner wrote
    version: int = 0
    #: what the last assessment added to the sums and a digest of it (`Last`), so the
    #: next update subtracts it without assessing the old parts again. None in a record
    #: written before it was kept: that update assesses the old parts, as all did before.
    last: Sequence[Any] | None = None

    def dumps(self) -> bytes:
        obj = {"p": self.partition, "c": self.clock, "f": self.parts, "v": self.version}
        if self.last is not None:
            obj["l"] = self.last
        return dumps(obj)

    @classmethod
    def loads(cls, raw: bytes) -> JoinedRecord:
        obj = loads(raw)
        return cls(obj["p"], obj["c"], obj["f"], obj.get("v", 0), obj.get("l"))


class Last:
    """A record's `last`: [band, MRR, score, digest, TTV microseconds, TTV second,
    settings], the first four None/0/0/None without a score, TTV None before it is known.
    The digest tells two assessments apart (score, components and reasons): the account
    is written when it changes, as when the assessments themselves compared unequal.
    `settings` identifies the health settings it was assessed under: after a change of
    settings the old parts are assessed again, as a rebuild of the sums does."""

    NONE: Sequence[Any] = (None, 0, 0, None, None, None, None)

    @staticmethod
    def of(assessment: Assessment | None, ttv: tuple[int, int] | None, settings: int) -> Sequence[Any]:
        head = [None, 0, 0, None] if assessment is None else [*scored(assessment), _digest(assessment)]
        return [*head, *(ttv or (None, None)), settings]

    @staticmethod
    def write(last: Sequence[Any], out: Sink, config: HealthConfig, sign: int = 1) -> None:
        """Write what `last` contributes into `out` (sign -1 takes it back)."""
        band, mrr, score, _, micros, at, _ = last
        numbers = None if band is None else (band, mrr, score)
        write_scored(out, numbers, None if micros is None else (micros, at), config, sign)


def _digest(assessment: Assessment) -> int:
    """A hash of everything an account shows."""
    a = assessment
    parts = (a.score, a.band, str(a.mrr), [(c.numerator, c.denominator) for c in a.components.values()])
    return _hash((*parts, a.reasons))


def settings_id(config: HealthConfig) -> int:
    """A hash of the health settings an assessment depends on."""
    c = config
    fields = [sorted((k, str(v)) for k, v in c.weights.items()), sorted(c.bands.items())]
    fields += [sorted(c.windows.items()), sorted(c.penalties.items()), sorted(c.sentiment.items())]
    return _hash((*fields, sorted(c.activation), str(c.large_mrr)))


def _hash(value: Any) -> int:
    """63 bits of a hash of `value`'s MessagePack, the same in every process."""
    return int.from_bytes(blake2b(_pack(value), digest_size=8).digest(), "big") >> 1


@dataclass(frozen=True, slots=True)
class Account:
    """What the serving store keeps of one customer (None: no score, remove it)."""

    customer_id: str
    partition: int
    clock: int
    assessment: Assessment | None
    version: int = 0


@dataclass(frozen=True)
class _Scales:
    """What the collector and the report read of a processor's "domain"."""

    family: str
    scales: Mapping[str, int]


class HealthProcessor:
    topic = ""  # no topic of its own: it reads the families' states

    def __init__(
        self,
        domains: Mapping[str, Any],
        config: HealthConfig,
        windows: Mapping[str, int],
        scales: Mapping[str, int],
    ) -> None:
        self.domains = {family: domains[family] for family in EXTRACTORS if family in domains}
        self.config = config
        self.windows = dict(windows)
        self.domain = _Scales(FAMILY, dict(scales))
        self.settings_id = settings_id(config)
        self.sums: dict[int, PartitionSums] = {}
        self.timers: dict[int, Timers] = {}

    # -- partitions -------------------------------------------------------------------

    def sums_for(self, partition: int) -> PartitionSums:
        sums = self.sums.get(partition)
        if sums is None:
            sums = self.sums[partition] = PartitionSums(self.windows)
            self.timers[partition] = Timers()
        return sums

    def drop(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.sums.pop(partition, None)
            self.timers.pop(partition, None)

    def recover(self, store: Store, partitions: set[int]) -> tuple[set[int], list[Account]]:
        """The sums of `partitions` from their checkpoints (their timers and accounts
        then come from `rearm`, in the background); those without a checkpoint this
        version can read are rebuilt here: the rebuilt ones and their accounts."""
        found, missing = read_checkpoints(store, partitions, self.windows)
        for partition, sums in found.items():
            self.sums[partition], self.timers[partition] = sums, Timers()
        return missing, self.rebuild(store.records(), missing) if missing else []

    def rearm(self, store: Store, partitions: set[int], keys: Iterable[bytes]) -> list[Account]:
        """Timers and accounts of `keys` in `partitions` (recovered from a checkpoint),
        each read again: a batch may have rewritten it since the keys were listed. A
        moment already passed fires at the next update, which assesses at that clock:
        the same assessment, as nothing changes it between its moments."""
        out = []
        for key in keys:
            raw = store.get(key) if key.startswith(CUSTOMER_PREFIX) else None
            if raw is None:
                continue
            record = JoinedRecord.loads(raw)
            timers = self.timers.get(record.partition)
            if record.partition not in partitions or timers is None:
                continue  # not ours (any more)
            found = self._assess(record)
            timers.set(key, found[1])
            if found[0] is not None or record.version:
                out.append(Account(_customer(key), record.partition, record.clock, found[0], record.version))
        return out

    def rebuild(self, items: Iterable[tuple[bytes, bytes]], partitions: set[int]) -> list[Account]:
        """Recreate sums and timers of `partitions` from joined records; their accounts."""
        self.drop(list(partitions))
        accounts = []
        for key, raw in items:
            if not key.startswith(CUSTOMER_PREFIX):
                continue
            record = JoinedRecord.loads(raw)
            if record.partition not in partitions:
                continue  # a standby or revoked copy: not ours to expose
            sums = self.sums_for(record.partition)
            found = self._assess(record)
            sums.add(health_contributions(found[0], found[2], self.config))
            sums.advance(record.clock)
            self.timers[record.partition].set(key, found[1])
            if found[0] is not None or record.version:  # scored now, or once (a removal)
                accounts.append(
                    Account(_customer(key), record.partition, record.clock, found[0], record.version)
                )
        for sums in self.sums.values():
            sums.expire()
        return accounts

    def assessments(self, items: Iterable[tuple[bytes, bytes]]) -> list[Account]:
        """The current assessment of each joined record (a read: sums are left alone)."""
        out = []
        for key, raw in items:
            record = JoinedRecord.loads(raw)
            found = self._assess(record)[0]
            out.append(Account(_customer(key), record.partition, record.clock, found, record.version))
        return out

    # -- the step ---------------------------------------------------------------------

    def update(
        self, partition: int, touched: Mapping[bytes, Mapping[str, Any]], clock: int, store: Store
    ) -> list[Account]:
        """Take the touched customers' states (key -> family -> state), reassess them and
        the customers whose timers `clock` reached; return the accounts that changed."""
        sums = self.sums_for(partition)
        sums.advance(clock)
        clock = sums.clock
        timers = self.timers[partition]
        due = set(timers.pop_due(clock))
        changed = []
        for key in dict.fromkeys([*touched, *due]):
            raw = store.get(key)
            record = JoinedRecord(partition, clock, {}) if raw is None else JoinedRecord.loads(raw)
            parts = {
                family: extract(family, self.domains[family], state, clock, self.config)
                for family, state in touched.get(key, {}).items()
                if family in self.domains
            }
            if raw is not None and all(record.parts.get(f) == v for f, v in parts.items()) and key not in due:
                continue  # nothing it reads changed and no timer passed: the same assessment
            before = self._last(record)
            record.parts.update(parts)
            record.clock = clock
            after = self._assess(record)
            record.last = Last.of(after[0], after[2], self.settings_id)
            Last.write(before, sums, self.config, -1)
            Last.write(record.last, sums, self.config)
            timers.set(key, after[1])
            if before[3] != record.last[3]:
                record.version += 1
                changed.append(Account(_customer(key), partition, clock, after[0], record.version))
            store.set(key, record.dumps())
        sums.maybe_expire()
        store.checkpoint(checkpoint_key(partition), dump_sums(sums))
        return changed

    def _assess(self, record: JoinedRecord) -> tuple[Assessment | None, int | None, tuple[int, int] | None]:
        """(assessment, next change, time to value) of the record now."""
        facts = inputs(record.parts)
        assessment = assess(facts, record.clock, self.config)
        return assessment, next_change(facts, record.clock, self.config), time_to_value(facts)

    def _last(self, record: JoinedRecord) -> Sequence[Any]:
        """What the record's last assessment added to the sums: as kept, or, for a record
        written before it was kept or under other health settings, its parts assessed
        now (what every update did before, and what a rebuild of the sums adds)."""
        last = record.last
        if last is not None and last[6] == self.settings_id:
            return last
        if not record.parts:  # new: it has contributed nothing
            return Last.NONE
        found = self._assess(record)
        return Last.of(found[0], found[2], self.settings_id)


def joined_clock(processors: Iterable[Any], partition: int) -> int:
    """The partition clock of joined metrics: the latest event applied there in any family."""
    return max((p.sums[partition].clock for p in processors if partition in p.sums), default=0)


def _customer(key: bytes) -> str:
    return key[len(CUSTOMER_PREFIX) :].decode()
