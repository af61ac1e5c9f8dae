"""Revenue series: the subscriptions and payments families."""

from __future__ import annotations

from streams.metrics.catalogue.series import MAJOR, MONEY, C, G, Series, W

SUBS, PAY = "subscriptions", "payments"

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
)
# fmt: on
