"""Customer health score and MRR at risk (CONTRACT v1.1 section 6), as pure maths.

A customer's score is a function of its `Inputs` (the facts every family's record
holds about it, see health_inputs.py) and the clock `T` of its partition, nothing else:
recomputing it is idempotent and independent of arrival order and batching.

Exact arithmetic: components are fractions, the score is `floor(sum w_i c_i + 1/2)`.
Event times are whole seconds (rounded down), as in every cspulse window: an input at
second `a` is inside a window `W` at clock `T` when `a > T - W`; a first-response target
at second `d` is missed once `T >= d`. `next_change` is the first clock after `T` at
which any of that flips: the partition's event-time timer for the customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from functools import lru_cache
from math import lcm

from streams.metrics.eventtime import EPOCH, MICROS

COMPONENTS = ("usage", "support", "sentiment", "billing")
BANDS = ("healthy", "at_risk", "critical")
AT_RISK_BANDS = ("at_risk", "critical")

DEFAULT_WEIGHTS = {"usage": "0.35", "support": "0.20", "sentiment": "0.20", "billing": "0.25"}
DEFAULT_BANDS = {"healthy": 70, "at_risk": 40}
DEFAULT_WINDOWS = {"usage": 7 * 86400, "billing": 30 * 86400, "sentiment": 90 * 86400}
DEFAULT_PENALTIES = {"open_ticket": 15, "overdue_ticket": 35, "failed_payment": 40}
DEFAULT_SENTIMENT = {"positive": 100, "neutral": 60, "negative": 0, "none": 60}

#: (lowest score, sentiment) per survey, highest first; CES does not enter the score
_SENTIMENT_OF = {
    "nps": ((9, "positive"), (7, "neutral"), (0, "negative")),
    "csat": ((4, "positive"), (3, "neutral"), (1, "negative")),
}
_SURVEY_NAME = {"nps": "NPS", "csat": "CSAT"}


@dataclass(frozen=True)
class HealthConfig:
    weights: dict[str, Fraction] = field(
        default_factory=lambda: {k: Fraction(v) for k, v in DEFAULT_WEIGHTS.items()}
    )
    bands: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_BANDS))
    windows: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WINDOWS))
    penalties: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PENALTIES))
    sentiment: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SENTIMENT))
    #: features whose first use is the customer's first value (empty: any feature)
    activation: frozenset[str] = frozenset()
    #: MRR (micro minor units) from which an account counts in cs_customers_health_large
    large_mrr: int = 1000 * 100 * 1_000_000
    #: the weights as integers over one denominator, for exact integer scoring
    weight_nums: dict[str, int] = field(init=False, repr=False, compare=False)
    weight_den: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        den = lcm(*(Fraction(w).denominator for w in self.weights.values()))
        object.__setattr__(self, "weight_den", den)
        nums = {name: int(Fraction(w) * den) for name, w in self.weights.items()}
        object.__setattr__(self, "weight_nums", nums)


@dataclass(slots=True)
class Inputs:
    """What the score reads of one customer; times in epoch seconds unless said."""

    mrr: int = 0  # micro minor units of the reporting currency
    seats: int = 0  # quantity over counted subscriptions
    past_due: int = 0  # counted subscriptions past due
    ending: int = 0  # counted subscriptions with cancel_at_period_end
    first_subscription_us: int | None = None  # earliest subscription event, microseconds
    failed: list[int] = field(default_factory=list)  # payment.failed seconds
    open_tickets: int = 0
    awaiting: list[tuple[int, str, int]] = field(default_factory=list)  # (deadline, priority, created)
    latest: dict[str, tuple[int, int]] = field(default_factory=dict)  # survey -> (second, score)
    last_active: list[int] = field(default_factory=list)  # each user's latest activity
    first_value_us: int | None = None  # earliest use of an activation feature, microseconds


@dataclass(frozen=True, slots=True)
class Assessment:
    score: int
    band: str
    mrr: int
    components: dict[str, Fraction]
    reasons: tuple[str, ...]


def band_of(score: int, config: HealthConfig) -> str:
    if score >= config.bands["healthy"]:
        return "healthy"
    return "at_risk" if score >= config.bands["at_risk"] else "critical"


def _usage(inputs: Inputs, clock: int, config: HealthConfig) -> tuple[int, int, str]:
    """(100 x active users capped at 100 x seats, seats, reason): usage = first / second."""
    seats = max(1, inputs.seats)
    floor_ = clock - config.windows["usage"]
    active = sum(1 for at in inputs.last_active if at > floor_)
    reason = f"{active} of {seats} seats active in {_span(config.windows['usage'])}"
    return min(100 * active, 100 * seats), seats, reason


def _support(inputs: Inputs, clock: int, config: HealthConfig) -> tuple[int, list[str]]:
    overdue = sorted(
        (created, priority) for deadline, priority, created in inputs.awaiting if deadline <= clock
    )
    p = config.penalties
    value = max(0, 100 - p["open_ticket"] * inputs.open_tickets - p["overdue_ticket"] * len(overdue))
    reasons = [
        f"{priority} ticket waiting {_span(clock - created)} for a first response"
        for created, priority in overdue
    ]
    if inputs.open_tickets:
        reasons.append(f"{inputs.open_tickets} open ticket{'s' * (inputs.open_tickets != 1)}")
    return value, reasons


def sentiment_source(inputs: Inputs, clock: int, config: HealthConfig) -> tuple[str, int, int] | None:
    """(survey, second, score) of the response the sentiment reads: NPS first, else CSAT."""
    floor_ = clock - config.windows["sentiment"]
    for survey in ("nps", "csat"):
        latest = inputs.latest.get(survey)
        if latest is not None and latest[0] > floor_:
            return survey, latest[0], latest[1]
    return None


def _sentiment(inputs: Inputs, clock: int, config: HealthConfig) -> tuple[int, str]:
    source = sentiment_source(inputs, clock, config)
    if source is None:
        return config.sentiment["none"], f"no NPS or CSAT response in {_span(config.windows['sentiment'])}"
    survey, at, score = source
    kind = next(name for low, name in _SENTIMENT_OF[survey] if score >= low)
    return config.sentiment[kind], f"{_SURVEY_NAME[survey]} {score} on {_date(at)}"


def _billing(inputs: Inputs, clock: int, config: HealthConfig) -> tuple[int, list[str]]:
    floor_ = clock - config.windows["billing"]
    failed = sum(1 for at in inputs.failed if at > floor_)
    reasons = []
    if inputs.past_due:
        reasons.append("subscription past due")
    if inputs.ending:
        reasons.append("subscription cancels at period end")
    if failed:
        reasons.append(f"{failed} failed payment{'s' * (failed != 1)} in {_span(config.windows['billing'])}")
    if inputs.past_due or inputs.ending:
        return 0, reasons
    return max(0, 100 - config.penalties["failed_payment"] * failed), reasons


def assess(inputs: Inputs, clock: int, config: HealthConfig) -> Assessment | None:
    """The customer's score at `clock`; None without MRR (no score)."""
    if inputs.mrr <= 0:
        return None
    usage, seats, usage_reason = _usage(inputs, clock, config)
    support, support_reasons = _support(inputs, clock, config)
    sentiment, sentiment_reason = _sentiment(inputs, clock, config)
    billing, billing_reasons = _billing(inputs, clock, config)
    # each component times `seats` (usage's denominator) and the weights as integers over
    # their common denominator: floor(sum w c + 1/2) in integers, exactly
    scaled = {"usage": usage, "support": support * seats, "sentiment": sentiment * seats}
    scaled["billing"] = billing * seats
    nums, den = config.weight_nums, config.weight_den
    total = sum(nums[name] * value for name, value in scaled.items())
    score = (2 * total + den * seats) // (2 * den * seats)
    explained = {
        "usage": [usage_reason],
        "support": support_reasons,
        "sentiment": [sentiment_reason],
        "billing": billing_reasons,
    }
    # the components that cost the most points first; full marks explain nothing
    full = 100 * seats
    lost = sorted(scaled, key=lambda n: -nums[n] * (full - scaled[n]))
    reasons = tuple(r for name in lost if scaled[name] < full for r in explained[name])
    components = {name: _ratio(value, seats) for name, value in scaled.items()}
    return Assessment(score, band_of(score, config), inputs.mrr, components, reasons)


