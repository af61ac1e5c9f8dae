"""Event models, the decoder's rejection rules (CONTRACT section 4) and ISO 4217 digits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.currencies import MINOR_DIGITS, NO_MINOR_UNIT, WITHDRAWN_MINOR_DIGITS, minor_digits
from schemas.decode import MAX_DETAIL, REASONS, Decoder, Rejection
from schemas.events import (
    FAMILIES,
    SCORE_RANGES,
    PaymentEvent,
    SubscriptionEvent,
    SurveyEvent,
    TicketEvent,
)

EXAMPLES = Path(__file__).parents[2] / "schemas" / "examples"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FX = frozenset({"USD", "EUR", "GBP", "JPY"})
FAMILY_OF = {kind: family for family, models in FAMILIES.items() for kind in models}


def example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def decode(record: dict[str, Any] | bytes, family: str = "payments") -> Any:
    """Decode on the record's own topic when its type has one, else on `family`'s."""
    if isinstance(record, bytes):
        raw = record
    else:
        raw = orjson.dumps(record)
        family = FAMILY_OF.get(record.get("type"), family)  # type: ignore[arg-type]
    return Decoder(family, FX).decode(raw, NOW)


def rejected(record: dict[str, Any] | bytes, reason: str, family: str = "payments") -> str:
    result = decode(record, family)
    assert isinstance(result, Rejection), result
    assert result.reason == reason, result
    assert 0 < len(result.detail) <= MAX_DETAIL
    return result.detail


def payment(**changes: Any) -> dict[str, Any]:
    record = example("payment.succeeded")
    record.update(changes)
    return {k: v for k, v in record.items() if v is not ...}


# --- the bad records of the brief, one reason each -------------------------------


def test_malformed_json() -> None:
    rejected(b'{"event_id": "e1", "type": ', "malformed_json")
    rejected(b"\xff\xfe{}", "malformed_json")  # not UTF-8
    rejected(b"", "malformed_json")


def test_tombstone_value_is_malformed_not_a_crash() -> None:
    result = Decoder("payments", FX).decode(None, NOW)  # type: ignore[arg-type]
    assert isinstance(result, Rejection) and result.reason == "malformed_json"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"[]", "an array"),
        (b"42", "a number"),
        (b'"x"', "a string"),
        (b"null", "null"),
        (b"true", "a boolean"),
    ],
)
def test_json_that_is_not_an_object(raw: bytes, kind: str) -> None:
    assert rejected(raw, "schema_violation") == f"expected a JSON object, got {kind}"


def test_missing_field() -> None:
    assert rejected(payment(payment_id=...), "schema_violation") == "payment_id: Field required"


@pytest.mark.parametrize(
    ("survey", "score"),
    [("nps", 11), ("nps", -1), ("csat", 0), ("csat", 6), ("ces", 8), ("ces", 0)],
)
def test_survey_score_out_of_range(survey: str, score: int) -> None:
    record = {**example("survey.responded"), "survey": survey, "score": score}
    detail = rejected(record, "schema_violation")
    assert detail.startswith(f"score: {survey} score must be between")


@pytest.mark.parametrize("survey", sorted(SCORE_RANGES))
def test_survey_score_bounds_are_inclusive(survey: str) -> None:
    for score in SCORE_RANGES[survey]:
        assert isinstance(
            decode({**example("survey.responded"), "survey": survey, "score": score}), SurveyEvent
        )


def test_negative_amount() -> None:
    detail = rejected(payment(amount_minor=-1), "schema_violation")
    assert detail == "amount_minor: Input should be greater than 0"
    subscription = {**example("subscription.updated"), "amount_minor": -4900}
    assert rejected(subscription, "schema_violation") == (
        "amount_minor: Input should be greater than or equal to 0"
    )


def test_unknown_currency() -> None:
    detail = rejected(payment(currency="CHF"), "unknown_currency")
    assert "CHF" in detail


def test_unknown_type() -> None:
    assert "is not one of" in rejected(payment(type="payment.disputed"), "unknown_type")


def test_type_of_another_topic_is_unknown_type_naming_its_topic() -> None:
    detail = rejected(orjson.dumps(example("ticket.created")), "unknown_type", "payments")
    assert detail == "type: ticket.created belongs to the tickets topic, not payments"


def test_timestamp_a_day_in_the_future() -> None:
    ahead = (NOW + timedelta(days=1)).isoformat()
    assert rejected(payment(occurred_at=ahead), "future_timestamp").startswith("occurred_at:")


def test_clock_skew_within_the_allowance_is_accepted() -> None:
    ahead = (NOW + timedelta(seconds=299)).isoformat()
    assert isinstance(decode(payment(occurred_at=ahead)), PaymentEvent)
    strict = Decoder("payments", FX, max_skew_s=0)
    assert isinstance(strict.decode(orjson.dumps(payment(occurred_at=NOW.isoformat())), NOW), PaymentEvent)


@pytest.mark.parametrize(
    "stamp",
    [
        "yesterday",
        "2026-02-30T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-03-01T25:00:00Z",
        "2026-03-01",
        "2026-03-01T10:00Z",
        "2026-03-01T10:00:00+0100",
        "1775000000",
        1775000000,
        1775000000.5,
        None,
        "",
    ],
)
def test_unparseable_timestamp(stamp: object) -> None:
    detail = rejected(payment(occurred_at=stamp), "schema_violation")
    assert detail.startswith("occurred_at:")


def test_naive_timestamp() -> None:
    detail = rejected(payment(occurred_at="2026-03-01T10:00:00"), "schema_violation")
    assert detail.startswith("occurred_at:")


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, tzinfo=UTC)),
        ("2026-03-01t10:00:00.5z", datetime(2026, 3, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-03-01 10:00:00+05:30", datetime(2026, 3, 1, 4, 30, tzinfo=UTC)),
        ("2026-03-01T10:00:00.123456789-08:00", datetime(2026, 3, 1, 18, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_rfc3339_forms_are_accepted(stamp: str, expected: datetime) -> None:
    event = decode(payment(occurred_at=stamp))
    assert isinstance(event, PaymentEvent)
    assert event.occurred_at == expected
    assert isinstance(event.occurred_at.tzinfo, timezone)  # stdlib offsets, not pydantic's


def test_empty_event_id() -> None:
    assert rejected(payment(event_id=""), "schema_violation").startswith("event_id:")


def test_customer_id_longer_than_128_chars() -> None:
    assert isinstance(decode(payment(customer_id="c" * 128)), PaymentEvent)
    assert rejected(payment(customer_id="c" * 129), "schema_violation").startswith("customer_id:")


# --- more schema rules ----------------------------------------------------------


def test_missing_or_non_string_type() -> None:
    assert rejected(payment(type=...), "schema_violation") == "type: Field required"
    assert rejected(payment(type=7), "schema_violation") == ("type: Input should be a valid string")


def test_ticket_created_requires_channel() -> None:
    record = {k: v for k, v in example("ticket.created").items() if k != "channel"}
    assert rejected(record, "schema_violation") == "channel: Field required on ticket.created"
    # ...and only there.
    assert isinstance(decode(example("ticket.resolved")), TicketEvent)


def test_ticket_replied_requires_author() -> None:
    record = {k: v for k, v in example("ticket.replied").items() if k != "author"}
    assert rejected(record, "schema_violation") == "author: Field required on ticket.replied"


def test_ticket_defaults() -> None:
    record = {
        k: v for k, v in example("ticket.created").items() if k not in {"priority", "team", "initiated_by"}
    }
    event = decode(record)
    assert isinstance(event, TicketEvent)
    assert (event.priority, event.team, event.initiated_by, event.public) == (
        "normal",
        "unassigned",
        "customer",
        True,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount_minor", "35280"),
        ("amount_minor", 352.8),
        ("amount_minor", 1e30),
        ("amount_minor", True),
        ("kind", "refund"),
        ("currency", "usd"),
        ("payment_id", 42),
        ("schema_version", 0),
    ],
)
def test_wrong_types_are_not_coerced(field: str, value: object) -> None:
    assert rejected(payment(**{field: value}), "schema_violation").startswith(f"{field}:")


def test_unknown_fields_are_ignored() -> None:
    event = decode(payment(livemode=True, metadata={"crm": "hubspot"}, extra=[1, 2]))
    assert isinstance(event, PaymentEvent)
    assert not hasattr(event, "livemode")
    assert event.model_extra is None


def test_several_errors_report_the_first_and_a_count() -> None:
    detail = rejected(payment(payment_id="", amount_minor=0, kind="x"), "schema_violation")
    assert detail == "payment_id: String should have at least 1 character (+2 more)"


def test_checks_run_in_contract_order() -> None:
    future = (NOW + timedelta(days=1)).isoformat()
    # Schema before currency, currency before the clock.
    rejected(payment(currency="CHF", amount_minor=0), "schema_violation")
    rejected(payment(currency="CHF", occurred_at=future), "unknown_currency")


def test_any_currency_without_an_fx_table() -> None:
    raw = orjson.dumps(payment(currency="CHF"))
    assert isinstance(Decoder("payments", None).decode(raw, NOW), PaymentEvent)


def test_detail_stays_short_for_huge_input() -> None:
    detail = rejected(payment(type="x" * 100_000), "unknown_type")
    assert len(detail) <= MAX_DETAIL


def test_decoder_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown family"):
        Decoder("refunds", None)
    with pytest.raises(ValueError, match="aware"):
        Decoder("payments", None).decode(b"{}", datetime(2026, 1, 1))  # noqa: DTZ001


def test_subscription_example_round_trip() -> None:
    event = decode(example("subscription.updated"))
    assert isinstance(event, SubscriptionEvent)
    assert (event.amount_minor, event.quantity, event.discount_minor) == (4900, 8, 3920)
    assert event.interval_count == 1 and event.schema_version == 1


# --- never raises ---------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(
    sorted({name for models in FAMILIES.values() for m in models.values() for name in m.model_fields})
)
EXAMPLE_KINDS = sorted(FAMILY_OF)


def check(result: object, family: str) -> None:
    if isinstance(result, Rejection):
        assert result.reason in REASONS
        assert 0 < len(result.detail) <= MAX_DETAIL
    else:
        assert getattr(result, "type", None) in FAMILIES[family]


@settings(max_examples=500)
@given(raw=st.binary(), family=st.sampled_from(sorted(FAMILIES)))
def test_decode_never_raises_on_bytes(raw: bytes, family: str) -> None:
    check(Decoder(family, FX).decode(raw, NOW), family)


@st.composite
def mutated_examples(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(EXAMPLE_KINDS))
    record = example(kind)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(field_names | st.sampled_from(sorted(record)))
        if draw(st.booleans()):
            record.pop(name, None)
        else:
            record[name] = draw(json_values)
    raw = json.dumps(record).encode()  # not orjson: it refuses ints beyond 64 bits
    if draw(st.booleans()):  # byte-level damage too
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(max_size=4)) + raw[at + draw(st.integers(0, 4)) :]
    family = draw(st.sampled_from([FAMILY_OF[kind], *sorted(FAMILIES)]))
    return family, raw


@settings(max_examples=1000)
@given(case=mutated_examples())
def test_decode_never_raises_on_mutated_examples(case: tuple[str, bytes]) -> None:
    family, raw = case
    check(Decoder(family, FX).decode(raw, NOW), family)


@given(stamp=st.datetimes(timezones=st.timezones()) | st.datetimes(), fmt=st.booleans())
def test_decode_never_raises_on_any_timestamp(stamp: datetime, fmt: bool) -> None:
    text = stamp.isoformat(sep=" " if fmt else "T")
    check(Decoder("payments", FX).decode(orjson.dumps(payment(occurred_at=text)), NOW), "payments")


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_extreme_offsets(stamp: str) -> None:
    result = decode(payment(occurred_at=stamp))
    assert isinstance(result, Rejection | PaymentEvent)


# --- currencies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("CLP", 0),
        ("ISK", 0),
        ("VND", 0),
        ("BHD", 3),
        ("JOD", 3),
        ("KWD", 3),
        ("OMR", 3),
        ("TND", 3),
        ("IQD", 3),
        ("LYD", 3),
        ("CLF", 4),
        ("UYW", 4),
        ("HUF", 2),
        ("XOF", 0),
        ("BGN", 2),
    ],
)
def test_minor_digits(code: str, digits: int) -> None:
    assert minor_digits(code) == digits


@pytest.mark.parametrize(
    ("code", "message"),
    [("ABC", "unknown currency"), ("usd", "unknown currency"), ("XAU", "no minor unit")],
)
def test_minor_digits_refuses_unknown_codes(code: str, message: str) -> None:
    with pytest.raises(KeyError, match=message):
        minor_digits(code)


def test_currency_tables_are_well_formed() -> None:
    tables = [set(MINOR_DIGITS), set(WITHDRAWN_MINOR_DIGITS), set(NO_MINOR_UNIT)]
    codes = set().union(*tables)
    assert sum(map(len, tables)) == len(codes)  # disjoint
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in codes)
    assert len(MINOR_DIGITS) == 165  # ISO 4217 List One, 2026-02
