"""A small Prometheus HTTP API client: instant queries, all at one evaluation time."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

import aiohttp

Sample = tuple[dict[str, str], float]


class PrometheusError(Exception):
    """Prometheus did not answer, or answered with an error."""


class PrometheusClient:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def query(self, expr: str, at: float) -> list[Sample]:
        """The samples of `expr` evaluated at `at` (Unix seconds); NaN samples are dropped
        (a quantile of an empty histogram is NaN: no data, not a number to show)."""
        params = {"query": expr, "time": f"{at:.3f}"}
        try:
            async with self._client().get(f"{self.url}/api/v1/query", params=params) as resp:
                body: dict[str, Any] = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise PrometheusError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
        if body.get("status") != "success":
            raise PrometheusError(f"{body.get('errorType')}: {body.get('error')} in {expr}")
        data = body["data"]
        result = data["result"]
        if data["resultType"] == "scalar":
            result = [{"metric": {}, "value": result}]
        samples = [(dict(s["metric"]), float(s["value"][1])) for s in result]
        return [(labels, value) for labels, value in samples if not math.isnan(value)]

    async def query_all(self, exprs: Sequence[str], at: float) -> list[list[Sample]]:
        return list(await asyncio.gather(*(self.query(e, at) for e in exprs)))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