#: a component as a fraction: 4 per assessment, few distinct (0..100 per seat count), and
#: building one (a gcd, a normalisation) was a quarter of `assess`
_ratio = lru_cache(maxsize=1 << 14)(Fraction)


def next_change(inputs: Inputs, clock: int, config: HealthConfig) -> int | None:
    """The first clock after `clock` at which the score's inputs read differently."""
    if inputs.mrr <= 0:
        return None
    w = config.windows
    moments = [at + w["usage"] for at in inputs.last_active]
    moments += [at + w["billing"] for at in inputs.failed]
    moments += [deadline for deadline, _, _ in inputs.awaiting]
    moments += [at + w["sentiment"] for at, _ in inputs.latest.values()]
    later = [m for m in moments if m > clock]
    return min(later) if later else None


def time_to_value(inputs: Inputs) -> tuple[int, int] | None:
    """(TTV in microseconds, second it counts at: the later of the two), once both are known."""
    start, value = inputs.first_subscription_us, inputs.first_value_us
    if start is None or value is None:
        return None
    return max(0, value - start), max(start, value) // MICROS


def _span(seconds: int) -> str:
    """A duration as people say it: 45m, 3h, 7d."""
    if seconds % 86400 == 0 and seconds >= 86400:
        return f"{seconds // 86400}d"
    if seconds >= 3600:
        return f"{seconds // 3600}h"
    return f"{max(0, seconds) // 60}m"


def _date(second: int) -> str:
    return (EPOCH + timedelta(seconds=second)).date().isoformat()
