"""The worker's own instruments are in the series catalogue, with the catalogue's type.

(The families read from partition sums are checked in tests/unit/test_catalogue.py.)
"""

from __future__ import annotations

from streams.metrics.catalogue import ENTRIES, Kind, help_for, lookup
from streams.settings import load_settings
from streams.worker.app import Worker

TYPES = {Kind.COUNTER: "counter", Kind.GAUGE: "gauge", Kind.HISTOGRAM: "histogram"}


def test_every_worker_instrument_is_catalogued_and_every_worker_entry_registered(tmp_path) -> None:
    settings = load_settings({"CSPULSE_STORE": "memory://", "CSPULSE_DATA_DIR": str(tmp_path)})
    worker = Worker(settings)
    registered = set()
    for family in worker.registry.collect():
        if family.name.startswith("faust_"):  # Faust's own sensor, named by Faust
            continue
        entry, part = lookup(family.name)
        assert part == "", family.name
        assert family.type == TYPES[entry.kind], family.name
        assert family.documentation == help_for(family.name), family.name
        registered.add(entry.name)
    assert {e.name for e in ENTRIES if e.origin == "worker"} <= registered
