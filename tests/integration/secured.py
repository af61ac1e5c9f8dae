"""The secured side of the local stack: the broker's SASL_SSL listener, whose CA and
SCRAM user scripts/stack makes (into .stack/, never committed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SASL_ENV = ROOT / ".stack" / "kafka" / "sasl.env"


def sasl_env() -> dict[str, str]:
    """CSPULSE_* settings for the SASL_SSL listener, as scripts/stack wrote them."""
    if not SASL_ENV.is_file():
        raise AssertionError(
            f"{SASL_ENV} is missing: run scripts/stack start (it makes the SASL_SSL listener)"
        )
    values = dict(
        line.split("=", 1) for line in SASL_ENV.read_text().splitlines() if line and not line.startswith("#")
    )
    bootstrap = values.pop("CSPULSE_KAFKA_SASL_BOOTSTRAP")
    return {**values, "CSPULSE_BROKER": f"kafka://{bootstrap}"}


def cli(
    env: dict[str, str], *args: str, stdin: bytes | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`cspulse ARGS` in a child process with `env` over the test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env={**os.environ, **env},
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
