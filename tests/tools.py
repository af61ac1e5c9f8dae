"""External tools the tests run, found on PATH or failed with what to install."""

from __future__ import annotations

import shutil
import subprocess

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


def alertmanager() -> str:
    path = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if path is None:
        pytest.fail(
            "alertmanager not found on PATH: run scripts/install-deps (it installs the "
            "Debian prometheus-alertmanager package)",
            pytrace=False,
        )
    return path


def compose() -> list[str]:
    """The compose command: the Docker CLI's plugin where it works, else docker-compose."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    path = shutil.which("docker-compose")
    if path is None:
        pytest.fail(
            "neither `docker compose` nor docker-compose found: run scripts/install-deps (it "
            "installs Debian's docker-compose package, which checks the file without a Docker daemon)",
            pytrace=False,
        )
    return [path]
