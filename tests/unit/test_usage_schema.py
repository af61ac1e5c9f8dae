"""The product.used model (CONTRACT v1.1 section 3): every rejection has a section-4 reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.decode import MAX_DETAIL, Decoder, Rejection
from schemas.events import UsageEvent

EXAMPLE = Path(__file__).parents[2] / "schemas" / "examples" / "product.used.json"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def usage(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    record.update(changes)
    return {k: v for k, v in record.items() if v is not ...}


def decode(record: dict[str, Any] | bytes, family: str = "usage") -> UsageEvent | Rejection:
    raw = record if isinstance(record, bytes) else orjson.dumps(record)
    return Decoder(family, frozenset({"USD"})).decode(raw, NOW)  # type: ignore[return-value]


def rejected(record: dict[str, Any] | bytes, reason: str, family: str = "usage") -> str:
    result = decode(record, family)
    assert isinstance(result, Rejection), result
    assert result.reason == reason, result
    assert 0 < len(result.detail) <= MAX_DETAIL
    return result.detail


def test_example_round_trip() -> None:
    event = decode(usage())
    assert isinstance(event, UsageEvent)
    assert (event.user_id, event.feature, event.count) == ("usr_5521", "reports.export_csv", 3)


def test_count_defaults_to_one() -> None:
    event = decode(usage(count=...))
    assert isinstance(event, UsageEvent) and event.count == 1


def test_bounds_are_inclusive() -> None:
    event = decode(usage(user_id="u" * 128, feature="f" * 128, count=1))
    assert isinstance(event, UsageEvent)


@pytest.mark.parametrize("field", ["user_id", "feature"])
def test_missing_field(field: str) -> None:
    assert rejected(usage(**{field: ...}), "schema_violation") == f"{field}: Field required"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("user_id", "", "String should have at least 1 character"),
        ("user_id", "u" * 129, "String should have at most 128 characters"),
        ("feature", "", "String should have at least 1 character"),
        ("feature", "f" * 129, "String should have at most 128 characters"),
        ("count", 0, "Input should be greater than or equal to 1"),
        ("count", -2, "Input should be greater than or equal to 1"),
        ("count", "3", "Input should be a valid integer"),
        ("count", 1.0, "Input should be a valid integer"),
        ("count", True, "Input should be a valid integer"),
        ("count", None, "Input should be a valid integer"),
        ("user_id", 5521, "Input should be a valid string"),
        ("feature", ["export"], "Input should be a valid string"),
    ],
)
def test_out_of_range_or_wrong_type_is_a_schema_violation(field: str, value: object, message: str) -> None:
    assert rejected(usage(**{field: value}), "schema_violation") == f"{field}: {message}"


def test_unknown_usage_type() -> None:
    assert "is not one of" in rejected(usage(type="product.viewed"), "unknown_type")


def test_usage_on_another_topic_is_unknown_type() -> None:
    detail = rejected(usage(), "unknown_type", "payments")
    assert detail == "type: product.used belongs to the usage topic, not payments"


def test_malformed_and_future() -> None:
    rejected(b'{"type": "product.used", "user_id": ', "malformed_json")
    ahead = (NOW + timedelta(hours=1)).isoformat()
    rejected(usage(occurred_at=ahead), "future_timestamp")
