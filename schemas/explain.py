"""Why a record breaks the schema, in the words the pydantic models use (CONTRACT 4 detail).

Only rejected records come here: msgspec stops at the first problem and its messages may
quote the input, so the decoder's detail is worked out from the record's JSON object and
the Struct's declared constraints: the first problem in the models' field order and a
count of the others, e.g. "payment_id: String should have at least 1 character (+2 more)".
tests/unit/test_decode_parity.py checks the texts against pydantic's own.
"""

from __future__ import annotations

import operator
import re
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from msgspec import Meta, structs

from schemas.envelope import parse_timestamp
from schemas.events import REQUIRED_ON, SCORE_RANGES
from schemas.wire import INT_RANGE, Envelope

MAX_DETAIL = 300


def clip(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def explain(record: dict[str, Any], struct: type[Envelope], kind: str) -> str:
    """The first problem of `record` as a `struct` of type `kind`, and how many follow."""
    problems: list[str] = []
    valid: dict[str, Any] = {}  # what a later field's rule may look at (pydantic's info.data)
    for field in _fields(struct):
        name = field.name
        if name in record:
            value = record[name]
            problem = _problem(field.type, value) or _rule(name, value, kind, valid)
        elif field.required:
            problem = "Field required"
        else:  # a default; only the type-dependent requirements look at it
            value = field.default
            problem = _rule(name, value, kind, valid)
        if problem is None:
            valid[name] = value
        else:
            problems.append(f"{name}: {problem}")
    if not problems:  # the Struct and this module disagree: a bug, but never a crash
        return "the record does not match the schema of " + kind
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return clip(problems[0] + more)


@cache
def _fields(struct: type[Envelope]) -> tuple[structs.FieldInfo, ...]:
    return structs.fields(struct)


def _rule(name: str, value: object, kind: str, valid: dict[str, Any]) -> str | None:
    """The rules across fields: type-dependent requirements, per-survey score ranges."""
    if value is None and REQUIRED_ON.get(name) == kind:
        return f"Field required on {kind}"
    if name == "score" and valid.get("survey") in SCORE_RANGES:
        survey = valid["survey"]
        low, high = SCORE_RANGES[survey]
        if not low <= value <= high:  # type: ignore[operator]  # an int by now
            return f"{survey} score must be between {low} and {high}"
    return None


def _problem(annotation: Any, value: object) -> str | None:
    """What is wrong with `value` as an `annotation` of a Struct field, or None."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, meta = get_args(annotation)[:2]
        if meta.extra and meta.extra.get("timestamp"):
            moment = parse_timestamp(value)
            return moment if isinstance(moment, str) else None
        return _problem(base, value) or _constraint(meta, value)
    if origin is Union or origin is UnionType:  # every union of the contract is `X | None`
        if value is None:
            return None
        (inner,) = (arg for arg in get_args(annotation) if arg is not NoneType)
        return _problem(inner, value)
    if origin is Literal:
        allowed = get_args(annotation)
        if type(value) is str and value in allowed:
            return None
        quoted = [f"'{option}'" for option in allowed]
        listed = f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
        return f"Input should be {listed}"
    if annotation is str:
        return None if type(value) is str else "Input should be a valid string"
    if annotation is bool:
        return None if type(value) is bool else "Input should be a valid boolean"
    if annotation is int:
        low, high = INT_RANGE
        good = type(value) is int and low <= value <= high
        return None if good else "Input should be a valid integer"
    return "Input is not valid"  # a field type this module was not taught


def _constraint(meta: Meta, value: Any) -> str | None:
    """The bound of `meta` that a value of the right type breaks, or None."""
    if isinstance(value, str):
        if meta.min_length is not None and len(value) < meta.min_length:
            return f"String should have at least {_characters(meta.min_length)}"
        if meta.max_length is not None and len(value) > meta.max_length:
            return f"String should have at most {_characters(meta.max_length)}"
        if meta.pattern is not None and not re.search(meta.pattern, value):
            shown = meta.pattern.removesuffix(r"\Z") + "$"  # as the models declare it
            return f"String should match pattern '{shown}'"
        return None
    bounds = (
        (meta.gt, "greater than", operator.le),
        (meta.ge, "greater than or equal to", operator.lt),
        (meta.lt, "less than", operator.ge),
        (meta.le, "less than or equal to", operator.gt),
    )
    for bound, words, breaks in bounds:
        if bound is not None and breaks(value, bound):
            return f"Input should be {words} {bound}"
    return None


def _characters(count: int) -> str:
    return f"{count} character{'' if count == 1 else 's'}"
