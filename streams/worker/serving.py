"""Redis serving store: what wallboards and tools read besides Prometheus.

Recent survey comments (free text never becomes a label): a sorted set scored by
`occurred_at`, the newest `kept` of them. A comment's entry is the same bytes however
often it is written, so writing is idempotent: events re-delivered after a crash are
served again (their first write may have been lost with the worker), and the set ends
the same whatever the order or the repeats, as an outage-free run leaves it. Redis being
away never stops processing: the comments wait in memory (only the newest `kept` can
ever be shown, so at most that many) and are written with the first batch after Redis
is back. Each failed write is logged and counted. Per-customer health: accounts.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson
import redis.asyncio as aioredis

from schemas.events import Envelope, SurveyEvent
from streams.metrics.eventtime import micros

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
        self.pending: dict[bytes, int] = {}  # entry -> its score, not yet written (Redis was away)

    async def publish(self, applied: Iterable[Envelope]) -> int:
        """Write the comments among `applied` and any still pending; returns how many were stored."""
        for e in applied:
            if isinstance(e, SurveyEvent) and e.comment:
                self.pending[comment_entry(e)] = micros(e.occurred_at)
        if not self.pending:
            return 0
        batch = self.pending
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.zadd(self.key, batch)
                pipe.zremrangebyrank(self.key, 0, -self.kept - 1)  # keep the newest `kept`
                await pipe.execute()
        except Exception as exc:  # Redis down or slow: metrics must go on
            self.errors += 1
            newest = sorted(batch.items(), key=lambda kv: kv[1])[-self.kept :]
            self.pending = dict(newest)
            log.warning("serving store: %d comments wait for Redis: %s", len(self.pending), exc)
            return 0
        self.pending = {}
        return len(batch)

    async def recent_comments(self, limit: int = 50) -> list[dict[str, Any]]:
        return [orjson.loads(item) for item in await read_comments(self.client, self.key, limit)]

    async def close(self) -> None:
        await self.client.aclose()


async def read_comments(client: Any, key: str, limit: int) -> list[bytes]:
    """The newest `limit` comments (by occurred_at), newest first."""
    raw: list[bytes] = await client.zrevrange(key, 0, limit - 1)
    return raw
