"""Accounts at risk for the wallboard: the at_risk and critical customers with the most MRR.

Read from the health serving store (streams/exposition/accounts.py) the workers write.
No scored customer yet (or health off) means no section on the wallboard (None).
"""

from __future__ import annotations

from typing import Any

from streams.exposition.accounts import read_accounts, scores_key
from streams.metrics.health import AT_RISK_BANDS

FIELDS = ("customer_id", "score", "band", "mrr", "reasons")


def at_risk_view(entry: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of one served entry: its headline fields and the first reason."""
    view = {k: entry[k] for k in FIELDS if k in entry}
    reasons = view.pop("reasons", None) or []
    if reasons:
        view["reason"] = reasons[0]
    return view


async def read_at_risk(client: Any, prefix: str, limit: int) -> list[dict[str, Any]] | None:
    """The first `limit` accounts at risk, most MRR first; None while no customer is scored."""
    if not await client.exists(scores_key(prefix)):
        return None
    return [at_risk_view(e) for e in await read_accounts(client, prefix, AT_RISK_BANDS, limit)]
