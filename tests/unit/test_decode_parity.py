"""The msgspec decoder against the pydantic models it replaced on the hot path.

`reference` is the decoder as it was: orjson, then the type's pydantic model. For the
schema examples, every rejection sample of the decoder and dead-letter tests (and many
more: every field of every example set to each value of a bank of awkward ones), the
simulator's records and hypothesis' mutations, both must give the same event (class,
field values and their types, timezone class included) or the same reason, and the
same detail except for malformed JSON (orjson and msgspec word parse errors apart).
The two deliberate differences are pinned at the end.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from random import Random
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.decode import MAX_DETAIL, Decoder, Rejection
from schemas.events import FAMILIES
from schemas.explain import clip
from schemas.wire import KINDS
from simulator import SimConfig, Simulator
from simulator.faults import corrupt
from tests.unit.test_hostile_input import EDGE_TIMES, NASTY_TEXT, hostile
from tests.unit.test_schemas import mutated_examples

EXAMPLES = Path(__file__).parents[2] / "schemas" / "examples"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FX = frozenset({"USD", "EUR", "GBP", "JPY"})
FAMILY_OF = {kind: family for family, models in FAMILIES.items() for kind in models}
MODEL_OF = {kind: model for models in FAMILIES.values() for kind, model in models.items()}


def example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def describe(exc: ValidationError) -> str:
    """The detail the pydantic decoder gave: `field: message` of the first error (+N more)."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    where = ".".join(str(part) for part in errors[0]["loc"])
    text = f"{where}: {errors[0]['msg']}" if where else errors[0]["msg"]
    return clip(text + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""))


