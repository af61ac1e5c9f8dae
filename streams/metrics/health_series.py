"""The series a customer's health and time to value contribute (CONTRACT v1.1 section 7).

Health gauges are current values (`at is None`), recomputed whole at each assessment:
`cs_customers_health{band}` 1, `cs_mrr_health{band}` the MRR, and one observation of the
score in the gauge histogram `cs_health_score` (buckets 10..100). Time to value is one
observation, all-time and in the window of the later of its two events.
"""

from __future__ import annotations

from streams.metrics.base import Contributions, Delta, Sink, slot
from streams.metrics.health import Assessment, HealthConfig
from streams.metrics.histograms import observe

CUSTOMERS = {band: slot("cs_customers_health", band=band) for band in ("healthy", "at_risk", "critical")}
MRR = {band: slot("cs_mrr_health", band=band) for band in CUSTOMERS}
LARGE = {band: slot("cs_customers_health_large", band=band) for band in CUSTOMERS}


def health_contributions(
    assessment: Assessment | None, ttv: tuple[int, int] | None, config: HealthConfig
) -> Contributions:
    out = Delta()
    write_scored(out, None if assessment is None else scored(assessment), ttv, config)
    return out


def scored(assessment: Assessment) -> tuple[str, int, int]:
    """The three numbers the series read of an assessment: (band, MRR, score)."""
    return assessment.band, assessment.mrr, assessment.score


def write_scored(
    out: Sink,
    scored: tuple[str, int, int] | None,
    ttv: tuple[int, int] | None,
    config: HealthConfig,
    sign: int = 1,
) -> None:
    """Write what an assessment's `scored` numbers and a time to value contribute into
    `out` (sign -1 takes it back)."""
    if scored is not None:
        band, mrr, score = scored
        out.bump(CUSTOMERS[band], None, sign)
        out.bump(MRR[band], None, sign * mrr)
        if mrr >= config.large_mrr:
            out.bump(LARGE[band], None, sign)
        observe(out, "cs_health_score", score, None, (), sign, unit=1)
    if ttv is not None:
        micros, at = ttv
        observe(out, "cs_time_to_value_seconds", micros, None, (), sign)
        observe(out, "cs_time_to_value_window_seconds", micros, at, (), sign)
