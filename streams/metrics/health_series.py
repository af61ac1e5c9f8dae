"""The series a customer's health and time to value contribute (CONTRACT v1.1 section 7).

Health gauges are current values (`at is None`), recomputed whole at each assessment:
`cs_customers_health{band}` 1, `cs_mrr_health{band}` the MRR, and one observation of the
score in the gauge histogram `cs_health_score` (buckets 10..100). Time to value is one
observation, all-time and in the window of the later of its two events.
"""

from __future__ import annotations

from streams.metrics.base import Contributions, Delta, slot
from streams.metrics.health import Assessment, HealthConfig
from streams.metrics.histograms import observe

CUSTOMERS = {band: slot("cs_customers_health", band=band) for band in ("healthy", "at_risk", "critical")}
MRR = {band: slot("cs_mrr_health", band=band) for band in CUSTOMERS}
LARGE = {band: slot("cs_customers_health_large", band=band) for band in CUSTOMERS}


def health_contributions(
    assessment: Assessment | None, ttv: tuple[int, int] | None, config: HealthConfig
) -> Contributions:
    scored = None if assessment is None else (assessment.band, assessment.mrr, assessment.score)
    return scored_contributions(scored, ttv, config)


def scored_contributions(
    scored: tuple[str, int, int] | None, ttv: tuple[int, int] | None, config: HealthConfig
) -> Contributions:
    """The same from the three numbers they read of an assessment: (band, MRR, score)."""
    out = Delta()
    if scored is not None:
        band, mrr, score = scored
        out.bump(CUSTOMERS[band], None, 1)
        out.bump(MRR[band], None, mrr)
        if mrr >= config.large_mrr:
            out.bump(LARGE[band], None, 1)
        observe(out, "cs_health_score", score, None, unit=1)
    if ttv is not None:
        micros, at = ttv
        observe(out, "cs_time_to_value_seconds", micros, None)
        observe(out, "cs_time_to_value_window_seconds", micros, at)
    return out
