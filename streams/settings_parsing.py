"""Parsing of the text forms settings take: durations, lists, name=value pairs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str | int | float) -> int:
    """'90s', '5m', '24h', '7d', '2w' or a number of seconds -> seconds."""
    if isinstance(text, int | float):
        return int(text)
    if text.strip().isdigit():
        return int(text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 5m, 24h, 7d)")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def split(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


def pairs(value: Any, name: str, keys: Mapping[str, Any]) -> dict[str, str]:
    """'a=1,b=2' (or a mapping) -> {a: "1", b: "2"}, every key of `keys` and no other."""
    if isinstance(value, str):
        pairs = [p.split("=", 1) for p in split(value)]
        if any(len(p) != 2 for p in pairs):
            raise ValueError(
                f"{name}: use name=value pairs, e.g. {','.join(f'{k}={v}' for k, v in keys.items())}"
            )
        value = {k.strip(): v.strip() for k, v in pairs}
    out = {str(k): str(v) for k, v in dict(value).items()}
    if out.keys() != keys.keys():
        raise ValueError(f"{name}: give exactly {', '.join(keys)} (got {', '.join(out) or 'none'})")
    return out


def points(value: Any, name: str, keys: Mapping[str, Any], high: int | None = 100) -> dict[str, int]:
    out = {}
    for key, text in pairs(value, name, keys).items():
        if not text.isdigit() or (high is not None and int(text) > high):
            limit = f"0..{high}" if high is not None else "a whole number >= 0"
            raise ValueError(f"{name}: {key}={text!r} must be {limit}")
        out[key] = int(text)
    return out
