"""The batch references must not share code with what they check."""

from __future__ import annotations

import ast
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
FORBIDDEN = ("streams", "schemas")


def _dynamic_import(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("__import__", "import_module")
    return isinstance(node, ast.Attribute) and node.attr == "import_module"


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path.name}: use absolute imports (tests.reference...)")
            out.append(node.module or "")
        elif _dynamic_import(node):
            raise AssertionError(f"{path.name}: dynamic import")
    return out


def test_references_import_nothing_from_the_engine_or_the_schemas() -> None:
    files = sorted(REFERENCE.glob("*.py"))
    assert {f.name for f in files} >= {"common.py", "revenue.py", "support.py", "calendar.py"}
    for path in files:
        for module in imported_modules(path):
            root = module.split(".")[0]
            assert root not in FORBIDDEN, f"{path.name} imports {module}"
            if root == "tests":
                assert module.startswith("tests.reference"), f"{path.name} imports {module}"


def test_the_check_sees_engine_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom streams.metrics.money import FxTable\nimport schemas.events as e\n")
    assert imported_modules(bad) == ["os", "streams.metrics.money", "schemas.events"]
