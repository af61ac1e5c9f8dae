"""Hypothesis profiles shared by every test directory.

`CSPULSE_HYPOTHESIS_PROFILE=mutation` (set by `make mutate` and the CI mutation sample, and
implied whenever mutmut runs the tests: it sets MUTANT_UNDER_TEST) makes the property tests
derandomized, with no example database and no deadline: the same examples run for every
mutant, so a mutant is killed or survives reproducibly rather than by luck of the draw.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("mutation", derandomize=True, database=None, deadline=None, print_blob=False)

_profile = os.environ.get("CSPULSE_HYPOTHESIS_PROFILE") or (
    "mutation" if "MUTANT_UNDER_TEST" in os.environ else None
)
if _profile:
    settings.load_profile(_profile)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # mutmut 3.7 (the last release that accepts faust-streaming's click<8.4) records test names
    # from `item._nodeid`, which pytest 9.2 no longer has; give it back, under mutmut only.
    if "MUTANT_UNDER_TEST" in os.environ:
        for item in items:
            if not hasattr(item, "_nodeid"):
                item._nodeid = item.nodeid  # type: ignore[attr-defined]
