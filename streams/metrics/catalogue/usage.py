"""Usage series: the usage family (CONTRACT v1.1)."""

from __future__ import annotations

from streams.metrics.catalogue.series import C, G, Series, W

USE = "usage"

# fmt: off
ENTRIES: tuple[Series, ...] = (
    Series("cs_active_users", G, f"Users (customer_id, user_id) with a product.used {W} (DAU: 24h, "
           "WAU: 7d, MAU: 30d).", ("window",), USE),
    Series("cs_active_accounts", G, f"Customers with at least one user active {W} (usage-active, not "
           "MRR-active).", ("window",), USE),
    Series("cs_users_new", G, f"Users whose first-ever product.used falls {W}.", ("window",), USE),
    Series("cs_users_total", G, "Users ever seen (distinct customer_id, user_id pairs).", (), USE),
    Series("cs_feature_users", G, f"Users who used the feature {W}, by feature.", ("feature", "window"),
           USE),
    Series("cs_product_uses_total", C, "Uses of each feature since the first event (sum of count), by "
           "feature.", ("feature",), USE),
)
# fmt: on
