"""The import graph of the installed packages: no cycles, and the simulator stays outside
the engine (only the command line reaches it).

Built from the source with `ast`, over whatever modules the packages hold today, so it
follows the tree as it is restructured. Every import counts: at module level, inside
functions and under `if TYPE_CHECKING:` (a type-only import is still a dependency).
Importing `a.b.c` is an edge to `a.b.c` only, not to the packages `a` and `a.b` that
Python initialises on the way, so a package's `__init__` may re-export its modules.
"""

from __future__ import annotations

import ast
import fnmatch
import graphlib
import tomllib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI_LAYER = ("streams.cli", "streams.commands")  # the modules allowed to import the simulator


def packages() -> list[str]:
    """The top-level packages pyproject installs."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").is_file() and any(fnmatch.fnmatch(path.name, p) for p in patterns)
    )


@cache
def modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the installed packages."""
    found = {}
    for package in packages():
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement asks for: `from a import b` asks for the
    module a.b if there is one, else for a (b is a name in it)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolve against the importing module's package
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base for alias in node.names]


def resolve(name: str) -> str | None:
    """The longest known module that `name` is, or is an attribute of."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules():
            return candidate
    return None


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the modules of the installed packages it imports."""
    edges = {}
    for module, path in modules().items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for name in targets(node, module, path.name == "__init__.py"):
                    target = resolve(name)
                    if target is not None and target != module:
                        found.add(target)
        edges[module] = frozenset(found)
    return edges


def importers_of(package: str) -> set[str]:
    return {
        module
        for module, imported in graph().items()
        if not in_package(module, package) and any(in_package(m, package) for m in imported)
    }


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_graph_covers_the_packages() -> None:
    assert {"streams", "schemas", "simulator"} <= set(packages())
    assert {"streams.cli", "simulator.generator", "schemas.events"} <= set(graph())
    assert importers_of("simulator")  # the command line's `simulate`
    assert "schemas.events" in graph()["simulator.config"]


def test_no_import_cycles() -> None:
    try:
        graphlib.TopologicalSorter(graph()).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None


def test_only_the_command_line_imports_the_simulator() -> None:
    outside = {m for m in importers_of("simulator") if not any(in_package(m, c) for c in CLI_LAYER)}
    assert not outside, f"only {CLI_LAYER} may import simulator; also: {sorted(outside)}"


def test_the_simulator_does_not_import_the_engine() -> None:
    engine = {m for m in importers_of("streams") if in_package(m, "simulator")}
    assert not engine, f"simulator modules importing streams: {sorted(engine)}"
