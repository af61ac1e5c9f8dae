"""The catalogue as one index: every family's entries, looked up by sample or series name."""

from __future__ import annotations

from collections.abc import Collection

from streams.metrics.catalogue import growth, health, pipeline, revenue, support, usage, voice
from streams.metrics.catalogue.series import Kind, Scale, Series
from streams.metrics.eventtime import MICROS as MICROS_PER_SECOND

#: A new family adds its entries module here, in the order /metrics should list them.
ENTRIES: tuple[Series, ...] = (
    *revenue.ENTRIES, *support.ENTRIES, *voice.ENTRIES, *pipeline.ENTRIES, *usage.ENTRIES,
    *growth.ENTRIES, *health.ENTRIES,
)
CATALOGUE: dict[str, Series] = {entry.name: entry for entry in ENTRIES}

#: HELP added to each part of a windowed histogram, exported as three gauge families
PART_HELP = {
    "bucket": "Bucket: observations at or below `le` (cumulative).",
    "sum": "Sum of the observed values (seconds for durations).",
    "count": "Number of observations.",
}
PARTS = ("bucket", "sum", "count")
_HISTOGRAMS = (Kind.HISTOGRAM, Kind.GAUGE_HISTOGRAM)


def sample_names(entry: Series) -> tuple[str, ...]:
    """The sample names a series is exported as (what a PromQL query can select)."""
    if entry.kind in _HISTOGRAMS:
        return tuple(f"{entry.name}_{part}" for part in PARTS)
    return (entry.name,)


def _index() -> dict[str, tuple[Series, str]]:
    """Sample and series names -> (series, part); then counter family names where free."""
    index: dict[str, tuple[Series, str]] = {}
    for entry in ENTRIES:
        index[entry.name] = (entry, "")
        if entry.kind in _HISTOGRAMS:
            index.update({f"{entry.name}_{part}": (entry, part) for part in PARTS})
    for entry in ENTRIES:
        if entry.kind is Kind.COUNTER:
            # prometheus_client names a counter's family without `_total`; the family
            # of cs_survey_score_sum_total then shares a name with a gauge: the gauge wins
            index.setdefault(entry.name.removesuffix("_total"), (entry, ""))
    return index


_INDEX = _index()


def lookup(name: str) -> tuple[Series, str]:
    """The series a sample or series name belongs to, and which part ("bucket", ...; "" the whole)."""
    try:
        return _INDEX[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the series catalogue (streams/metrics/catalogue.py)") from None


def help_for(name: str) -> str:
    """The HELP text of the family exported under `name` (a sample or series name)."""
    entry, part = lookup(name)
    if entry.kind is Kind.GAUGE_HISTOGRAM and part:
        return f"{entry.help} {PART_HELP[part]}"
    return entry.help


def divisor(scale: Scale, money_scale: int | None = None) -> int:
    """The integer the stored value is divided by to export it."""
    if scale is Scale.MONEY:
        if money_scale is None:
            raise ValueError("a money series needs the reporting currency's money_scale")
        return money_scale
    return MICROS_PER_SECOND if scale is Scale.MICROS else 1


def scales_for(
    origin: str, *, money_scale: int | None = None, enabled: Collection[str] = ()
) -> dict[str, int]:
    """Divisor per sample name of one origin's series, where it is not 1.

    `enabled` names the optional settings in force (e.g. "business_hours"): series
    that need another one are left out, as the domain never emits them.
    """
    out: dict[str, int] = {}
    for entry in ENTRIES:
        if entry.origin != origin or entry.scale is Scale.ONE:
            continue
        if entry.requires and entry.requires not in enabled:
            continue
        sample = f"{entry.name}_sum" if entry.kind in _HISTOGRAMS else entry.name
        out[sample] = divisor(entry.scale, money_scale)
    return out
