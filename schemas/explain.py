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
from collections.abc import Callable
from functools import cache, partial
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from msgspec import Meta, structs

from schemas.envelope import parse_timestamp
from schemas.events import REQUIRED_ON, SCORE_RANGES
from schemas.plans import Plan
from schemas.wire import INT_RANGE, Envelope

MAX_DETAIL = 300


def clip(text: str, limit: int = MAX_DETAIL) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def explain(record: dict[str, Any], plan: Plan) -> str | None:
    """The first problem of `record` as an event of `plan`'s type and how many follow, or
    None if it has none (then msgspec saw a key twice: the dict holds the last value).

    `record` is the JSON object, or the values of a Struct msgspec checked: its defaults
    filled in are valid values, and the type-dependent requirements see None either way.
    """
    kind = plan.kind
    problems: list[str] = []
    valid: dict[str, Any] = {}  # what a later field's rule may look at (pydantic's info.data)
    for name, required, default, check in _fields(plan.struct):
        if name in record:
            value = record[name]
            problem = check(value) or _rule(name, value, kind, valid)
        elif required:
            problem = "Field required"
        else:  # a default; only the type-dependent requirements look at it
            value = default
            problem = _rule(name, value, kind, valid)
        if problem is None:
            valid[name] = value
        else:
            problems.append(f"{name}: {problem}")
    if not problems:
        return None
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return clip(problems[0] + more)


Check = Callable[[Any], "str | None"]  # what is wrong with a value, or None


@cache
def _fields(struct: type[Envelope]) -> tuple[tuple[str, bool, Any, Check], ...]:
    """(name, required, default, check) of each field, the checks compiled once."""
    return tuple((f.name, f.required, f.default, _check(f.type)) for f in structs.fields(struct))


def _rule(name: str, value: Any, kind: str, valid: dict[str, Any]) -> str | None:
    """The rules across fields: type-dependent requirements, per-survey score ranges."""
    if value is None and REQUIRED_ON.get(name) == kind:
        return f"Field required on {kind}"
    if name == "score" and valid.get("survey") in SCORE_RANGES:
        survey = valid["survey"]
        low, high = SCORE_RANGES[survey]
        if not low <= value <= high:  # an int by now
            return f"{survey} score must be between {low} and {high}"
    return None


def _check(annotation: Any) -> Check:
    """The check of a Struct field's `annotation`, worded as the models word it."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, meta = get_args(annotation)[:2]
        if meta.extra and meta.extra.get("timestamp"):
            return _timestamp
        return partial(_checked, _check(base), _constraints(meta))
    if origin is Union or origin is UnionType:  # every union of the contract is `X | None`
        (inner,) = (arg for arg in get_args(annotation) if arg is not NoneType)
        present = _check(inner)
        return lambda value: None if value is None else present(value)
    if origin is Literal:
        allowed = get_args(annotation)
        quoted = [f"'{option}'" for option in allowed]
        listed = f"{', '.join(quoted[:-1])} or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
        return lambda value: None if type(value) is str and value in allowed else f"Input should be {listed}"
    if annotation is str:
        return lambda value: None if type(value) is str else "Input should be a valid string"
    if annotation is bool:
        return lambda value: None if type(value) is bool else "Input should be a valid boolean"
    if annotation is int:
        low, high = INT_RANGE
        return lambda value: (
            None if type(value) is int and low <= value <= high else "Input should be a valid integer"
        )
    return lambda value: "Input is not valid"  # a field type this module was not taught


def _timestamp(value: Any) -> str | None:
    moment = parse_timestamp(value)
    return moment if isinstance(moment, str) else None


def _checked(typed: Check, bounds: tuple[Check, ...], value: Any) -> str | None:
    """The type's problem with `value`, else the first bound it breaks."""
    problem = typed(value)
    for bound in bounds:
        if problem is not None:
            break
        problem = bound(value)
    return problem


def _constraints(meta: Meta) -> tuple[Check, ...]:
    """The checks of `meta`'s bounds, on a value already of the right type."""
    checks: list[Check] = []
    if meta.min_length is not None:
        shortest, short = meta.min_length, f"String should have at least {_characters(meta.min_length)}"
        checks.append(lambda value: short if len(value) < shortest else None)
    if meta.max_length is not None:
        longest, long = meta.max_length, f"String should have at most {_characters(meta.max_length)}"
        checks.append(lambda value: long if len(value) > longest else None)
    if meta.pattern is not None:
        search = re.compile(meta.pattern).search
        shown = meta.pattern.removesuffix(r"\Z") + "$"  # as the models declare it
        checks.append(lambda value: None if search(value) else f"String should match pattern '{shown}'")
    bounds = (
        (meta.gt, "greater than", operator.le),
        (meta.ge, "greater than or equal to", operator.lt),
        (meta.lt, "less than", operator.ge),
        (meta.le, "less than or equal to", operator.gt),
    )
    for bound, words, breaks in bounds:
        if bound is not None:
            checks.append(partial(_bound, bound, breaks, f"Input should be {words} {bound}"))
    return tuple(checks)


def _bound(bound: float, breaks: Callable[[float, float], bool], message: str, value: float) -> str | None:
    return message if breaks(value, bound) else None


def _characters(count: int) -> str:
    return f"{count} character{'' if count == 1 else 's'}"
