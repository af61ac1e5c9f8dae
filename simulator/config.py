"""What a simulation run produces (SimConfig) and what it emits (SimRecord)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas.currencies import minor_digits
from schemas.events import FAMILIES as EVENT_FAMILIES

# Each simulated family's share of events. Its order is the order a step's family is
# drawn in, so it is part of every seed's output: do not reorder it.
DEFAULT_MIX = {"subscriptions": 0.25, "payments": 0.25, "tickets": 0.35, "surveys": 0.15}
# The families of the event registry that the simulator generates (those it has a share
# for; usage and costs it has no model of yet), in the registry's order.
FAMILIES = tuple(family for family in EVENT_FAMILIES if family in DEFAULT_MIX)
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
    family: str  # subscriptions|payments|tickets|surveys (the topic family)
    key: bytes  # customer_id, UTF-8
    value: bytes  # the JSON to publish, or invalid bytes when not `valid`
    valid: bool
    defect: str | None = None  # for invalid records, which kind (a key of faults.DEFECTS)
