"""Bytes off a topic -> a validated event, or the reason it goes to the dead letter.

`Decoder.decode` is the worker's hot path and its only gate: it never raises for any
input, and the checks run in the order of CONTRACT section 4 so that every record
gets exactly one, predictable reason.

One pass in C: msgspec parses and checks a record against the family's tagged union of
Structs (`schemas.wire`); what msgspec cannot say (timestamps, the integer range, the
rules across fields) follows in Python, and the event is the pydantic model of its type,
built from the checked values without validating again. Anything that fails goes the
slow way, which reads the record as plain JSON to find its reason and a detail worded
as the models word it (`schemas.explain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast, get_args

import msgspec
import orjson
from msgspec.structs import asdict

from schemas.events import FAMILIES, FAMILY_OF_PREFIX, Envelope, Event
from schemas.explain import MAX_DETAIL, clip, explain
from schemas.plans import Plan, plans_of
from schemas.wire import family_union

Reason = Literal["malformed_json", "schema_violation", "unknown_type", "unknown_currency", "future_timestamp"]
REASONS: tuple[Reason, ...] = get_args(Reason)

__all__ = ["MAX_DETAIL", "REASONS", "Decoder", "Reason", "Rejection", "family_of"]

# Event type -> the family (topic) that carries it, to explain a misrouted record.
_FAMILY_OF = {kind: family for family, models in FAMILIES.items() for kind in models}

_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number"}

# What msgspec raises on bytes that are no JSON (or too deeply nested to read): bad
# UTF-8 inside a string is a UnicodeDecodeError, and a number beyond a double's range
# (orjson's "malformed") a ValidationError of the untyped decode.
_UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError, TypeError)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: Reason
    detail: str  # short and human-readable, at most MAX_DETAIL chars


@dataclass(frozen=True, slots=True)
class Decoder:
    """Decodes the records of one topic family (a key of FAMILIES)."""

    family: str
    # Accepted currency codes: the FX table including the reporting currency; None = any.
    currencies: frozenset[str] | None
    max_skew_s: float = 300.0
    _models: dict[str, type[Envelope]] = field(init=False, repr=False, compare=False)
    _kinds: dict[str, Plan] = field(init=False, repr=False, compare=False)
    _plans: dict[type, Plan] = field(init=False, repr=False, compare=False)  # by Struct
    _json: msgspec.json.Decoder[Any] = field(init=False, repr=False, compare=False)
    _skew: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}, expected one of {list(FAMILIES)}")
        if not self.max_skew_s >= 0:
            raise ValueError(f"max_skew_s must be >= 0, got {self.max_skew_s}")
        object.__setattr__(self, "_models", FAMILIES[self.family])
        kinds = plans_of(self.family)
        object.__setattr__(self, "_kinds", kinds)
        object.__setattr__(self, "_plans", {plan.struct: plan for plan in kinds.values()})
        object.__setattr__(self, "_json", msgspec.json.Decoder(family_union(self.family)))
        object.__setattr__(self, "_skew", timedelta(seconds=self.max_skew_s))

    def decode(self, raw: bytes | None, now: datetime) -> Event | Rejection:
        """The event in `raw`, or why it is rejected. `now` is the worker's aware clock."""
        if now.tzinfo is None:  # a caller bug: fail on every record, not just valid ones
            raise ValueError("now must be timezone-aware")
        if raw is None:  # a tombstone: no value at all
            return Rejection("malformed_json", "record has no value")
        try:
            struct = self._json.decode(raw)
        except _UNREADABLE:
            struct = None
        plan = self._plans.get(type(struct))
        # msgspec skips unknown fields without reading their bytes as UTF-8
        if plan is not None and ((type(raw) is bytes and raw.isascii()) or _utf8(raw)):
            event = plan.event(struct)
            if event is None:  # msgspec's checks passed, a rule it cannot state did not
                return Rejection("schema_violation", explain(asdict(struct), plan) or _mismatch(plan.kind))
        else:
            outcome = self._slow(raw)
            if isinstance(outcome, Rejection):
                return outcome
            event = outcome
        event = cast(Event, event)
        if self.currencies is not None:
            # not getattr: a miss (most families carry no currency) runs pydantic's slow __getattr__
            currency = event.__dict__.get("currency")
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

    def _slow(self, raw: bytes) -> Event | Rejection:
        """The reason a record failed the fast path, from its plain JSON (orjson's rules).

        An event only where the fast path is stricter than the contract: a repeated key
        (the last one counts, as in a dict).
        """
        try:
            obj = msgspec.json.decode(raw)
        except msgspec.ValidationError:  # a number beyond a double
            return Rejection("malformed_json", "JSON is malformed: number out of range")
        except RecursionError:
            return Rejection("malformed_json", "JSON is malformed: nested too deeply")
        except UnicodeDecodeError:
            return Rejection("malformed_json", "JSON is malformed: not valid UTF-8")
        except (msgspec.DecodeError, TypeError) as exc:
            return Rejection("malformed_json", clip(str(exc)))
        if type(obj) is not dict:
            what = "null" if obj is None else _JSON_KINDS.get(type(obj), "a boolean")
            return Rejection("schema_violation", f"expected a JSON object, got {what}")

        kind = obj.get("type")
        if not isinstance(kind, str):
            problem = "Field required" if "type" not in obj else "Input should be a valid string"
            return Rejection("schema_violation", f"type: {problem}")
        plan = self._kinds.get(kind)
        if plan is None:
            return Rejection("unknown_type", self._unknown_type(kind))
        detail = explain(obj, plan)
        if detail is not None:
            return Rejection("schema_violation", detail)
        try:  # nothing wrong with the last value of each key: a key msgspec saw twice
            event = plan.event(msgspec.convert(obj, plan.struct))
        except msgspec.ValidationError:
            event = None
        if event is None:
            return Rejection("schema_violation", _mismatch(kind))
        return cast(Event, event)

    def _unknown_type(self, kind: str) -> str:
        owner = _FAMILY_OF.get(kind)
        if owner is not None:
            return f"type: {kind} belongs to the {owner} topic, not {self.family}"
        expected = ", ".join(self._models)
        return clip(f"type: {clip(kind, 80)!r} is not one of {expected}")


def _mismatch(kind: str) -> str:
    # The Structs and schemas.explain disagree (tests/unit/test_decode_parity.py says
    # they do not): a bug, but a rejection with a reason, never a crash.
    return f"the record does not match the schema of {kind}"


def _utf8(raw: bytes) -> bool:
    try:
        if not raw.isascii():
            raw.decode()
    except (AttributeError, UnicodeDecodeError):  # a str or memoryview: left to the slow path
        return False
    return True


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
