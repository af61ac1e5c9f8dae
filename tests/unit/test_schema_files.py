"""The committed files under schemas/: examples and generated JSON Schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from schemas import generate
from schemas.decode import Decoder
from schemas.events import FAMILIES

SCHEMAS = Path(generate.__file__).parent
EXAMPLES = SCHEMAS / "examples"
MODEL_OF = {kind: model for models in FAMILIES.values() for kind, model in models.items()}
FAMILY_OF = {kind: family for family, models in FAMILIES.items() for kind in models}
SCHEMA_OF = {model: name for name, model in generate.MODELS.items()}


def test_one_example_per_event_type() -> None:
    assert sorted(path.stem for path in EXAMPLES.glob("*.json")) == sorted(MODEL_OF)


@pytest.mark.parametrize("kind", sorted(MODEL_OF))
def test_example_validates_and_decodes(kind: str) -> None:
    raw = (EXAMPLES / f"{kind}.json").read_bytes()
    model = MODEL_OF[kind]
    assert model.model_validate(orjson.loads(raw)).type == kind
    now = datetime.now(UTC)
    event = Decoder(FAMILY_OF[kind], None).decode(raw, now)
    assert type(event) is model, event
    assert event.occurred_at.year == 2026 and event.occurred_at < now


@pytest.mark.parametrize("kind", sorted(MODEL_OF))
def test_example_agrees_with_its_json_schema(kind: str) -> None:
    # No JSON Schema validator is a dependency; this catches the drift that matters.
    example = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    name = SCHEMA_OF[MODEL_OF[kind]]
    schema = json.loads((SCHEMAS / "json" / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert set(schema["required"]) <= set(example)
    assert set(example) <= set(schema["properties"])


def test_json_schemas_match_the_models() -> None:
    stale = generate.stale()
    assert not stale, (
        f"schemas/json is out of date ({', '.join(stale)}): "
        "run `python -m schemas.generate` and commit the result"
    )


def test_schema_files_are_identified() -> None:
    for text in generate.render().values():
        schema = json.loads(text)
        assert schema["$id"].startswith("urn:cspulse:schema:")
        assert schema["title"].startswith("cspulse ")
        assert text.endswith("}\n")
    assert "envelope.schema.json" in generate.render()


def test_check_mode_reports_missing_changed_and_leftover_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate.main(["--check", "--dir", str(tmp_path)]) == 1
    assert "run `python -m schemas.generate`" in capsys.readouterr().err

    assert generate.main(["--dir", str(tmp_path)]) == 0
    assert generate.main(["--check", "--dir", str(tmp_path)]) == 0

    (tmp_path / "ticket.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "refund.schema.json").write_text("{}\n", encoding="utf-8")
    assert generate.main(["--check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "ticket.schema.json" in err and "refund.schema.json" in err
    assert "payment.schema.json" not in err

    generate.main(["--dir", str(tmp_path)])
    assert not (tmp_path / "refund.schema.json").exists()
    assert generate.stale(tmp_path) == []


def test_rendering_is_deterministic() -> None:
    assert generate.render() == generate.render()
