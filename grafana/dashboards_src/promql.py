"""What a PromQL expression reads: the series names it selects.

Used by the dashboard generator and the tests to make sure every panel and every
rule reads only series the workers export (CONTRACT.md section 7, as the series
catalogue streams/metrics/catalogue.py marks it) or recording rules defined in
prometheus/rules/. A small lexer, not a parser: it strips string literals, label
matchers, ranges and grouping-label lists, then keeps identifiers that are not
function calls or keywords.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from streams.metrics.catalogue import ENTRIES, sample_names

# CONTRACT.md section 7 as the series catalogue marks it (with `cs_build_info`, named in
# its text), and `up` (written by Prometheus for every scrape target).
CONTRACT_SERIES: frozenset[str] = frozenset(
    {"up", *(sample for entry in ENTRIES if entry.contract for sample in sample_names(entry))}
)
# Every sample name a worker exports (the contract's and the series beyond it).
EXPORTED_SERIES: frozenset[str] = frozenset(sample for entry in ENTRIES for sample in sample_names(entry))

_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
     "unless", "offset", "inf", "nan"}
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.IGNORECASE
)
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+")
_IDENT = re.compile(r"(?<![\w:.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")


def referenced_series(expr: str) -> set[str]:
    """The metric names (series or recording rules) an expression selects."""
    text = _STRING.sub(" ", expr)
    text = _VARIABLE.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def load_rule_groups(paths: Iterable[Path]) -> list[dict]:
    """Every rule (recording and alerting) of the given rule files, in order."""
    rules: list[dict] = []
    for path in sorted(paths):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for group in doc.get("groups", []):
            rules.extend(group.get("rules", []))
    return rules


def recording_rule_names(paths: Iterable[Path]) -> set[str]:
    return {rule["record"] for rule in load_rule_groups(paths) if "record" in rule}
