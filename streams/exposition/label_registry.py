"""The shared registry of kept free-text label values, in Redis.

Which `limit` values of `plan`, `team` or `feature` a label keeps must not depend on
which worker met them first, nor on the order a restart meets them in: each label's
kept values are one Redis set, filled first come, first kept, by every worker and the
report, and never shrunk. A worker asks it only about values it has not seen decided
(the LabelFolder's `unknown`), so once a label's set is full no scrape asks again.
"""

from __future__ import annotations

import logging
from typing import Any

from streams.metrics.readout import LabelFolder

log = logging.getLogger("cspulse.labels")

# KEYS[1]: the label's set; ARGV[1]: the limit, ARGV[2..]: candidate values, in order.
# Atomic, so two workers admitting at once cannot overfill the set.
ADMIT = """
local limit = tonumber(ARGV[1])
for i = 2, #ARGV do
  if redis.call('SCARD', KEYS[1]) >= limit then break end
  redis.call('SADD', KEYS[1], ARGV[i])
end
return redis.call('SMEMBERS', KEYS[1])
"""


def registry_key(prefix: str, label: str) -> str:
    return f"{prefix}:cspulse:labels:{label}"


def _requests(folder: LabelFolder, refresh: bool) -> dict[str, list[str]]:
    """label -> values to admit (sorted, so equal inputs admit equally); `refresh` adds known labels."""
    asked = {label: sorted(values) for label, values in folder.unknown.items() if values}
    if refresh:
        for label in folder.kept:
            asked.setdefault(label, [])
    return asked


def _decode(members: Any) -> list[str]:
    return [m.decode() if isinstance(m, bytes) else str(m) for m in members]


async def admit(client: Any, prefix: str, folder: LabelFolder, refresh: bool = False) -> bool:
    """Ask the registry about the folder's unknown values (and, with `refresh`, re-read every
    label it knows); True when the folder learned something. Redis away: False, values wait."""
    asked = _requests(folder, refresh)
    if not asked:
        return False
    try:
        for label, values in asked.items():
            members = await client.eval(ADMIT, 1, registry_key(prefix, label), folder.limit, *values)
            folder.learn(label, _decode(members))
    except Exception as exc:  # metrics go on; unknown values stay in `other` until Redis is back
        waiting = sum(len(v) for v in folder.unknown.values())
        if waiting:
            log.warning("label registry unreachable, %d new label values fold into other: %s", waiting, exc)
        return False
    return True


def admit_now(client: Any, prefix: str, folder: LabelFolder) -> None:
    """`admit` with a blocking client (the report); raises what Redis raises."""
    for label, values in _requests(folder, refresh=False).items():
        members = client.eval(ADMIT, 1, registry_key(prefix, label), folder.limit, *values)
        folder.learn(label, _decode(members))
