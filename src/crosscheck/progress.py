"""Progress on long steps: rich bars when attached to a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("crosscheck")


class Steps:
    """Times named stages; shows them as they run."""

    def __init__(self, interactive: bool | None = None) -> None:
        self.interactive = sys.stderr.isatty() if interactive is None else interactive
        self.timings: dict[str, float] = {}
        self._progress = None

    def __enter__(self) -> "Steps":
        if self.interactive:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                      transient=False)
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextmanager
    def stage(self, name: str, label: str | None = None, total: int = 1) -> Iterator["callable"]:
        """A stage (timed under `name`, shown as `label`) of `total` units; yields `advance()`."""
        start = time.perf_counter()
        label = label or name
        task = self._progress.add_task(label, total=total) if self._progress else None

        def advance(n: int = 1) -> None:
            if task is not None:
                self._progress.advance(task, n)

        if task is None:
            log.info("%s ...", label)
        yield advance
        elapsed = time.perf_counter() - start
        self.timings[name] = round(elapsed, 3)
        if task is not None:
            self._progress.update(task, completed=total, refresh=True)
        else:
            log.info("%s: %.2fs", label, elapsed)


class LazyConsole:
    """rich's Console, made on first use: rich takes about 50 ms to import, which a command that
    prints nothing styled (the monthly run's plain summary) does not spend."""

    def __init__(self, **options) -> None:
        self._options, self._console = options, None

    def __getattr__(self, name: str):
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)
