"""Progress reporting for long steps: silent by default, a rich progress bar from the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class ProgressTask(Protocol):
    def advance(self, amount: float = 1) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: float | None = None) -> ProgressTask: ...

    def note(self, message: str) -> None: ...


class _SilentTask:
    def advance(self, amount: float = 1) -> None:
        pass


class SilentProgress:
    def task(self, description: str, total: float | None = None) -> ProgressTask:
        return _SilentTask()

    def note(self, message: str) -> None:
        pass


class RichProgress:
    """Progress bars on stderr; falls back to plain lines when stderr is not a terminal."""

    def __init__(self, progress) -> None:  # rich.progress.Progress
        self._progress = progress

    def task(self, description: str, total: float | None = None) -> ProgressTask:
        task_id = self._progress.add_task(description, total=total)
        progress = self._progress

        class _Task:
            def advance(self, amount: float = 1) -> None:
                progress.advance(task_id, amount)

        return _Task()

    def note(self, message: str) -> None:
        self._progress.console.print(message)


@contextmanager
def rich_progress() -> Iterator[RichProgress]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as _Progress

    console = Console(stderr=True)
    with _Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        yield RichProgress(progress)
