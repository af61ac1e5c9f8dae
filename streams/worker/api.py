"""`/api/accounts` on the worker's web server: customers by health, most MRR first.

`?band=critical` (or `at_risk`, `healthy`, a comma list; default at_risk,critical) and
`?limit=50` (1..1000). Redis holds every worker's customers, so any worker answers for all.
"""

from __future__ import annotations

from typing import Any

import faust
from faust.web import Request, Response, View

from streams.exposition.accounts import parse_bands, parse_limit
from streams.worker.accounts import AccountStore


def serve_accounts(app: faust.App, store: AccountStore) -> None:
    @app.page("/api/accounts")
    async def accounts(self: View, request: Request) -> Response:
        query: Any = request.query
        try:
            bands = parse_bands(query.get("band"))
            limit = parse_limit(query.get("limit"))
        except ValueError as exc:
            return self.json({"error": str(exc)}, status=400)
        try:
            entries = await store.read(bands, limit)
        except Exception as exc:  # Redis away: say so, do not pretend the list is empty
            return self.json({"error": f"serving store unavailable: {type(exc).__name__}"}, status=503)
        return self.json({"bands": list(bands), "accounts": entries})
