"""The series catalogue: every series cspulse exports, declared once.

Each layer reads it instead of keeping its own list: the domains take their `scales`
from it, the Prometheus collector its type and HELP, the rule and dashboard tests the
names they may read. A histogram's samples are `name_bucket`, `name_sum` and
`name_count`; a windowed histogram (`GAUGE_HISTOGRAM`) exports those three as gauges,
as CONTRACT section 7 lists them. Series read from partition sums (every `origin` but
"worker") also carry a `partition` label on /metrics; `labels` leaves it and `le` out.

`scale` turns the stored integer into the exported unit: money is stored in micro
minor units of the reporting currency (the divisor, `FxTable.money_scale`, depends on
that currency's minor digits) and durations in microseconds. For a histogram it is
the scale of `_sum`; buckets and counts are plain counts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from streams.metrics.eventtime import MICROS as MICROS_PER_SECOND


class Kind(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    GAUGE_HISTOGRAM = "gauge_histogram"  # buckets over a rolling window: three gauges


class Scale(StrEnum):
    ONE = "one"  # stored as exported
    MICROS = "micros"  # microseconds, exported in seconds
    MONEY = "money"  # reporting-currency micro minor units, exported in major units


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...]
    origin: str  # the topic family whose domain emits it, "engine" or "worker"
    scale: Scale = Scale.ONE
    requires: str = ""  # the setting without which it never appears
    contract: bool = True  # listed in CONTRACT.md section 7 (False: README "Series beyond the contract")

    @property
    def windowed(self) -> bool:
        return "window" in self.labels

    @property
    def per_partition(self) -> bool:
        return self.origin != "worker"


C, G, H, GH = Kind.COUNTER, Kind.GAUGE, Kind.HISTOGRAM, Kind.GAUGE_HISTOGRAM
MONEY, MICROS = Scale.MONEY, Scale.MICROS
SUBS, PAY, TIX, SURV = "subscriptions", "payments", "tickets", "surveys"
MAJOR = "reporting-currency major units (cs_build_info)"
W = "in the rolling event-time `window`"
BH = "business_hours"

# fmt: off
ENTRIES: tuple[Series, ...] = (
    Series("cs_mrr", G, f"Monthly recurring revenue now, {MAJOR}, by plan.", ("plan",), SUBS, MONEY),
    Series("cs_subscriptions_active", G, "Subscriptions contributing MRR > 0 now, by plan.", ("plan",), SUBS),
    Series("cs_customers_active", G, "Customers with MRR > 0 now.", (), SUBS),
    Series("cs_mrr_movement_total", C, f"MRR moved since the first event, {MAJOR}, by kind (new, expansion, "
           "contraction, churn, reactivation; every kind a positive amount).", ("kind",), SUBS, MONEY),
    Series("cs_mrr_movement", G, f"MRR moved {W}, {MAJOR}, by kind (every kind a positive amount).",
           ("kind", "window"), SUBS, MONEY),
    Series("cs_customer_movements_total", C, "Customers who became new, churned or reactivated since the "
           "first event, by kind.", ("kind",), SUBS),
    Series("cs_customer_movements", G, f"Customers who became new, churned or reactivated {W}, by kind.",
           ("kind", "window"), SUBS),
    Series("cs_mrr_scheduled_churn", G, f"MRR of subscriptions set to cancel at period end, now, {MAJOR}.",
           (), SUBS, MONEY),
    Series("cs_renewals", G, f"Subscriptions renewed or canceled {W}, by outcome.", ("outcome", "window"),
           SUBS),
    Series("cs_renewals_total", C, "Subscriptions renewed or canceled since the first event, by outcome.",
           ("outcome",), SUBS, contract=False),
    Series("cs_payments_total", C, "Payments since the first event, by outcome (succeeded, failed, refunded) "
           "and kind (recurring, one_time).", ("kind", "outcome"), PAY),
    Series("cs_payment_amount_total", C, f"Payment amounts since the first event, {MAJOR}, by outcome and "
           "kind.", ("kind", "outcome"), PAY, MONEY),
    Series("cs_payments", G, f"Payments {W}, by outcome.", ("outcome", "window"), PAY),
    Series("cs_payment_amount", G, f"Payment amounts {W}, {MAJOR}, by outcome.", ("outcome", "window"),
           PAY, MONEY),
    Series("cs_paying_customers", G, "Customers with at least `min_payments` (1 or 2) succeeded payments "
           "since the first event.", ("min_payments",), PAY),
    Series("cs_tickets_total", C, "Tickets created, first replied, resolved or reopened since the first "
           "event, by event, channel and priority.", ("channel", "event", "priority"), TIX),
    Series("cs_tickets_open", G, "Tickets open now, by channel and priority.", ("channel", "priority"), TIX),
    Series("cs_tickets_first_response_overdue", G, "Customer-opened tickets now past their priority's "
           "first-response target without an agent reply, by priority.", ("priority",), TIX),
    Series("cs_first_response_seconds", H, "First response time of customer-opened tickets (creation to "
           "first public agent reply), wall-clock seconds, since the first event, by channel and priority.",
           ("channel", "priority"), TIX, MICROS),
    Series("cs_first_response_window_seconds", GH, f"First response time, seconds, of first replies {W}.",
           ("window",), TIX, MICROS),
    Series("cs_resolution_seconds", H, "Resolution time (creation to first resolve), wall-clock seconds, "
           "since the first event, by channel and priority.", ("channel", "priority"),
           TIX, MICROS),
    Series("cs_resolution_window_seconds", GH, f"Resolution time, seconds, of tickets first resolved {W}.",
           ("window",), TIX, MICROS),
    Series("cs_first_response_business_seconds", H, "First response time counted in business hours "
           "(CSPULSE_BUSINESS_HOURS), seconds, since the first event, by channel and priority.",
           ("channel", "priority"), TIX, MICROS, BH, contract=False),
    Series("cs_first_response_business_window_seconds", GH, "First response time counted in business hours, "
           f"seconds, of first replies {W}.", ("window",), TIX, MICROS, BH, contract=False),
    Series("cs_resolution_business_seconds", H, "Resolution time counted in business hours "
           "(CSPULSE_BUSINESS_HOURS), seconds, since the first event, by channel and priority.",
           ("channel", "priority"), TIX, MICROS, BH, contract=False),
    Series("cs_resolution_business_window_seconds", GH, "Resolution time counted in business hours, seconds, "
           f"of tickets first resolved {W}.", ("window",), TIX, MICROS, BH, contract=False),
    Series("cs_tickets_resolved", G, f"Customer-opened tickets first resolved {W}, by public agent "
           "replies before the resolve (touch: none, one, multi).", ("touch", "window"), TIX),
    Series("cs_survey_responses_total", C, "Survey responses since the first event, by survey (nps, csat, "
           "ces) and rating band.", ("rating", "survey"), SURV),
    Series("cs_survey_responses", G, f"Survey responses {W}, by survey and rating band.",
           ("rating", "survey", "window"), SURV),
    Series("cs_survey_score_sum", G, f"Sum of survey scores {W}, by survey (mean = this / responses).",
           ("survey", "window"), SURV),
    Series("cs_survey_score_sum_total", C, "Sum of survey scores since the first event, by survey.",
           ("survey",), SURV, contract=False),
    Series("cs_survey_comments_total", C, "Survey responses with a non-blank comment since the first event, "
           "by survey.", ("survey",), SURV, contract=False),
    Series("cs_events_total", C, "Valid events handled, by topic and outcome (applied: changed state; "
           "duplicate: event_id seen before; stale: older than the state).", ("outcome", "topic"), "engine"),
    Series("cs_deadletter_total", C, "Records rejected to the dead-letter topic, by source topic and reason.",
           ("reason", "topic"), "engine"),
    Series("cs_last_event_timestamp_seconds", G, "Newest occurred_at applied, Unix seconds, per topic and "
           "partition (use max, not sum).", ("topic",), "engine"),
    Series("cs_event_lag_seconds", H, "Processing time minus occurred_at of applied events, seconds, by "
           "topic.", ("topic",), "worker"),
    Series("cs_build_info", G, "Always 1: the cspulse version and the reporting currency of money series.",
           ("reporting_currency", "version"), "worker"),
    Series("cspulse_replayed_skipped_total", C, "Records delivered again after a restart whose effects were "
           "already stored (skipped), by topic.", ("topic",), "worker", contract=False),
    Series("cspulse_rebuild_seconds", G, "Seconds the last rebuild of a table's partition sums from its "
           "records took, by table.", ("table",), "worker", contract=False),
    Series("cspulse_serving_errors_total", C, "Batches whose survey comments could not be written to Redis.",
           (), "worker", contract=False),
)
# fmt: on
CATALOGUE: dict[str, Series] = {entry.name: entry for entry in ENTRIES}

#: HELP added to each part of a windowed histogram, exported as three gauge families
PART_HELP = {
    "bucket": "Bucket: observations at or below `le` (cumulative).",
    "sum": "Sum of the observed seconds.",
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
