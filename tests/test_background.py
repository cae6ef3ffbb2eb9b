"""Background work of the monthly run: the inputs' hashes (stoppable) and modules warmed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def test_input_hashes_match_the_files_and_stop_when_asked(tmp_path: Path) -> None:
    import hashlib
    import threading

    from crosscheck import background
    from crosscheck.background import FileHashes

    files = []
    for i in range(3):
        files.append(tmp_path / f"f{i}.csv")
        files[-1].write_bytes(bytes([i]) * (1 << 20))
    assert FileHashes(files + files[:1]).result() == {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}

    started, release = threading.Event(), threading.Event()

    def slow(path):  # the first file blocks until released: stop() comes while it is hashed
        started.set()
        release.wait(5)
        return "x"

    original, background.sha256_of = background.sha256_of, slow
    try:
        hashes = FileHashes(files)
        started.wait(5)
        hashes.stop()
        release.set()
        assert hashes.result() == {files[0]: "x"}  # the other files are never hashed
    finally:
        background.sha256_of = original

    gone = tmp_path / "gone.csv"
    with pytest.raises(FileNotFoundError):
        FileHashes([gone]).result()


def test_warming_imports_the_modules_and_leaves_missing_ones_to_their_users() -> None:
    from crosscheck.background import warm_imports

    sys.modules.pop("colorsys", None)
    thread = warm_imports(("colorsys", "no_such_module_here"), char_table=False)
    thread.join(10)
    assert not thread.is_alive() and "colorsys" in sys.modules and "no_such_module_here" not in sys.modules
