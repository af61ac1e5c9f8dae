"""Accounts at risk, read from a Redis list that a future health-score feature will write.

Kept apart and tolerant on purpose: the list may not exist (the feature is not built
yet), and its entries' shape is not fixed by the contract. No key means no section on
the wallboard (None); an entry that is not a JSON object is skipped, not an error.
Entries are shown as they come (the writer orders them), with the fields below if set.
"""

from __future__ import annotations

from typing import Any

import orjson

AT_RISK_KEY = "cspulse:accounts_at_risk"
FIELDS = ("customer_id", "name", "score", "band", "mrr", "reason")


def at_risk_key(prefix: str) -> str:
    return f"{prefix}:{AT_RISK_KEY}"


def parse_at_risk(raw: list[bytes]) -> list[dict[str, Any]]:
    out = []
    for item in raw:
        try:
            entry = orjson.loads(item)
        except orjson.JSONDecodeError:
            continue
        if isinstance(entry, dict) and entry.get("customer_id") is not None:
            out.append({k: entry[k] for k in FIELDS if k in entry})
    return out


async def read_at_risk(client: Any, prefix: str, limit: int) -> list[dict[str, Any]] | None:
    """The first `limit` accounts at risk, or None when the list does not exist."""
    key = at_risk_key(prefix)
    if not await client.exists(key):
        return None
    return parse_at_risk(await client.lrange(key, 0, limit - 1))
