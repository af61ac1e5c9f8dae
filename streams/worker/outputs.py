"""Where a batch's results go besides the tables: dead letters, re-keys, serving hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import faust
from prometheus_client import Counter

from schemas.events import Envelope
from streams.engine.joined import Account
from streams.engine.messages import Deadletter, Rekey
from streams.worker.accounts import AccountStore
from streams.worker.serving import ServingStore

# what one family's applied events feed besides Prometheus
ServingHook = Callable[[Sequence[Envelope]], Awaitable[None]]


def serving_hooks(serving: ServingStore, errors: Counter) -> dict[str, ServingHook]:
    """family -> its serving hook: a family that feeds the serving store adds it here."""

    async def comments(applied: Sequence[Envelope]) -> None:
        before = serving.errors
        await serving.publish(applied)
        errors.inc(serving.errors - before)

    return {"surveys": comments}


def _headers(message: Any) -> list[tuple[str, bytes]]:
    """A consumed record's headers as a list, whichever shape the client gave."""
    headers = message.headers or ()
    return list(headers.items() if isinstance(headers, Mapping) else headers)


class Outputs:
    def __init__(
        self,
        deadletter_topic: faust.TopicT,
        hooks: Mapping[str, ServingHook],
        account_store: AccountStore | None = None,
        errors: Counter | None = None,
    ) -> None:
        self.deadletter_topic = deadletter_topic
        self.hooks = hooks
        self.account_store = account_store
        self.errors = errors

    async def accounts(self, accounts: Sequence[Account]) -> None:
        """Customers whose health changed (or who lost their score) to the serving store."""
        store = self.account_store
        if store is None:
            return
        before = store.errors
        await store.publish(accounts)
        if self.errors is not None:
            self.errors.inc(store.errors - before)

    async def deadletter(self, dead: Deadletter) -> Any:
        """Send the record as it came, with why and where from in its headers."""
        m = dead.message
        headers = [
            *_headers(m),
            ("cs.error.reason", dead.reason.encode()),
            ("cs.error.detail", dead.detail.encode()),
            ("cs.source.topic", m.topic.encode()),
            ("cs.source.partition", str(m.partition).encode()),
            ("cs.source.offset", str(m.offset).encode()),
        ]
        return await self.deadletter_topic.send(key=m.key, value=m.value, headers=headers)

    async def rekey(self, topic: faust.TopicT, rk: Rekey) -> Any:
        """Send the record to its customer's partition of the family's re-key topic."""
        return await topic.send(
            key=rk.customer_id.encode(),
            value=rk.message.value,
            partition=rk.partition,
            headers=_headers(rk.message),
        )

    async def serve(self, family: str, applied: Sequence[Envelope]) -> None:
        hook = self.hooks.get(family)
        if hook is not None and applied:
            await hook(applied)
