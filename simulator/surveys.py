"""Survey responses: NPS, CES and CSAT on their own, and CSAT or CES after a ticket,
scored lower when the ticket was answered late or reopened."""

from __future__ import annotations

from collections.abc import Callable

from simulator.accounts import Customer
from simulator.catalog import (
    CES_SCORES,
    COMMENTS,
    CSAT_AFTER_BAD_TICKET,
    CSAT_SCORES,
    NPS_SCORES,
    SURVEY_CHANNELS,
    SURVEY_MIX,
    pick,
)
from simulator.context import Context, Event
from simulator.tickets import Ticket

AFTER_TICKET = 0.45  # share of finished tickets whose customer answers a survey
CSAT_AFTER_TICKET = 0.8  # the rest are CES
COMMENTED = 0.25
MAX_PENDING = 100_000
GOOD_FROM = {"nps": 9, "csat": 4, "ces": 5}
BAD_UNTIL = {"nps": 6, "csat": 2, "ces": 3}
TEAM_OF = {"nps": None, "ces": "onboarding", "csat": "success"}


class Surveys:
    def __init__(self, ctx: Context, customer: Callable[[], Customer]) -> None:
        self._ctx = ctx
        self._customer = customer

    def respond(self) -> Event:
        """A response to a relationship or product survey."""
        rng = self._ctx.rng
        survey = SURVEY_MIX(rng)
        scores = NPS_SCORES if survey == "nps" else CES_SCORES if survey == "ces" else CSAT_SCORES
        customer_id = self._customer().id
        return self._event(customer_id, survey, scores(rng), SURVEY_CHANNELS(rng), TEAM_OF[survey], None)

    def after_ticket(self, ticket: Ticket) -> None:
        ctx = self._ctx
        if ctx.pending("surveys") < MAX_PENDING and ctx.rng.random() < AFTER_TICKET:
            ctx.later("surveys", ctx.delay(3600.0, 1.5), self._about_ticket, ticket)

    def _about_ticket(self, ticket: Ticket) -> Event:
        rng = self._ctx.rng
        bad = ticket.late or ticket.reopens > 0
        if rng.random() < CSAT_AFTER_TICKET:
            survey, score = "csat", (CSAT_AFTER_BAD_TICKET if bad else CSAT_SCORES)(rng)
        else:
            survey, score = "ces", max(1, CES_SCORES(rng) - (2 if bad else 0))
        return self._event(ticket.customer_id, survey, score, ticket.channel, ticket.team, ticket.id)

    def _event(
        self,
        customer_id: str,
        survey: str,
        score: int,
        channel: str,
        team: str | None,
        ticket_id: str | None,
    ) -> Event:
        ctx = self._ctx
        rng = ctx.rng
        event = ctx.event("survey.responded", customer_id)
        event["survey"] = survey
        event["score"] = score
        event["channel"] = channel
        if team is not None:
            event["team"] = team
        if ticket_id is not None:
            event["ticket_id"] = ticket_id
        if rng.random() < COMMENTED:
            mood = (
                "good" if score >= GOOD_FROM[survey]
                else "bad" if score <= BAD_UNTIL[survey] else "neutral"
            )  # fmt: skip
            texts = COMMENTS[mood]
            event["comment"] = pick(rng, texts)
        return event
