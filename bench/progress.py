"""A one-line progress display on stderr (rich; quiet when stderr is not a terminal)."""

from __future__ import annotations

from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.common import console


class Bar:
    """`with Bar("label", total) as bar: bar.update(done, "12,000/s")`."""

    def __init__(self, label: str, total: int | None) -> None:
        self._progress = Progress(
            TextColumn("  [bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task(label, total=total, note="")

    def __enter__(self) -> Bar:
        self._progress.start()
        return self

    def update(self, done: int | float, note: str | None = None) -> None:
        if note is None:
            self._progress.update(self._task, completed=done)
        else:
            self._progress.update(self._task, completed=done, note=note)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()