def reference(raw: bytes, family: str, fx: frozenset[str] | None = FX) -> Any:
    """Decoder.decode as it was, with orjson and pydantic (CONTRACT 4 order)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return Rejection("malformed_json", "(orjson's words)")
    if type(obj) is not dict:
        what = "null" if obj is None else {list: "an array", str: "a string"}.get(type(obj), "?")
        what = "a number" if type(obj) in (int, float) else "a boolean" if type(obj) is bool else what
        return Rejection("schema_violation", f"expected a JSON object, got {what}")
    kind = obj.get("type")
    if not isinstance(kind, str):
        problem = "Field required" if "type" not in obj else "Input should be a valid string"
        return Rejection("schema_violation", f"type: {problem}")
    if kind not in FAMILIES[family]:
        if kind in FAMILY_OF:
            return Rejection(
                "unknown_type", f"type: {kind} belongs to the {FAMILY_OF[kind]} topic, not {family}"
            )
        expected = ", ".join(FAMILIES[family])
        return Rejection("unknown_type", clip(f"type: {clip(kind, 80)!r} is not one of {expected}"))
    try:
        event = FAMILIES[family][kind].model_validate(obj)
    except ValidationError as exc:
        return Rejection("schema_violation", describe(exc))
    currency = getattr(event, "currency", None)
    if fx is not None and currency is not None and currency not in fx:
        return Rejection("unknown_currency", f"currency: {currency} is not in the configured FX table")
    if event.occurred_at > NOW + timedelta(seconds=300):
        ahead = (event.occurred_at - NOW).total_seconds()
        stamp = event.occurred_at.isoformat()
        return Rejection(
            "future_timestamp",
            f"occurred_at: {stamp} is {ahead:.0f}s ahead of the worker clock (allowed skew 300s)",
        )
    return event


@cache
def decoder(family: str, fx: frozenset[str] | None) -> Decoder:
    return Decoder(family, fx)


def agree(raw: bytes, family: str, fx: frozenset[str] | None = FX) -> Any:
    got, want = decoder(family, fx).decode(raw, NOW), reference(raw, family, fx)
    if isinstance(want, Rejection):
        assert isinstance(got, Rejection), (raw[:300], got, want)
        assert got.reason == want.reason, (raw[:300], got, want)
        assert 0 < len(got.detail) <= MAX_DETAIL
        if want.reason != "malformed_json":
            assert got.detail == want.detail, (raw[:300], got, want)
    else:
        assert type(got) is type(want), (raw[:300], got, want)
        assert repr(list(got.__dict__.items())) == repr(list(want.__dict__.items())), raw[:300]
        assert got == want and got.model_extra is None
        assert got.model_dump(mode="json") == want.model_dump(mode="json")
    return got


# --- the schema examples ----------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(MODEL_OF))
def test_every_example_decodes_alike_on_every_topic(kind: str) -> None:
    raw = (EXAMPLES / f"{kind}.json").read_bytes()
    assert type(agree(raw, FAMILY_OF[kind], None)) is MODEL_OF[kind]
    for family in FAMILIES:
        agree(raw, family)


def test_the_structs_mirror_the_models() -> None:
    """Same fields in the same order (but `type`, the tag), same required ones, same defaults."""
    for family, kinds in KINDS.items():
        for kind, struct in kinds.items():
            assert struct.__struct_config__.tag == kind
            model = FAMILIES[family][kind].model_fields
            fields = msgspec.structs.fields(struct)
            assert [f.name for f in fields] == [name for name in model if name != "type"]
            for f in fields:
                assert f.required == model[f.name].is_required(), (kind, f.name)
                assert f.required or f.default == model[f.name].default, (kind, f.name)


# --- every field of every example, set to each awkward value or left out ---------

# fmt: off
BANK: list[object] = [
    ..., None, "", "x", "x" * 128, "x" * 129, "x" * 200, "x" * 201, "x" * 500, "x" * 501, "x" * 5000,
    "x" * 5001, "é" * 128, "😀" * 129, -1, 0, 1, 2, 3, 5, 6, 7, 8, 10, 11, -(2**63), -(2**63) - 1,
    2**63, 2**64 - 1, 2**64, 2**70, 1.0, 352.8, 1e30, -0.0, True, False, "35280", [], {}, [1], {"a": 1},
    "usd", "USD", "USD\n", "CHF", "\uff35\uff33\uff24", "nps", "csat", "ces", "active", "month", "recurring",
    "ticket.created", "agent", "customer", "chat", "upsell", "cross_sell", "acquisition",
    *EDGE_TIMES, "2026-03-01T10:00:00.123456789-08:00", "2026-03-01t10:00:00.5z",
    "2026-03-01 10:00:00+05:30", "2026-03-01T10:00:00+10:75", "2026-03-01T10:00:00.Z",
    "2026-03-01T10:00Z", "2026-03-01T10:00:00+0100", "1775000000", 1775000000, "2026-11-26T12:04:59Z",
    "2026-11-26T12:05:01Z", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2026-02-29T00:00:00Z",
]
# fmt: on


def _bank_cases() -> list[tuple[str, str]]:
    return [
        (kind, name)
        for kind in sorted(MODEL_OF)
        for name in sorted({*MODEL_OF[kind].model_fields, *example(kind), "zz"})
    ]


@pytest.mark.parametrize(("kind", "name"), _bank_cases())
def test_each_field_set_to_each_awkward_value(kind: str, name: str) -> None:
    for value in BANK:
        record = {k: v for k, v in example(kind).items() if k != name}
        if value is not ...:
            record[name] = value
        agree(json.dumps(record).encode(), FAMILY_OF[kind])


def test_several_problems_at_once() -> None:
    rng = Random(5)
    for _ in range(3000):
        kind = rng.choice(sorted(MODEL_OF))
        record = example(kind)
        for name in rng.sample(sorted({*MODEL_OF[kind].model_fields, *record}), rng.randint(2, 5)):
            value = rng.choice(BANK)
            if value is ...:
                record.pop(name, None)
            else:
                record[name] = value
        agree(json.dumps(record).encode(), rng.choice([FAMILY_OF[kind], FAMILY_OF[kind], "growth"]))


# --- raw bytes: the tests' malformed samples, the simulator, hostile input ---------

# fmt: off
RAW = [
    b'{"event_id": "e1", "type": ', b"\xff\xfe{}", b"", b"[]", b"42", b'"x"', b"null", b"true",
    *NASTY_TEXT, b'{"type": "product.used", "user_id": ', b'\xef\xbb\xbf{"type": "payment.failed"}',
    b'{"a": "\\ud800"}', b'{"a": "\xed\xa0\x80"}', b'{"a": 01}', b'{"a": [1,]}', b'{"a": 1.}',
]
# fmt: on


def _spliced(kind: str, text: bytes) -> bytes:
    """The example with `text` spliced in as the value of an unknown field."""
    return json.dumps(example(kind)).encode()[:-1] + b', "zz": ' + text + b"}"


def test_raw_samples() -> None:
    for raw in RAW:
        for family in FAMILIES:
            agree(raw, family)
    for text in (b'"\\ud800"', b'"\xff"', b'"\xed\xa0\x80"', b'"\\ud83d\\ude00"', b'"a\x01"', b"01",
                 b"[1,]", b"-", b"1.", b"1e308", b"1e-999", b"123456789012345678901234567890",
                 b"[" * 900 + b"]" * 900, b'"\\q"', b"NaN", b"Infinity"):  # fmt: skip
        agree(_spliced("payment.failed", text), "payments")
    escaped = json.dumps(example("payment.failed")).replace('"type"', '"typ\\u0065"').encode()
    agree(escaped, "payments")
    twice = json.dumps(example("payment.failed")).encode()[:-1] + b', "type": "payment.refunded"}'
    assert agree(twice, "payments").type == "payment.refunded"  # the last key counts, as in a dict
    amount = json.dumps(example("payment.failed")).encode()[:-1] + b', "amount_minor": -5}'
    agree(amount, "payments")


def test_simulated_defects() -> None:
    for family in FAMILIES:
        valid = {**example(next(k for k in FAMILY_OF if FAMILY_OF[k] == family))}
        for seed in range(300):
            agree(corrupt(valid, family, f"bad-{seed}", Random(seed))[1], family)


def test_simulated_records() -> None:
    config = SimConfig(seed=3, customers=200, start=datetime(2026, 11, 1, tzinfo=UTC), mean_gap_s=60.0,
                       bad_records=0.2, duplicates=0.1, out_of_order=0.1)  # fmt: skip
    for record in Simulator(config).take(6000):
        agree(record.value, record.family)


@settings(max_examples=1500, deadline=None)
@given(case=mutated_examples())
def test_mutated_examples(case: tuple[str, bytes]) -> None:
    family, raw = case
    agree(raw, family)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), family=st.sampled_from(sorted(FAMILIES)))
def test_hostile_records(data: st.DataObject, family: str) -> None:
    agree(data.draw(hostile(family, data.draw(st.integers(0, 20)))), family)


# --- the deliberate differences ---------------------------------------------------


def test_numbers_beyond_a_double_in_unknown_fields_are_ignored() -> None:
    # msgspec skips the bytes of fields the contract does not name; orjson parsed them
    # and called the record malformed. Unknown fields are ignored (CONTRACT 2).
    raw = _spliced("payment.failed", b"1e999")
    assert reference(raw, "payments").reason == "malformed_json"
    assert Decoder("payments", FX).decode(raw, NOW).type == "payment.failed"  # type: ignore[union-attr]


def test_nesting_deeper_than_python_allows_is_malformed() -> None:
    # orjson reads up to 1024 levels; msgspec stops at Python's recursion limit (1000 less
    # the caller's depth). A contract event is one level deep.
    raw = _spliced("payment.failed", b"[" * 1010 + b"]" * 1010)
    assert not isinstance(reference(raw, "payments"), Rejection)
    result = Decoder("payments", FX).decode(raw, NOW)
    assert isinstance(result, Rejection) and result.reason == "malformed_json"
