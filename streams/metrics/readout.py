"""Read-out policy: how partition sums become exported series, whoever renders them.

Shared by the Prometheus collector (per partition, at scrape time) and the offline
report (summed over partitions): free-text labels keep their first `limit` values
and fold the rest into `other` (CONTRACT section 7), every histogram shows every
`le` bucket, stored integers are divided by their catalogue scale, and a series
prints as `name{a="x",b="y"}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from streams.metrics.base import Labels, SeriesKey
from streams.metrics.histograms import bucket_groups, bucket_key, le_for

FREE_TEXT_LABELS = ("plan", "team", "feature")
OTHER = "other"


class LabelFolder:
    """Keeps `limit` distinct values of each free-text label and folds the rest into `other`.

    Local (the default): the first `limit` values this folder meets. Shared: which values
    are kept is decided by a registry every worker and the report consult (Redis, see
    exposition/label_registry.py), so one value folds the same way on every worker and
    after every restart. A value the registry has not answered for yet folds into `other`
    and waits in `unknown`: the sum over a label stays exact whatever the registry does.
    """

    def __init__(self, limit: int = 50, shared: bool = False) -> None:
        self.limit = limit
        self.shared = shared
        self.kept: dict[str, set[str]] = {}
        self.unknown: dict[str, set[str]] = {}  # shared only: values to ask the registry about

    def fold(self, label: str, value: str) -> str:
        kept = self.kept.setdefault(label, set())
        if value in kept:
            return value
        if len(kept) >= self.limit:
            return OTHER
        if self.shared:
            self.unknown.setdefault(label, set()).add(value)
            return OTHER
        kept.add(value)
        return value

    def learn(self, label: str, members: Iterable[str]) -> None:
        """The registry's kept values of `label` (all of them): unknown ones are now decided."""
        self.kept[label] = set(members)
        self.unknown.pop(label, None)


def fill_buckets(read: dict[SeriesKey, int]) -> dict[SeriesKey, int]:
    """Add the zero `le` buckets a histogram leaves out, so histogram_quantile sees every edge.

    Buckets are cumulative, so a missing one means no observation at or below it.
    """
    for (name, rest), present in bucket_groups(read).items():
        for le in le_for(name.removesuffix("_bucket")):
            if le not in present:
                read[bucket_key(name, rest, le)] = 0
    return read


def export_value(name: str, value: int, scales: Mapping[str, int]) -> float:
    """The stored integer of sample `name` in its exported unit (`scales`: the domain's)."""
    scale = scales.get(name, 1)
    return value / scale if scale != 1 else float(value)


def fold_labels(labels: Iterable[tuple[str, str]], folder: LabelFolder) -> Labels:
    return tuple((k, folder.fold(k, v) if k in FREE_TEXT_LABELS else v) for k, v in labels)


def exported(
    read: dict[SeriesKey, int], scales: Mapping[str, int], folder: LabelFolder, extra: Labels = ()
) -> Iterator[tuple[SeriesKey, float]]:
    """One partition's read-out as exported rows: buckets filled, labels folded plus `extra`."""
    for (name, labels), value in fill_buckets(read).items():
        yield (name, (*fold_labels(labels, folder), *extra)), export_value(name, value, scales)


def flat_name(key: SeriesKey) -> str:
    """`name{a="x",b="y"}` with labels sorted by name, the report --json key format."""
    name, labels = key
    if not labels:
        return name
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels))
    return f"{name}{{{inner}}}"
