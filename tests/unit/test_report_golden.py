"""`cspulse report --json` over a fixed file gives the output committed before a change.

The input (6,000 simulated events over 30 days with duplicates, late and bad records)
and the output were recorded together; a restructuring of the engine must not move a
single figure. When a change is meant to move one, regenerate both files in that
commit and say why in its message:

    cspulse report tests/golden/report_input.jsonl --json   (after gunzip)
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from streams.cli import main

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def test_report_json_equals_the_recorded_output(tmp_path: Path, capsys) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(gzip.decompress((GOLDEN / "report_input.jsonl.gz").read_bytes()))
    assert main(["report", str(events), "--json"]) == 0
    produced = json.loads(capsys.readouterr().out)
    expected = json.loads((GOLDEN / "report_output.json").read_text())
    assert produced.keys() == expected.keys()
    assert produced == expected
