"""Support series: the tickets family."""

from __future__ import annotations

from streams.metrics.catalogue.series import BH, GH, MICROS, C, G, H, Series, W

TIX = "tickets"

# fmt: off
ENTRIES: tuple[Series, ...] = (
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
)
# fmt: on
