"""Redis serving store: what wallboards and tools read besides Prometheus.

Only recent survey comments for now: free text never becomes a label, so it is
kept here, bounded, newest first. Redis being away never stops processing: the
comments wait in memory (only the newest `kept` can ever be shown, so at most that
many) and are written, in order, with the first batch after Redis is back, so the
list ends as an outage-free run leaves it. Each failed write is logged and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson
import redis.asyncio as aioredis

from schemas.events import Envelope, SurveyEvent

log = logging.getLogger("cspulse.serving")

COMMENTS_KEY = "cspulse:comments"
COMMENTS_KEPT = 500


def comment_entry(event: SurveyEvent) -> bytes:
    return orjson.dumps(
        {
            "event_id": event.event_id,
            "customer_id": event.customer_id,
            "survey": event.survey,
            "score": event.score,
            "comment": event.comment,
            "ticket_id": event.ticket_id,
            "channel": event.channel,
            "team": event.team,
            "occurred_at": event.occurred_at.isoformat(),
        }
    )


class ServingStore:
    def __init__(self, url: str, prefix: str, kept: int = COMMENTS_KEPT) -> None:
        self.client: Any = aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key = f"{prefix}:{COMMENTS_KEY}"
        self.kept = kept
        self.errors = 0
        self.pending: list[bytes] = []  # oldest first: not yet written (Redis was away)

    async def publish(self, applied: Iterable[Envelope]) -> int:
        """Push the comments among `applied` after any still pending; returns how many were stored."""
        entries = [comment_entry(e) for e in applied if isinstance(e, SurveyEvent) and e.comment]
        batch = self.pending + entries
        if not batch:
            return 0
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.lpush(self.key, *batch)
                pipe.ltrim(self.key, 0, self.kept - 1)
                await pipe.execute()
        except Exception as exc:  # Redis down or slow: metrics must go on
            self.errors += 1
            self.pending = batch[-self.kept :]
            log.warning("serving store: %d comments wait for Redis: %s", len(self.pending), exc)
            return 0
        self.pending = []
        return len(batch)

    async def recent_comments(self, limit: int = 50) -> list[dict[str, Any]]:
        raw = await self.client.lrange(self.key, 0, limit - 1)
        return [orjson.loads(item) for item in raw]

    async def close(self) -> None:
        await self.client.aclose()
