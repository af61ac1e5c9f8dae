"""From a Struct msgspec checked to the event the engine receives, one plan per event type.

A plan finishes what msgspec cannot check (timestamps, the integer range, the rules
across fields) and builds the pydantic model of the type from the checked values the
way `model_construct` does, without validating them a second time (that would cost
what msgspec saves). None means "not valid": `schemas.explain` then says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args, get_origin

from msgspec.structs import asdict, fields

from schemas.envelope import parse_timestamp
from schemas.events import FAMILIES, REQUIRED_ON, SCORE_RANGES, Envelope
from schemas.wire import INT_RANGE, KINDS
from schemas.wire import Envelope as Struct

_new = object.__new__
_set = object.__setattr__


@dataclass(frozen=True, slots=True)
class Plan:
    kind: str
    struct: type[Struct]  # the kind's tagged Struct
    model: type[Envelope]
    skeleton: dict[str, Any]  # every field of the model, in its order; `type` filled in
    names: set[str]  # the skeleton's keys: the fields set, as if every field was sent
    stamps: tuple[str, ...]  # RFC 3339 fields, parsed here
    ints: tuple[str, ...]  # int fields, held to INT_RANGE here
    required: tuple[str, ...]  # fields this type requires though the model defaults them
    scored: bool  # the score's range depends on the survey

    def event(self, struct: Struct) -> Envelope | None:
        """The model of `struct`'s values, or None if they break a rule msgspec left out."""
        values = self.skeleton.copy()
        values.update(asdict(struct))
        low, high = INT_RANGE
        for name in self.ints:
            if not low <= values[name] <= high:
                return None
        for name in self.stamps:
            if values[name] is not None:
                moment = parse_timestamp(values[name])
                if type(moment) is not datetime:
                    return None
                values[name] = moment
        for name in self.required:
            if values[name] is None:
                return None
        if self.scored:
            low, high = SCORE_RANGES[values["survey"]]
            if not low <= values["score"] <= high:
                return None
        event = _new(self.model)
        _set(event, "__dict__", values)
        _set(event, "__pydantic_fields_set__", self.names.copy())
        _set(event, "__pydantic_extra__", None)
        _set(event, "__pydantic_private__", None)
        return event


def plans_of(family: str) -> dict[str, Plan]:
    """event type -> its plan, for the types of `family`."""
    return {kind: _plan(kind, struct, FAMILIES[family][kind]) for kind, struct in KINDS[family].items()}


def _plan(kind: str, struct: type[Struct], model: type[Envelope]) -> Plan:
    info = fields(struct)
    return Plan(
        kind=kind,
        struct=struct,
        model=model,
        skeleton={name: kind if name == "type" else None for name in model.model_fields},
        names=set(model.model_fields),
        stamps=tuple(f.name for f in info if _is_stamp(f.type)),
        ints=tuple(f.name for f in info if _base(f.type) is int),
        required=tuple(name for name, on in REQUIRED_ON.items() if on == kind),
        scored="score" in model.model_fields,
    )


def _base(annotation: Any) -> Any:
    """The plain type under Annotated (int for Annotated[int, Meta(ge=0)])."""
    return get_args(annotation)[0] if get_origin(annotation) is not None else annotation


def _is_stamp(annotation: Any) -> bool:
    """A `wire.Stamp`, or a `wire.Stamp | None`."""
    for candidate in (annotation, *get_args(annotation)):
        meta = getattr(candidate, "__metadata__", ())
        if any((getattr(m, "extra", None) or {}).get("timestamp") for m in meta):
            return True
    return False
