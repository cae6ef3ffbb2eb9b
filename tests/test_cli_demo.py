"""`crosscheck demo`: the README's first command generates a county, screens it and says how the
result compares with the county's planted answers."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from crosscheck.cli import app


def test_demo_screens_the_county_and_checks_its_answers(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--scale", "0.05", "--quiet"])
    assert result.exit_code == 0, result.output
    found = re.search(r"(\d+) of (\d+) planted cases found, (\d+) of (\d+) decoys flagged", result.output)
    assert found is not None, result.output
    hit, planted, false, decoys = map(int, found.groups())
    assert hit == planted > 50 and false == 0 and decoys > 50
    for name in ("cases.parquet", "hold_list.xlsx", "report.html", "rejects.parquet", "components.json",
                 "manifest.json"):
        assert (tmp_path / "result" / name).is_file()
    assert (tmp_path / "county" / "month.yaml").is_file()


def test_the_collector_is_paused_for_the_imports_only_in_the_installed_command(monkeypatch):
    """`run` and `demo` import the engine without cyclic collections, then freeze what they
    imported and collect again; an in-process caller's collector is left as it is."""
    import gc

    from crosscheck import cli

    assert gc.isenabled()
    with cli._collector_paused():
        assert gc.isenabled()
    monkeypatch.setattr(cli, "_PROCESS_ENDS", True)
    before = gc.get_freeze_count()
    try:
        with cli._collector_paused():
            assert not gc.isenabled()
            kept = [[] for _ in range(100)]  # tracked objects made while paused: frozen after
        assert gc.isenabled() and gc.get_freeze_count() >= before + 100 and kept
    finally:
        gc.unfreeze()


def test_the_installed_command_screens_with_the_collector_off_and_turns_it_on_after(monkeypatch):
    """While `run` screens a month the collector is off (the modules frozen first); after, what the
    run kept is frozen too and the collector is on again. In-process callers: left as they are."""
    import gc

    from crosscheck import cli

    with cli._modules_frozen():
        assert gc.isenabled()
    monkeypatch.setattr(cli, "_PROCESS_ENDS", True)
    before = gc.get_freeze_count()
    try:
        with cli._modules_frozen():
            assert not gc.isenabled()
            kept = [[] for _ in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() >= before + 100 and kept
    finally:
        gc.unfreeze()
