"""The simulator's families come from the event registry, and `--mix` takes only them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.events import FAMILIES as EVENT_FAMILIES
from simulator import DEFAULT_MIX, FAMILIES, SimConfig
from streams.cli import build_parser
from streams.commands.simulate import build_config

NOW = datetime(2026, 6, 1, tzinfo=UTC)
UNSIMULATED = [family for family in EVENT_FAMILIES if family not in FAMILIES]  # none: all are simulated


def test_families_are_the_registry_families_with_a_share() -> None:
    assert set(FAMILIES) == set(DEFAULT_MIX)
    assert set(FAMILIES) <= set(EVENT_FAMILIES)
    assert list(FAMILIES) == [family for family in EVENT_FAMILIES if family in DEFAULT_MIX]


def test_every_registry_family_is_simulated_and_the_config_rejects_other_names() -> None:
    assert UNSIMULATED == []
    assert SimConfig(mix={"usage": 1.0}).mix == {"usage": 1.0}
    with pytest.raises(ValueError, match="unknown families"):
        SimConfig(mix={"invoices": 1.0})


def mix_config(text: str) -> SimConfig:
    args = build_parser().parse_args(["simulate", "--count", "10", "--mix", text])
    return build_config(args, NOW)


def test_cli_mix_takes_every_simulated_family() -> None:
    shares = {family: float(i + 1) for i, family in enumerate(FAMILIES)}
    text = ",".join(f"{family}={share}" for family, share in shares.items())
    assert mix_config(text).mix == shares


@pytest.mark.parametrize("entry", [*(f"{f}=1" for f in UNSIMULATED), "invoices=0.5", "tickets", "tickets="])
def test_cli_mix_rejects_other_names_and_missing_shares(entry: str) -> None:
    with pytest.raises(SystemExit, match="bad --mix entry"):
        mix_config(entry)
