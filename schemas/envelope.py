"""The envelope every event carries and the field types the models share (CONTRACT 2).

Models are strict (no "4999" -> 4999, no 1.0 -> 1, no "yes" -> True); timestamps are the
exception: they are strings in JSON and parsed here, as RFC 3339 with an offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

# pydantic alone also takes epoch numbers, "1700000000", "+0000" offsets and times
# without seconds; RFC 3339 (section 5.6, space separator allowed) is narrower.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
).fullmatch
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RFC3339_MESSAGE = "Input should be an RFC 3339 timestamp with an offset, e.g. 2026-01-31T12:00:00Z"
BEFORE_EPOCH_MESSAGE = "Input should be at or after 1970-01-01T00:00:00Z"

ID_MAX = 128
LABEL_MAX = 200
CURRENCY_PATTERN = r"^[A-Z]{3}$"


def parse_timestamp(value: object) -> datetime | str:
    """`value` as an aware datetime, or the message saying why it is not one.

    Shared by the models and the msgspec decoder (schemas.wire), which parses here too:
    msgspec's own datetimes round fractions past microseconds instead of truncating.
    """
    if isinstance(value, str) and _RFC3339(value):
        try:
            moment = datetime.fromisoformat(value.upper())  # 3.11 rejects "t" and "z"
        except ValueError:  # e.g. month 13; the message would echo the input
            return RFC3339_MESSAGE
        # Out of range before 1970: event-time arithmetic is Unix time.
        return moment if moment >= _EPOCH else BEFORE_EPOCH_MESSAGE
    return RFC3339_MESSAGE


def _rfc3339(value: object) -> object:
    # Parsed here, not by pydantic, so events carry stdlib `timezone` offsets: pydantic's
    # own TzInfo makes every later comparison and .timestamp() several times slower.
    if isinstance(value, datetime):  # models built in Python code
        return value
    moment = parse_timestamp(value)
    if isinstance(moment, str):
        raise PydanticCustomError("rfc3339", moment)
    return moment


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=LABEL_MAX)]
Currency = Annotated[
    str,
    StringConstraints(pattern=CURRENCY_PATTERN),
    Field(description="ISO 4217 alphabetic code, e.g. USD"),
]


class Envelope(BaseModel):
    """Fields every cspulse event carries (contract v1, section 2)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    event_id: Id = Field(description="Unique per event; a repeat is a duplicate.")
    type: str
    occurred_at: Timestamp = Field(description="Event time, RFC 3339 with offset.")
    customer_id: Id = Field(description="The account; also the Kafka message key.")
    schema_version: int = Field(default=1, ge=1)
