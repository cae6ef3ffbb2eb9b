"""The installed command's entry point (`crosscheck.command.main`): the command-line modules are
imported with the cyclic collector paused and frozen after, then `cli.main` runs."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from crosscheck import cli, command

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini" / "month.yaml"


def test_the_entry_point_freezes_what_it_imported_and_collects_again(monkeypatch) -> None:
    seen = {}

    def fake_main() -> None:  # what cli.main sees when it starts
        seen["enabled"], seen["frozen"] = gc.isenabled(), gc.get_freeze_count()

    monkeypatch.setattr(cli, "main", fake_main)
    before = gc.get_freeze_count()
    try:
        command.main()
        assert seen["enabled"] and seen["frozen"] > before and gc.isenabled()
    finally:
        gc.unfreeze()


def test_the_entry_point_sets_off_few_collections_before_the_command_runs(tmp_path: Path) -> None:
    """In a fresh process, typer's and pydantic's imports run with the collector paused: a handful of
    collections at most before the command starts (about 60 with the collector running)."""
    probe = ("import gc, sys; n = [0]; gc.callbacks.append(lambda phase, info: n.__setitem__(0, n[0] + (phase == 'start')));"
             "import crosscheck.progress as p; enter = p.Steps.__enter__;"
             "p.Steps.__enter__ = lambda self: (print('collections', n[0], file=sys.stderr), enter(self))[1];"
             "sys.argv = ['crosscheck', *sys.argv[1:]]; from crosscheck.command import main; main()")
    done = subprocess.run([sys.executable, "-c", probe, "run", "--config", str(MINI), "--out", str(tmp_path), "--quiet"],
                          capture_output=True, text=True)
    assert "collections" in done.stderr, done.stderr
    assert int(done.stderr.split("collections ")[1].split()[0]) < 20, done.stderr
