"""What goes into the engine step (raw messages, a store) and what comes out of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from schemas.events import Envelope


@dataclass(frozen=True, slots=True)
class Message:
    """One consumed Kafka record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class RawMessage(Protocol):
    """What the engine reads of a consumed record (Faust's messages fit as they are)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


@dataclass(frozen=True, slots=True)
class Deadletter:
    message: RawMessage
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Rekey:
    """A valid event that arrived on the wrong partition for its customer."""

    message: RawMessage
    customer_id: str
    partition: int


@dataclass(slots=True)
class BatchResult:
    deadletters: list[Deadletter] = field(default_factory=list)
    rekeys: list[Rekey] = field(default_factory=list)
    applied: list[Envelope] = field(default_factory=list)
    replayed: int = 0  # re-delivered after a restart, already in the record: skipped
    #: the valid events among those: served again (serving writes are idempotent), as
    #: their first serving may have been lost in the crash
    redelivered: list[Envelope] = field(default_factory=list)
    #: customer key -> domain state of every record the batch read, replayed ones too
    #: (what the joined step re-reads; re-extracting an unchanged state is harmless)
    touched: dict[bytes, Any] = field(default_factory=dict)


class Store(Protocol):
    def get(self, key: bytes) -> bytes | None: ...

    def set(self, key: bytes, value: bytes) -> None: ...

    def checkpoint(self, key: bytes, value: bytes) -> None:
        """A write that reaches the changelog only after every `set` before it has."""

    def records(self) -> Iterable[tuple[bytes, bytes]]:
        """Every record of the table (a partition's sums are rebuilt from them)."""
