"""A progress bar on stderr (quiet when not a terminal or when asked)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

stderr = Console(stderr=True)


@contextmanager
def progress(label: str, total: int | None, enabled: bool = True) -> Iterator[tuple[Progress, TaskID]]:
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=stderr,
        disable=not enabled,
        transient=False,
    )
    with bar:
        task = bar.add_task(label, total=total, rate="")
        yield bar, task
