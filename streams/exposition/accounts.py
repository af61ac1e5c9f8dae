"""Per-customer health in Redis: the key layout, the entry, and the reader.

Ids never become labels (CONTRACT section 7), so a customer's score, band, MRR,
components and reasons are served from Redis, written by the worker that owns the
customer's partition (streams/worker/accounts.py), read here by any worker's
`/api/accounts` and by the wallboard:

- `<app_id>:cspulse:health:scores`: sorted set, customer -> score;
- `<app_id>:cspulse:health:band:<band>`: sorted set per band, customer -> MRR;
- `<app_id>:cspulse:health:account:<customer>`: hash, the entry's fields (JSON values)
  and `version`, which orders the writes (streams/worker/accounts.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from streams.metrics.health import AT_RISK_BANDS, BANDS, Assessment

ROOT = "cspulse:health"


def scores_key(prefix: str) -> str:
    return f"{prefix}:{ROOT}:scores"


def band_key(prefix: str, band: str) -> str:
    return f"{prefix}:{ROOT}:band:{band}"


def account_key(prefix: str, customer_id: str) -> str:
    return f"{prefix}:{ROOT}:account:{customer_id}"


def account_entry(
    customer_id: str, partition: int, clock: int, assessment: Assessment, money_scale: int
) -> dict[str, Any]:
    """The JSON object served for one customer."""
    return {
        "customer_id": customer_id,
        "score": assessment.score,
        "band": assessment.band,
        "mrr": assessment.mrr / money_scale,
        "components": {name: round(float(value), 2) for name, value in assessment.components.items()},
        "reasons": list(assessment.reasons),
        "assessed_at": datetime.fromtimestamp(clock, UTC).isoformat(),
        "partition": partition,
    }


def parse_bands(band: str | None) -> tuple[str, ...]:
    """`?band=` of /api/accounts: one band, a comma list, or none (the at-risk bands)."""
    if not band:
        return AT_RISK_BANDS
    wanted = tuple(b.strip() for b in band.split(",") if b.strip())
    unknown = [b for b in wanted if b not in BANDS]
    if unknown or not wanted:
        raise ValueError(f"band must be one of {', '.join(BANDS)} (got {band!r})")
    return wanted


MAX_LIMIT = 1000


def parse_limit(text: str | None, default: int = 50) -> int:
    """`?limit=` of /api/accounts: 1..MAX_LIMIT, default 50."""
    if text is None or text == "":
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_LIMIT} (got {text!r})")
    return int(text)


async def read_accounts(client: Any, prefix: str, bands: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """The `limit` customers of `bands` with the most MRR, most first, as served entries."""
    ranked: list[tuple[float, str]] = []
    for band in bands:
        top = await client.zrevrange(band_key(prefix, band), 0, limit - 1, withscores=True)
        ranked.extend((mrr, member.decode()) for member, mrr in top)
    ranked.sort(key=lambda item: (-item[0], item[1]))
    ids = [customer for _, customer in ranked[:limit]]
    if not ids:
        return []
    async with client.pipeline(transaction=False) as pipe:
        for customer in ids:
            pipe.hgetall(account_key(prefix, customer))
        rows = await pipe.execute()
    return [_entry(row) for row in rows if row]


ORDER = ("customer_id", "score", "band", "mrr", "components", "reasons", "assessed_at", "partition")


def _entry(row: dict[bytes, bytes]) -> dict[str, Any]:
    """A stored hash as the entry, its fields in the order account_entry writes them."""
    fields = {key.decode(): orjson.loads(value) for key, value in row.items() if key != b"version"}
    return {name: fields[name] for name in ORDER if name in fields} | fields
