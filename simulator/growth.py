"""Growth: referrals (some convert into a new customer) and upsell / cross-sell offers.

An offer is presented, then accepted or declined a while later (some never decided).
Now and then a decision comes with no presentation (a self-serve upgrade), and now
and then the decision is recorded before the presentation that led to it (an
impression logger that flushes late); CONTRACT section 6 counts both correctly.
"""

from __future__ import annotations

from simulator.accounts import Book, Customer
from simulator.catalog import PLANS, pick
from simulator.context import Action, Context, Event

REFERRALS = 0.3  # share of spontaneous growth events that are referrals (the rest offers)
CONVERTED = 0.3  # share of referrals that convert
UPSELL = 0.6  # share of offers that are upsells (the rest cross-sells)
ACCEPTED = {"upsell": 0.22, "cross_sell": 0.15}
UNDECIDED = 0.15  # presented offers nobody answers
DECISION_ONLY = 0.05  # offers decided with no offer.presented at all
DECIDED_FIRST = 0.04  # offers whose decision is recorded before the presentation
CROSS_SELL = ("analytics", "premium_support", "sso", "extra_storage")
MAX_DELAY_S = 7 * 86_400.0


class Growth:
    def __init__(self, ctx: Context, book: Book) -> None:
        self._ctx = ctx
        self._book = book
        self._referred = 0
        self._delay_s = min(MAX_DELAY_S, book.step_s)  # a follow-up's median delay

    def step(self) -> Event:
        rng = self._ctx.rng
        customer = self._customer()
        if rng.random() < REFERRALS:
            return self._referral(customer)
        return self._offer(customer)

    def _customer(self) -> Customer:
        rng, known = self._ctx.rng, self._book.known
        for _ in range(8):
            if not known:
                break
            customer = pick(rng, known)
            if customer.seats:
                return customer
        return self._book.customer()

    def _later(self, action: Action, arg: object) -> None:
        ctx = self._ctx
        ctx.later("growth", ctx.delay(self._delay_s, 1.0), action, arg)

    def _referral(self, customer: Customer) -> Event:
        ctx = self._ctx
        referral_id = ctx.new_id("ref")
        if ctx.rng.random() < CONVERTED:
            self._later(self._converted, (customer.id, referral_id))
        event = ctx.event("referral.sent", customer.id)
        event["referral_id"] = referral_id
        return event

    def _converted(self, job: tuple[str, str]) -> Event:
        customer_id, referral_id = job
        self._referred += 1
        event = self._ctx.event("referral.converted", customer_id)
        event["referral_id"] = referral_id
        # a customer id nobody has had yet: the referred account
        event["referred_customer_id"] = f"cus_{len(self._book.customers) + self._referred - 1:06d}"
        return event

    def _offer(self, customer: Customer) -> Event:
        ctx = self._ctx
        rng = ctx.rng
        kind = "upsell" if rng.random() < UPSELL else "cross_sell"
        if kind == "upsell":
            tiers = [sub.tier for sub in customer.subs if sub.tier >= 0]
            product = PLANS[min(len(PLANS) - 1, max(tiers, default=0) + 1)]
        else:
            product = pick(rng, CROSS_SELL)
        offer = (customer.id, ctx.new_id("off"), kind, product)
        r = rng.random()
        if r < DECISION_ONLY:
            return self._decision(offer)
        if r < DECISION_ONLY + DECIDED_FIRST:
            self._later(self._presented, offer)
            return self._decision(offer)
        if rng.random() >= UNDECIDED:
            self._later(self._decision, offer)
        return self._presented(offer)

    def _presented(self, offer: tuple[str, str, str, str]) -> Event:
        customer_id, offer_id, kind, product = offer
        event = self._ctx.event("offer.presented", customer_id)
        event.update({"offer_id": offer_id, "kind": kind, "product": product})
        return event

    def _decision(self, offer: tuple[str, str, str, str]) -> Event:
        customer_id, offer_id, kind, _ = offer
        accepted = self._ctx.rng.random() < ACCEPTED[kind]
        event = self._ctx.event("offer.accepted" if accepted else "offer.declined", customer_id)
        event.update({"offer_id": offer_id, "kind": kind})
        return event
