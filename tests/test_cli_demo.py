"""`crosscheck demo`: the README's first command generates a county, screens it and says how the
result compares with the county's planted answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("pause", ["_collector_paused", "_modules_frozen"])
def test_the_installed_command_pauses_the_collector_and_freezes_what_it_kept(monkeypatch, pause):
    """`run` and `demo` import the engine (`_collector_paused`) and screen a month
    (`_modules_frozen`) without cyclic collections, then freeze what they kept and collect again;
    an in-process caller's collector is left as it is."""
    import gc

    from crosscheck import cli

    assert gc.isenabled()
    with getattr(cli, pause)():
        assert gc.isenabled()
    monkeypatch.setattr(cli, "_PROCESS_ENDS", True)
    before = gc.get_freeze_count()
    try:
        with getattr(cli, pause)():
            assert not gc.isenabled()
            kept = [[] for _ in range(100)]  # tracked objects made while paused: frozen after
        assert gc.isenabled() and gc.get_freeze_count() >= before + 100 and kept
    finally:
        gc.unfreeze()
