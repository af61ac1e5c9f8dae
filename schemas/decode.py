"""Bytes off a topic -> a validated event, or the reason it goes to the dead letter.

`Decoder.decode` is the worker's hot path and its only gate: it never raises for any
input, and the checks run in the order of CONTRACT section 4 so that every record
gets exactly one, predictable reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, cast, get_args

import orjson
from pydantic import ValidationError

from schemas.events import FAMILIES, FAMILY_OF_PREFIX, Envelope, Event

Reason = Literal["malformed_json", "schema_violation", "unknown_type", "unknown_currency", "future_timestamp"]
REASONS: tuple[Reason, ...] = get_args(Reason)

MAX_DETAIL = 300

# Event type -> the family (topic) that carries it, to explain a misrouted record.
_FAMILY_OF = {kind: family for family, models in FAMILIES.items() for kind in models}

_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number"}


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: Reason
    detail: str  # short and human-readable, at most MAX_DETAIL chars


def _clip(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(exc: ValidationError) -> str:
    """`field: message` of the first error; pydantic messages never echo the input."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    text = f"{where}: {first['msg']}" if where else first["msg"]
    if len(errors) > 1:
        text += f" (+{len(errors) - 1} more)"
    return _clip(text)


@dataclass(frozen=True, slots=True)
class Decoder:
    """Decodes the records of one topic family (a key of FAMILIES)."""

    family: str
    # Accepted currency codes: the FX table including the reporting currency; None = any.
    currencies: frozenset[str] | None
    max_skew_s: float = 300.0
    _models: dict[str, type[Envelope]] = field(init=False, repr=False, compare=False)
    _skew: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}, expected one of {list(FAMILIES)}")
        if not self.max_skew_s >= 0:
            raise ValueError(f"max_skew_s must be >= 0, got {self.max_skew_s}")
        object.__setattr__(self, "_models", FAMILIES[self.family])
        object.__setattr__(self, "_skew", timedelta(seconds=self.max_skew_s))

    def decode(self, raw: bytes | None, now: datetime) -> Event | Rejection:
        """The event in `raw`, or why it is rejected. `now` is the worker's aware clock."""
        if now.tzinfo is None:  # a caller bug: fail on every record, not just valid ones
            raise ValueError("now must be timezone-aware")
        if raw is None:  # a tombstone: no value at all
            return Rejection("malformed_json", "record has no value")
        try:
            obj = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError) as exc:
            return Rejection("malformed_json", _clip(str(exc)))
        if type(obj) is not dict:
            what = "null" if obj is None else _JSON_KINDS.get(type(obj), "a boolean")
            return Rejection("schema_violation", f"expected a JSON object, got {what}")

        kind = obj.get("type")
        if not isinstance(kind, str):
            problem = "Field required" if "type" not in obj else "Input should be a valid string"
            return Rejection("schema_violation", f"type: {problem}")
        model = self._models.get(kind)
        if model is None:
            return Rejection("unknown_type", self._unknown_type(kind))

        try:
            event = cast(Event, model.model_validate(obj))
        except ValidationError as exc:
            return Rejection("schema_violation", _describe(exc))

        if self.currencies is not None:
            currency = getattr(event, "currency", None)
            if currency is not None and currency not in self.currencies:
                return Rejection(
                    "unknown_currency", f"currency: {currency} is not in the configured FX table"
                )
        if event.occurred_at > now + self._skew:
            ahead = (event.occurred_at - now).total_seconds()
            return Rejection(
                "future_timestamp",
                f"occurred_at: {event.occurred_at.isoformat()} is {ahead:.0f}s ahead of the "
                f"worker clock (allowed skew {self.max_skew_s:g}s)",
            )
        return event

    def _unknown_type(self, kind: str) -> str:
        owner = _FAMILY_OF.get(kind)
        if owner is not None:
            return f"type: {kind} belongs to the {owner} topic, not {self.family}"
        expected = ", ".join(self._models)
        return _clip(f"type: {_clip(kind, 80)!r} is not one of {expected}")


def family_of(raw: bytes) -> tuple[str | None, str | None]:
    """(family, customer_id) read leniently from a raw record; None where unknown.

    For tools that route records of a file to their topics (`cspulse produce`, the
    report): the family comes from the type's prefix, so a record of an unknown type
    of a known family still reaches that family's topic (and is dead-lettered there).
    """
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(obj, dict):
        return None, None
    kind, customer = obj.get("type"), obj.get("customer_id")
    family = FAMILY_OF_PREFIX.get(kind.split(".", 1)[0]) if isinstance(kind, str) else None
    return family, customer if isinstance(customer, str) and customer else None
