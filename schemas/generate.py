"""Write the JSON Schema of every event model to schemas/json/ (`python -m schemas.generate`).

The models are the source of truth; the JSON files are for producers in other
languages and are committed, so `--check` (run by the tests and CI) fails when a model
changed without regenerating them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from schemas.events import (
    CostEvent,
    Envelope,
    OfferDecisionEvent,
    OfferPresentedEvent,
    PaymentEvent,
    ReferralConvertedEvent,
    ReferralSentEvent,
    SubscriptionEvent,
    SurveyEvent,
    TicketEvent,
    UsageEvent,
)

JSON_DIR = Path(__file__).parent / "json"
CONTRACT_VERSION = 1
DIALECT = "https://json-schema.org/draft/2020-12/schema"

MODELS: dict[str, type[Envelope]] = {
    "envelope": Envelope,
    "subscription": SubscriptionEvent,
    "payment": PaymentEvent,
    "survey": SurveyEvent,
    "ticket": TicketEvent,
    "usage": UsageEvent,
    "cost": CostEvent,
    "referral_sent": ReferralSentEvent,
    "referral_converted": ReferralConvertedEvent,
    "offer_presented": OfferPresentedEvent,
    "offer_decision": OfferDecisionEvent,
}


def schema_of(name: str, model: type[Envelope]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = DIALECT
    schema["$id"] = f"urn:cspulse:schema:{name}:v{CONTRACT_VERSION}"
    what = "event envelope" if name == "envelope" else f"{name} event"
    schema["title"] = f"cspulse {what} (contract v{CONTRACT_VERSION})"
    return schema


def render() -> dict[str, str]:
    """File name -> exact file content, deterministic across runs and machines."""
    return {
        f"{name}.schema.json": json.dumps(
            schema_of(name, model), indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n"
        for name, model in MODELS.items()
    }


def stale(directory: Path = JSON_DIR) -> list[str]:
    """Files in `directory` that are missing, differ from the models, or are left over."""
    expected = render()
    present = {path.name for path in directory.glob("*.schema.json")}
    wrong = [
        name
        for name, text in expected.items()
        if name not in present or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted(wrong + list(present - expected.keys()))


def write(directory: Path = JSON_DIR) -> list[str]:
    """Bring `directory` in line with the models; returns the files changed or removed."""
    changed = stale(directory)
    directory.mkdir(parents=True, exist_ok=True)
    expected = render()
    for name in changed:
        path = directory / name
        if name in expected:
            path.write_text(expected[name], encoding="utf-8")
        else:
            path.unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.generate", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file is out of date"
    )
    parser.add_argument("--dir", type=Path, default=JSON_DIR, help="output directory")
    args = parser.parse_args(argv)
    if args.check:
        wrong = stale(args.dir)
        for name in wrong:
            print(f"out of date: {args.dir / name}", file=sys.stderr)
        if wrong:
            print("run `python -m schemas.generate` and commit the result", file=sys.stderr)
        return 1 if wrong else 0
    for name in write(args.dir):
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
