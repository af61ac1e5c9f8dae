"""The health score's settings (CSPULSE_HEALTH_*, CSPULSE_ACTIVATION_FEATURES), validated.

Mixed into `Settings`; CONTRACT v1.1 section 6 gives every default.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode

from streams.metrics.health import (
    DEFAULT_BANDS,
    DEFAULT_PENALTIES,
    DEFAULT_SENTIMENT,
    DEFAULT_WEIGHTS,
)
from streams.metrics.health import DEFAULT_WINDOWS as HEALTH_WINDOWS
from streams.settings_parsing import pairs, parse_duration, points, split


class HealthSettings(BaseSettings):
    health_enabled: bool = True
    health_weights: Annotated[dict[str, Decimal], NoDecode] = Field(
        default_factory=lambda: {k: Decimal(v) for k, v in DEFAULT_WEIGHTS.items()}
    )
    health_bands: Annotated[dict[str, int], NoDecode] = Field(default_factory=lambda: dict(DEFAULT_BANDS))
    health_windows: Annotated[dict[str, int], NoDecode] = Field(default_factory=lambda: dict(HEALTH_WINDOWS))
    health_penalties: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_PENALTIES)
    )
    health_sentiment: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_SENTIMENT)
    )
    health_large_account_mrr: Decimal = Field(default=Decimal(1000), ge=0, allow_inf_nan=False)
    activation_features: Annotated[frozenset[str], NoDecode] = frozenset()

    @field_validator("health_weights", mode="before")
    @classmethod
    def _weights(cls, value: Any) -> dict[str, Decimal]:
        out = {}
        for key, text in pairs(value, "health_weights", DEFAULT_WEIGHTS).items():
            try:
                weight = Decimal(text)
            except InvalidOperation:
                raise ValueError(f"health_weights: {key}={text!r} is not a number") from None
            if not weight.is_finite() or weight < 0:
                raise ValueError(f"health_weights: {key}={text!r} must be 0 or more")
            out[key] = weight
        if sum(out.values()) != 1:
            raise ValueError(f"health_weights: weights must sum to 1, got {sum(out.values())}")
        return out

    @field_validator("health_bands", mode="before")
    @classmethod
    def _bands(cls, value: Any) -> dict[str, int]:
        out = points(value, "health_bands", DEFAULT_BANDS)
        if not 0 < out["at_risk"] < out["healthy"]:
            raise ValueError(
                f"health_bands: need 0 < at_risk < healthy, got at_risk={out['at_risk']}, "
                f"healthy={out['healthy']}"
            )
        return out

    @field_validator("health_windows", mode="before")
    @classmethod
    def _health_windows(cls, value: Any) -> dict[str, int]:
        out = {k: parse_duration(v) for k, v in pairs(value, "health_windows", HEALTH_WINDOWS).items()}
        if min(out.values()) < 1:
            raise ValueError("health_windows: every window must be 1s or more")
        return out

    @field_validator("health_penalties", mode="before")
    @classmethod
    def _penalties(cls, value: Any) -> dict[str, int]:
        return points(value, "health_penalties", DEFAULT_PENALTIES, high=None)

    @field_validator("health_sentiment", mode="before")
    @classmethod
    def _sentiment(cls, value: Any) -> dict[str, int]:
        return points(value, "health_sentiment", DEFAULT_SENTIMENT)

    @field_validator("activation_features", mode="before")
    @classmethod
    def _activation(cls, value: Any) -> frozenset[str]:
        return frozenset(split(value))
