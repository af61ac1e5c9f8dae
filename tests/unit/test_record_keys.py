"""The store keys of the table's records: a stored format, and two kinds that never collide.

Records live in a changelog that outlives the worker that wrote them, so a key written by one
version must be found by the next: the keys are pinned here. `rebuild` tells the two kinds
apart by the customer prefix, which no dead-letter key starts with.
"""

from __future__ import annotations

from streams.engine.records import CUSTOMER_PREFIX, customer_key, deadletter_key


def test_keys_are_the_stored_format() -> None:
    assert customer_key("acme") == b"c:acme"
    assert deadletter_key(0) == b"\x00deadletter:0"
    assert deadletter_key(17) == b"\x00deadletter:17"


def test_a_deadletter_key_is_never_a_customer_key() -> None:
    for partition in (0, 1, 63):
        assert not deadletter_key(partition).startswith(CUSTOMER_PREFIX)
