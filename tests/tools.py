"""External tools the tests run, found on PATH or failed with what to install."""

from __future__ import annotations

import shutil

import pytest


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool not found on PATH: run scripts/install-deps (it installs the "
            "Debian prometheus package, which ships promtool)",
            pytrace=False,
        )
    return path


def prometheus() -> str:
    path = shutil.which("prometheus")
    if path is None:
        pytest.fail(
            "prometheus not found on PATH: run scripts/install-deps (it installs the "
            "Debian prometheus package)",
            pytrace=False,
        )
    return path
