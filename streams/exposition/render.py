"""The /metrics page: prometheus_client's text format, with each series' name and
labels formatted once.

`generate_latest` escapes and checks every label of every sample on every scrape,
~30 us a sample: a page of 4,000 samples held the worker's loop ~120 ms, and a scrape
every few seconds then costs processing time. `render` writes the same bytes (the
tests compare it with `generate_latest`), keeping each sample's `name{labels}` from
one scrape to the next; only the values are formatted again.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics import exposition as om
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

_OM_SUFFIXES = ("_created", "_gsum", "_gcount")  # put in gauges of their own, as generate_latest does
_TYPES = {"info": "gauge", "stateset": "gauge", "gaugehistogram": "histogram", "unknown": "untyped"}
MAX_CACHED = 200_000  # series names kept; past that (label churn) the cache starts afresh


class PageRenderer:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._heads: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def render(self) -> bytes:
        """What `generate_latest(registry)` returns (its default escaping)."""
        output: list[str] = []
        line = self._line
        for metric in self.registry.collect():
            name, kind = metric.name, metric.type
            if kind == "counter":
                name += "_total"
            elif kind == "info":
                name += "_info"
            kind = _TYPES.get(kind, kind)
            output.append(_help(name, metric.documentation))
            output.append(f"# TYPE {om.escape_metric_name(name)} {kind}\n")
            extra: dict[str, list[str]] = {}
            for sample in metric.samples:
                for suffix in _OM_SUFFIXES:
                    if sample.name == metric.name + suffix:
                        extra.setdefault(suffix, []).append(line(sample))
                        break
                else:
                    output.append(line(sample))
            for suffix, lines in sorted(extra.items()):
                output.append(_help(metric.name + suffix, metric.documentation))
                output.append(f"# TYPE {om.escape_metric_name(metric.name + suffix)} gauge\n")
                output.extend(lines)
        return "".join(output).encode("utf-8")

    def _line(self, sample: Sample) -> str:
        key = (sample.name, tuple(sample.labels.items()))
        head = self._heads.get(key)
        if head is None:
            if len(self._heads) >= MAX_CACHED:
                self._heads.clear()
            head = self._heads[key] = _head(sample)
        if sample.timestamp is not None:
            return f"{head}{floatToGoString(sample.value)} {int(float(sample.timestamp) * 1000):d}\n"
        return f"{head}{floatToGoString(sample.value)}\n"


def _help(name: str, documentation: str) -> str:
    text = documentation.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {om.escape_metric_name(name)} {text}\n"


def _head(sample: Sample) -> str:
    """`name{labels} ` as generate_latest writes it: labels sorted, values escaped."""
    name = om.escape_metric_name(sample.name)
    if not sample.labels:
        return f"{name} "
    labels = ",".join(
        f'{om.escape_label_name(k)}="{om._escape(v, om.ALLOWUTF8, False)}"'  # type: ignore[arg-type]
        for k, v in sorted(sample.labels.items())
    )
    return f"{name}{{{labels}}} "
