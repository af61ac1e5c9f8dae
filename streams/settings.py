"""One frozen settings object, read from `CSPULSE_*` variables (or a passed mapping)."""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationInfo, create_model, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from schemas.events import FAMILIES, default_topic
from streams.metrics.aggregate import DEFAULT_WINDOWS
from streams.metrics.business_hours import parse_calendar
from streams.metrics.subscriptions import COUNTED_STATUSES, STATUSES
from streams.metrics.tickets import DEFAULT_TARGETS
from streams.settings_health import HealthSettings
from streams.settings_parsing import parse_duration, split

__all__ = ["Settings", "load_settings", "parse_duration"]

# One `topic_<family>` setting (CSPULSE_TOPIC_<FAMILY>) per family of the registry.
_FamilyTopics: Any = create_model(
    "_FamilyTopics",
    __base__=BaseSettings,
    **{f"topic_{family}": (str, default_topic(family)) for family in FAMILIES},  # type: ignore[call-overload]
)


class Settings(_FamilyTopics, HealthSettings):  # type: ignore[misc]
    """Every knob of a cspulse worker; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="CSPULSE_", frozen=True, extra="ignore")

    app_id: str = "cspulse"
    broker: str = "kafka://127.0.0.1:9092"
    # Kafka security, for every client (worker, CLI, simulator, benchmarks); the protocol
    # is checked last, against the credentials above it.
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    kafka_ssl_cafile: str = ""
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", validate_default=True
    )
    partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    topic_deadletter: str = "cs.deadletter"
    store: str = "memory://"
    data_dir: str = ".stack/worker"
    web_bind: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=1, le=65535)
    # TLS and basic auth of /metrics and the wallboard, in Prometheus' web.config.file format
    web_config_file: str = ""
    reporting_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    fx_rates: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {"EUR": "1.08", "GBP": "1.27", "JPY": "0.0067", "CAD": "0.73"}
    )
    windows: Annotated[dict[str, int], NoDecode] = Field(default_factory=lambda: dict(DEFAULT_WINDOWS))
    dedupe_horizon: Annotated[int, NoDecode] = 7 * 86400
    max_clock_skew: Annotated[int, NoDecode] = 300
    counted_statuses: Annotated[frozenset[str], NoDecode] = COUNTED_STATUSES
    frt_targets: Annotated[dict[str, int], NoDecode] = Field(default_factory=lambda: dict(DEFAULT_TARGETS))
    business_hours: str = ""
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    session_timeout: Annotated[int, NoDecode] = 30
    commit_interval: float = Field(default=2.8, gt=0)
    batch_size: int = Field(default=2000, ge=1)
    batch_within: float = Field(default=0.2, gt=0)
    faust_sensor: bool = True
    label_limit: int = Field(default=50, ge=1)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Wallboard (`cspulse wallboard`): aggregates from Prometheus, lists from Redis.
    prometheus_url: str = "http://127.0.0.1:9090"
    wallboard_bind: str = "127.0.0.1"
    wallboard_port: int = Field(default=6070, ge=1, le=65535)
    wallboard_refresh: float = Field(default=5.0, gt=0)
    wallboard_stale_after: Annotated[int, NoDecode] = 300

    @field_validator("fx_rates", mode="before")
    @classmethod
    def _fx(cls, value: Any) -> dict[str, str]:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise ValueError(f'fx_rates must be a JSON object like {{"EUR": "1.08"}}: {exc}') from None
        if not isinstance(value, Mapping):
            raise ValueError('fx_rates must be a JSON object like {"EUR": "1.08"}')
        out = {}
        for code, rate in value.items():
            if not re.fullmatch(r"[A-Z]{3}", str(code)):
                raise ValueError(f"fx_rates: {code!r} is not an ISO 4217 code")
            try:
                dec = Decimal(str(rate))
            except InvalidOperation:
                raise ValueError(f"fx_rates[{code}]: {rate!r} is not a number") from None
            if not dec.is_finite() or dec <= 0:
                raise ValueError(f"fx_rates[{code}]: rate must be positive, got {rate!r}")
            out[str(code)] = str(rate)
        return out

    @field_validator("business_hours")
    @classmethod
    def _calendar(cls, value: str) -> str:
        if value.strip():
            try:
                parse_calendar(value)
            except Exception as exc:  # any way a calendar fails to parse is a configuration error
                detail = f"{type(exc).__name__}: {exc}"
                raise ValueError(f"business_hours: not a valid calendar ({detail}); see the README") from None
        return value

    @field_validator("windows", mode="before")
    @classmethod
    def _windows(cls, value: Any) -> dict[str, int]:
        names = split(value) if isinstance(value, str | list | tuple) else list(value)
        out = {name: parse_duration(name) for name in names}
        if not out or min(out.values()) < 24:
            raise ValueError("windows: give at least one window of 24s or more, e.g. 1h,24h")
        return out

    @field_validator(
        "dedupe_horizon", "max_clock_skew", "session_timeout", "wallboard_stale_after", mode="before"
    )
    @classmethod
    def _duration(cls, value: Any) -> int:
        return parse_duration(value)

    @field_validator("counted_statuses", mode="before")
    @classmethod
    def _statuses(cls, value: Any) -> frozenset[str]:
        out = frozenset(split(value))
        if not out <= STATUSES:
            raise ValueError(f"counted_statuses: unknown {sorted(out - STATUSES)}; use {sorted(STATUSES)}")
        return out

    @field_validator("frt_targets", mode="before")
    @classmethod
    def _targets(cls, value: Any) -> dict[str, int]:
        if isinstance(value, str):
            pairs = [p.split("=", 1) for p in split(value)]
            if any(len(p) != 2 for p in pairs):
                raise ValueError("frt_targets: use priority=duration pairs, e.g. urgent=1h,high=4h")
            value = {k.strip(): v.strip() for k, v in pairs}
        out = {k: parse_duration(v) for k, v in dict(value).items()}
        missing = DEFAULT_TARGETS.keys() - out.keys()
        if missing:
            raise ValueError(f"frt_targets: missing priorities {sorted(missing)}")
        return out

    @field_validator("prometheus_url")
    @classmethod
    def _prometheus(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("prometheus_url must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: SecretStr) -> SecretStr:
        # the URL may carry a password: never echo it back
        if not value.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("redis_url must start with redis://, rediss:// or unix://")
        return value

    @field_validator("kafka_ssl_cafile")
    @classmethod
    def _cafile(cls, value: str) -> str:
        if value:
            try:
                ssl.create_default_context(cafile=value)
            except (OSError, ssl.SSLError) as exc:
                reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
                raise ValueError(f"not a readable PEM file of CA certificates ({reason})") from None
        return value

    @field_validator("kafka_security_protocol", mode="before")
    @classmethod
    def _protocol(cls, value: Any, info: ValidationInfo) -> Any:
        value = value.upper() if isinstance(value, str) else value
        if isinstance(value, str) and value.startswith("SASL_"):
            password = info.data.get("kafka_sasl_password")
            if not info.data.get("kafka_sasl_username") or not (password and password.get_secret_value()):
                raise ValueError(
                    f"{value} needs CSPULSE_KAFKA_SASL_USERNAME and CSPULSE_KAFKA_SASL_PASSWORD"
                )
        return value

    @field_validator("web_config_file")
    @classmethod
    def _web_config(cls, value: str) -> str:
        if value:
            from streams.webconfig import load_web_config  # only when used: it loads aiohttp

            load_web_config(value)  # a ValueError saying what is wrong with the file
        return value

    @field_validator("broker")
    @classmethod
    def _broker(cls, value: str) -> str:
        if "://" not in value:
            value = f"kafka://{value}"
        return value

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        if not value.startswith(("memory://", "rocksdb://")):
            raise ValueError("store must be memory:// or rocksdb://")
        return value

    @property
    def bootstrap(self) -> str:
        """host:port list for plain Kafka clients."""
        return ",".join(part.split("://", 1)[-1] for part in self.broker.split(";"))

    @property
    def family_topics(self) -> dict[str, str]:
        return {family: getattr(self, f"topic_{family}") for family in FAMILIES}

    def rekey_topic(self, family: str) -> str:
        """Where records keyed by the wrong customer are re-published, correctly keyed."""
        return f"{self.app_id}.{self.family_topics[family]}.rekeyed"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (a mapping of CSPULSE_* names) or from the process environment."""
    if env is None:
        return Settings()
    prefix = "CSPULSE_"
    values = {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}
    return Settings(**values)  # type: ignore[arg-type]  # strings, parsed by validators
