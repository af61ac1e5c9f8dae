"""The metric domains a worker runs, built from settings (pure objects, no Faust)."""

from __future__ import annotations

from typing import Any

from streams.metrics.base import Domain
from streams.metrics.money import FxTable
from streams.settings import Settings

# Families with metrics; usage and costs are validated by schemas (milestone 2).
METRIC_FAMILIES = ("subscriptions", "payments", "surveys", "tickets")


def fx_table(settings: Settings) -> FxTable:
    return FxTable(settings.reporting_currency, settings.fx_rates)


def build_domains(settings: Settings) -> dict[str, Domain[Any, Any]]:
    from streams.metrics.payments import PaymentDomain
    from streams.metrics.subscriptions import SubscriptionDomain
    from streams.metrics.surveys import SurveyDomain
    from streams.metrics.tickets import TicketDomain

    fx = fx_table(settings)
    calendar = None
    if settings.business_hours:
        from streams.metrics.business_hours import parse_calendar

        calendar = parse_calendar(settings.business_hours)
    return {
        "subscriptions": SubscriptionDomain(fx, settings.counted_statuses),
        "payments": PaymentDomain(fx),
        "surveys": SurveyDomain(),
        "tickets": TicketDomain(settings.frt_targets, calendar),
    }
