"""Lists from the Redis serving store: the latest survey comments and accounts at risk."""

from __future__ import annotations

from typing import Any

import orjson
import redis.asyncio as aioredis

from streams.metrics.surveys import rating
from streams.worker.serving import COMMENTS_KEY, read_comments

from .at_risk import read_at_risk


def comment_view(raw: bytes) -> dict[str, Any] | None:
    """A stored comment as the wallboard shows it, with its rating band (None if unreadable)."""
    try:
        entry = orjson.loads(raw)
        band = rating(entry["survey"], int(entry["score"]))
    except (orjson.JSONDecodeError, KeyError, ValueError, TypeError):
        return None
    keep = ("survey", "score", "comment", "channel", "team", "occurred_at")
    return {**{k: entry.get(k) for k in keep}, "rating": band}


class RedisLists:
    def __init__(self, url: str, prefix: str, comments: int = 12, at_risk: int = 10) -> None:
        self.client: Any = aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self.comments = comments
        self.at_risk = at_risk

    async def recent_comments(self) -> list[dict[str, Any]]:
        raw = await read_comments(self.client, f"{self.prefix}:{COMMENTS_KEY}", self.comments)
        views = (comment_view(item) for item in raw)
        return [v for v in views if v is not None]

    async def accounts_at_risk(self) -> list[dict[str, Any]] | None:
        return await read_at_risk(self.client, self.prefix, self.at_risk)

    async def close(self) -> None:
        await self.client.aclose()
