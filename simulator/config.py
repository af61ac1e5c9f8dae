"""What a simulation run produces (SimConfig) and what it emits (SimRecord)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas.currencies import minor_digits
from schemas.events import FAMILIES as EVENT_FAMILIES

# Each simulated family's share of events. Its order is the order a step's family is
# drawn in, so it is part of every seed's output: do not reorder it (append new ones).
# Product usage is the busiest stream; real products send far more (100x billing is
# common: `--mix` gives that), but then a burst of a given size holds little else.
_SHARES = {
    "subscriptions": 0.12, "payments": 0.12, "tickets": 0.18, "surveys": 0.08,
    "usage": 0.40, "costs": 0.03, "growth": 0.07,
}  # fmt: skip
# The shares of the families the event registry has (all of them once it has growth).
DEFAULT_MIX = {family: share for family, share in _SHARES.items() if family in EVENT_FAMILIES}
# The families of the event registry that the simulator generates, in the registry's order.
FAMILIES = tuple(family for family in EVENT_FAMILIES if family in DEFAULT_MIX)
# Usage on Saturdays and Sundays (UTC), relative to weekdays: the generator draws usage
# less often then, and as much more often on weekdays, so a whole week keeps the mix.
WEEKEND_USAGE = 0.45
DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SimConfig:
    seed: int = 42
    customers: int = 1000  # size of the customer population
    start: datetime = DEFAULT_START  # aware; event time of the first event
    mean_gap_s: float = 1.0  # mean event-time gap between consecutive events
    churn_rate: float = 0.02  # chance per lifecycle step of an active subscription
    expansion_rate: float = 0.05
    contraction_rate: float = 0.03
    trial_share: float = 0.3  # share of sign-ups that start trialing
    reactivation_rate: float = 0.1  # chance per lifecycle step that a churned customer returns
    currencies: tuple[str, ...] = ("USD", "EUR", "GBP")
    mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    out_of_order: float = 0.0  # share of events emitted late, by up to `late_by_s`
    late_by_s: float = 3600.0
    duplicates: float = 0.0  # share of events emitted twice (same bytes)
    bad_records: float = 0.0  # share of emitted records that are invalid

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")
        if self.customers < 1:
            raise ValueError(f"customers must be >= 1, got {self.customers}")
        if not self.mean_gap_s > 0 or not self.late_by_s >= 0:
            raise ValueError("mean_gap_s must be > 0 and late_by_s >= 0")
        for name in (
            "churn_rate", "expansion_rate", "contraction_rate", "trial_share",
            "reactivation_rate", "out_of_order", "duplicates",
        ):  # fmt: skip
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.churn_rate + self.expansion_rate + self.contraction_rate > 0.9:
            raise ValueError("churn_rate + expansion_rate + contraction_rate must be <= 0.9")
        if not 0 <= self.bad_records < 1:
            raise ValueError(f"bad_records must be in [0, 1), got {self.bad_records}")
        if not self.currencies:
            raise ValueError("currencies must not be empty")
        for code in self.currencies:
            try:
                minor_digits(code)
            except KeyError as exc:
                raise ValueError(f"currencies: {exc.args[0]}") from None
        unknown = set(self.mix) - set(FAMILIES)
        if unknown:
            raise ValueError(f"mix has unknown families {sorted(unknown)}, expected {FAMILIES}")
        if any(not w >= 0 for w in self.mix.values()) or not sum(self.mix.values()) > 0:
            raise ValueError("mix weights must be >= 0 with a positive sum")


@dataclass(frozen=True, slots=True)
class SimRecord:
    family: str  # the topic family (a key of FAMILIES)
    key: bytes  # customer_id, UTF-8
    value: bytes  # the JSON to publish, or invalid bytes when not `valid`
    valid: bool
    defect: str | None = None  # for invalid records, which kind (a key of faults.DEFECTS)
