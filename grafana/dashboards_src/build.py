"""Write the dashboards to grafana/dashboards/*.json, or check they are up to date.

    python -m grafana.dashboards_src.build           # regenerate
    python -m grafana.dashboards_src.build --check   # exit 1 if the committed JSON differs

The JSON is deterministic (sorted keys, 2-space indent, trailing newline, panel ids
in layout order) so that a diff means a real change.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from grafana_foundation_sdk.builders.dashboard import Dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from .health import health
from .pipeline import pipeline
from .product import product
from .revenue import revenue
from .support import support
from .voc import voc

OUT_DIR = Path(__file__).resolve().parent.parent / "dashboards"

DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "revenue.json": revenue,
    "support.json": support,
    "pipeline.json": pipeline,
    "voc.json": voc,
    "product.json": product,
    "health.json": health,
}


def render(builder: Dashboard) -> str:
    """The dashboard as deterministic JSON text."""
    model = builder.build()
    next_id = 1
    for panel in model.panels or []:
        panel.id_val = next_id
        next_id += 1
        for inner in getattr(panel, "panels", None) or []:  # panels of a collapsed row
            inner.id_val = next_id
            next_id += 1
    data = json.loads(JSONEncoder().encode(model))
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def render_all() -> dict[str, str]:
    return {name: render(factory()) for name, factory in DASHBOARDS.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grafana.dashboards_src.build")
    parser.add_argument("--check", action="store_true", help="fail if the committed JSON differs")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args(argv)

    stale = []
    for name, text in render_all().items():
        path = args.out / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    if stale:
        print(
            "dashboards out of date: " + ", ".join(stale) + "\nrun: python -m grafana.dashboards_src.build",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
