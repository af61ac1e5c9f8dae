"""Product usage: active users and accounts, new users, feature adoption, usage volume.

Exact distinct counting in event time (CONTRACT v1.1 section 6 "Usage"). A user is
the pair (customer_id, user_id); the record is per customer, so a customer's users
live on one partition and every series is additive across partitions.

Per user the record keeps its first and last `occurred_at` (seconds) and, per feature
it used, its last use: one flat int64 array `[first, last, f, at, f, at, ...]`
where `f` indexes the customer's feature names (an array, not a list of int objects,
for memory; dumped as a JSON list). Every windowed series is one contribution at one
of these seconds, so a window counts each user (account, user and feature) once:
- `cs_active_users`: 1 at the user's last activity (moves only forward);
- `cs_active_accounts`: 1 at the customer's latest activity (any user);
- `cs_users_new`: 1 at the user's first use (a late earlier event moves it back);
- `cs_feature_users{feature}`: 1 per (user, feature) at its last use;
- `cs_users_total` (users ever seen) and `cs_product_uses_total{feature}` (sum of
  `count`) are all-time.
Every event is applied (a late one still adds its uses); nothing depends on arrival
order. `prune` forgets per-feature last uses no window can see; users are kept for
ever (the distinct count of users ever seen needs them).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from schemas.events import UsageEvent
from streams.metrics.base import Contributions, Delta, DeltaApply, Outcome, Sink, Slot, slot
from streams.metrics.catalogue import scales_for
from streams.metrics.eventtime import micros, seconds

ACTIVE_USERS = slot("cs_active_users")
ACTIVE_ACCOUNTS = slot("cs_active_accounts")
USERS_NEW = slot("cs_users_new")
USERS_TOTAL = slot("cs_users_total")
FIRST, LAST, PAIRS = 0, 1, 2  # offsets in a user's list; feature pairs start at PAIRS
NEVER_USED = 2**63 - 1  # a feature's first use before any is known


def feature_users(feature: str) -> Slot:
    return slot("cs_feature_users", feature=feature)


def product_uses(feature: str) -> Slot:
    return slot("cs_product_uses_total", feature=feature)


@dataclass(slots=True)
class UsageState:
    """One customer: its feature names and uses, its users' activity."""

    #: feature names in first-use order (a user's list refers to them by index)
    features: list[str] = field(default_factory=list)
    #: all-time sum of `count` per feature, parallel to `features`
    uses: list[int] = field(default_factory=list)
    #: user_id -> [first, last, feature index, last use, feature index, last use, ...]
    users: dict[str, array[int]] = field(default_factory=dict)
    #: latest activity of any user (seconds), 0 before the first event
    latest: int = 0
    #: earliest use of each feature (microseconds), parallel to `features`: time to value
    firsts: list[int] = field(default_factory=list)


def _feature_index(state: UsageState, feature: str) -> int:
    try:
        return state.features.index(feature)
    except ValueError:
        state.features.append(feature)
        state.uses.append(0)
        state.firsts.append(NEVER_USED)
        return len(state.features) - 1


def _move(out: Sink, key: Slot, old: int | None, new: int) -> None:
    """The contribution of 1 moves from second `old` (None: none yet) to `new`."""
    if old is not None:
        out.bump(key, old, -1)
    out.bump(key, new, 1)


def _touch_feature(out: Sink, state: UsageState, user: array[int], index: int, at: int, horizon: int) -> None:
    """Move the (user, feature) last use forward to `at`."""
    key = feature_users(state.features[index])
    for pos in range(PAIRS, len(user), 2):
        if user[pos] == index:
            if at > user[pos + 1]:
                _move(out, key, user[pos + 1], at)
                user[pos + 1] = at
            return
    if at >= horizon:  # older than the horizon: no window sees it, prune would drop it
        user.extend((index, at))
        _move(out, key, None, at)


class UsageDomain(DeltaApply[UsageState, UsageEvent]):
    """The `usage` topic family (CONTRACT v1.1 sections 3, 6, 7)."""

    family = "usage"
    scales: dict[str, int] = scales_for(family)

    def new_state(self) -> UsageState:
        return UsageState()

    def apply_into(self, state: UsageState, event: UsageEvent, horizon: int, out: Sink) -> Outcome:
        at = seconds(event.occurred_at)
        had_users = bool(state.users)
        index = _feature_index(state, event.feature)
        state.uses[index] += event.count
        first = micros(event.occurred_at)
        if first < state.firsts[index]:
            state.firsts[index] = first
        out.bump(product_uses(event.feature), None, event.count)
        user = state.users.get(event.user_id)
        if user is None:
            user = state.users[event.user_id] = array("q", (at, at))
            out.bump(USERS_TOTAL, None, 1)
            _move(out, USERS_NEW, None, at)
            _move(out, ACTIVE_USERS, None, at)
        else:
            if at < user[FIRST]:  # a late earlier event: the user was new earlier
                _move(out, USERS_NEW, user[FIRST], at)
                user[FIRST] = at
            if at > user[LAST]:  # activity only ever moves forward
                _move(out, ACTIVE_USERS, user[LAST], at)
                user[LAST] = at
        if at > state.latest or not had_users:
            _move(out, ACTIVE_ACCOUNTS, state.latest if had_users else None, at)
            state.latest = at
        _touch_feature(out, state, user, index, at, horizon)
        return Outcome.APPLIED

    def contributions(self, state: UsageState) -> Contributions:
        out = Delta()
        for feature, n in zip(state.features, state.uses, strict=True):
            out.bump(product_uses(feature), None, n)
        if state.users:
            out.bump(ACTIVE_ACCOUNTS, state.latest, 1)
        for user in state.users.values():
            out.bump(USERS_TOTAL, None, 1)
            out.bump(USERS_NEW, user[FIRST], 1)
            out.bump(ACTIVE_USERS, user[LAST], 1)
            for pos in range(PAIRS, len(user), 2):
                out.bump(feature_users(state.features[user[pos]]), user[pos + 1], 1)
        return out

    def prune(self, state: UsageState, horizon: int) -> None:
        for user_id, user in state.users.items():
            if any(user[pos] < horizon for pos in range(PAIRS + 1, len(user), 2)):
                kept = array("q", (user[FIRST], user[LAST]))
                for pos in range(PAIRS, len(user), 2):
                    if user[pos + 1] >= horizon:
                        kept += user[pos : pos + 2]
                state.users[user_id] = kept

    def dump(self, state: UsageState) -> Any:
        return {
            "f": state.features,
            "n": state.uses,
            "u": {u: user.tolist() for u, user in state.users.items()},
            "m": state.firsts,
        }

    def load(self, data: Any) -> UsageState:
        users = {user_id: array("q", user) for user_id, user in data["u"].items()}
        latest = max((user[LAST] for user in users.values()), default=0)
        # records written before time to value have no first uses: unknown, never counted
        firsts = list(data.get("m", [NEVER_USED] * len(data["f"])))
        return UsageState(list(data["f"]), list(data["n"]), users, latest, firsts)
