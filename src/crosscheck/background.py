"""Work the monthly run does on background threads beside its stages: modules imported before
they are needed, and the inputs' SHA-256 for the manifest (`pipeline` starts them)."""

from __future__ import annotations

import hashlib
import importlib
import threading
from pathlib import Path

from crosscheck import hanzi

# modules first needed after reading (matching with numpy and rapidfuzz): imported on a
# background thread while the main thread checks the config and reads (Polars releases the GIL),
# instead of in the critical path; the names' character table is loaded first. The main thread
# imports none of them itself before it needs them (then it waits for the import under way), and
# the background thread needs nothing the main thread is importing.
# numpy.ma: Polars imports it the first time it is handed a numpy array (the keystroke look-ups'
# row numbers), 25 ms in the middle of the first matching
LATE_IMPORTS = ("crosscheck.link", "numpy.ma")
# the outputs' modules, imported on a second background thread once the graph stage starts: the
# config check and the reading hold the GIL for much of their time (YAML, pydantic, the glue
# between Polars calls), the graph and the rules stages seldom (their time is in Polars)
OUTPUT_IMPORTS = ("xlsxwriter", "crosscheck.report")


def warm_imports(names: tuple[str, ...], *, char_table: bool = True) -> threading.Thread:
    """Import `names` (and first load the names' character table, with `char_table`) on a daemon
    thread; import errors are left to the code that uses the module."""

    def load() -> None:
        if char_table:
            try:
                hanzi.tables()
            except OSError:  # reported where names are normalised
                pass
        for name in names:
            try:
                importlib.import_module(name)
            except ImportError:  # reported where the module is used
                pass

    thread = threading.Thread(target=load, name="crosscheck-imports", daemon=True)
    thread.start()
    return thread


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class FileHashes:
    """The SHA-256 of files, computed one after another on a daemon thread (never waited for at
    exit); `result()` waits for them, `stop()` ends the work after the current file."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths, self._done, self._stop = list(dict.fromkeys(paths)), {}, threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="crosscheck-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for path in self._paths:
                if self._stop.is_set():
                    return
                self._done[path] = sha256_of(path)
        except BaseException as e:  # an input gone or unreadable since it was read: raised by result()
            self._error = e

    def result(self) -> dict[Path, str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._done

    def stop(self) -> None:
        self._stop.set()
