"""Plain batch recomputation of the usage series: the property-test oracle.

Independent of the engine: it imports nothing from streams/ or schemas/. Events are
plain dicts (`customer_id`, `user_id`, `feature`, optional `count`, `occurred_at` an
aware datetime). They are sorted by event time and the definitions of CONTRACT v1.1
section 6 are evaluated directly: the clock T is the latest `occurred_at`, a window W
covers `(T - W, T]` in whole seconds, and a windowed series is returned as the pair
(exact count, count over the window widened by one bucket W/24 on the old side,
counted from the narrowed one), the bounds a bucketing engine must stay within.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

WINDOWS = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def seconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(seconds=1)


def flat(name: str, labels: Mapping[str, str]) -> str:
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{labels[k]}"' for k in sorted(labels)) + "}"


def _count_in(times: Iterable[int], clock: int, low_edge: int) -> int:
    """How many times lie in (low_edge, clock]."""
    return sum(1 for t in times if low_edge < t <= clock)


def usage_series(
    events: Iterable[Mapping[str, Any]], windows: Mapping[str, int] = WINDOWS
) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """(all-time series, windowed series -> (lowest, highest) allowed value).

    The lowest allowed value counts the points in (T - W + W/24, T], the highest
    those in (T - W - W/24, T]: the contract's one-bucket boundary error.
    """
    ordered = sorted(events, key=lambda e: e["occurred_at"])
    if not ordered:
        return {}, {}
    clock = max(seconds(e["occurred_at"]) for e in ordered)
    first: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], int] = {}
    account_last: dict[str, int] = {}
    feature_last: dict[tuple[str, str, str], int] = {}
    uses: dict[str, int] = defaultdict(int)
    for e in ordered:
        at = seconds(e["occurred_at"])
        user = (e["customer_id"], e["user_id"])
        first.setdefault(user, at)  # sorted: the first seen is the earliest
        last[user] = at  # sorted: the last seen is the latest
        account_last[e["customer_id"]] = at
        feature_last[(*user, e["feature"])] = at
        uses[e["feature"]] += e.get("count", 1)
    totals = {flat("cs_users_total", {}): len(first)}
    totals |= {flat("cs_product_uses_total", {"feature": f}): n for f, n in uses.items()}
    points: dict[str, list[int]] = {
        "cs_active_users": list(last.values()),
        "cs_active_accounts": list(account_last.values()),
        "cs_users_new": list(first.values()),
    }
    per_feature: dict[str, list[int]] = defaultdict(list)
    for (_, _, feature), at in feature_last.items():
        per_feature[feature].append(at)
    windowed: dict[str, tuple[int, int]] = {}
    for window, width in windows.items():
        slack = max(1, width // 24)
        named = [(flat(n, {"window": window}), ts) for n, ts in points.items()]
        named += [
            (flat("cs_feature_users", {"feature": f, "window": window}), ts) for f, ts in per_feature.items()
        ]
        for key, ts in named:
            low_edge, high_edge = clock - width + slack, clock - width - slack
            bounds = (_count_in(ts, clock, low_edge), _count_in(ts, clock, high_edge))
            if bounds[1]:
                windowed[key] = bounds
    return totals, windowed


def exact_window(events: Iterable[Mapping[str, Any]], clock: int, width: int) -> dict[str, int]:
    """Active users, accounts and new users in exactly (clock - width, clock] (vector checks)."""
    last: dict[tuple[str, str], int] = {}
    first: dict[tuple[str, str], int] = {}
    for e in events:
        at = seconds(e["occurred_at"])
        user = (e["customer_id"], e["user_id"])
        last[user] = max(last.get(user, at), at)
        first[user] = min(first.get(user, at), at)
    accounts = {c for (c, _), t in last.items() if clock - width < t <= clock}
    return {
        "active_users": _count_in(last.values(), clock, clock - width),
        "active_accounts": len(accounts),
        "users_new": _count_in(first.values(), clock, clock - width),
    }
