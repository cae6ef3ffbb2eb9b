"""End-to-end: `crosscheck run` on the hand-made mini month (fixtures/mini), exact cases found and missed."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from crosscheck.cli import app

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini" / "month.yaml"

# (rule_id, household_id) that must be flagged; every line of the fixture is a case or a decoy.
EXPECTED = {
    ("deceased", "H001"),  # died 2022-10-03, death record in traditional characters
    ("deceased", "H010"),  # death record holds the 15-digit legacy number
    ("deceased", "H012"),  # death record: two digits of the birth date swapped, name in traditional form
    ("duplicate_in_roster", "H003"),  # 王强 in rural dibao ...
    ("duplicate_in_roster", "H004"),  # ... and urban dibao: one family
    ("exclusive_programs", "H005"),  # 赵敏 in rural dibao ...
    ("exclusive_programs", "T001"),  # ... and tekun (dispersed)
    ("invalid_id", "H007"),  # check digit wrong
    ("age_mismatch", "E001"),  # 78 on 2022-12-01, elderly allowance needs 80
    ("age_mismatch", "O001"),  # turned 18 on 2022-11-30
    ("amount_above_standard", "H010"),  # 420元 > 385
    ("amount_above_standard", "T002"),  # 600 > 501
}
# Decoys: must not be flagged by the rule named.
DECOYS = {
    ("deceased", "H002"),  # died 2022-12-05, during the month: still due
    ("deceased", "H003"),  # died 2023-01-02, after the month
    ("deceased", "H013"),  # a death record one keystroke away, but another name: another person
    ("duplicate_in_roster", "H007"),  # check digit wrong, one keystroke from H002's number, other name
    ("duplicate_in_roster", "H006"),  # twins: same birth date, neighbouring sequence numbers
    ("invalid_id", "H002"),  # full-width digits: valid after normalisation
    ("age_mismatch", "E002"),  # turns 80 exactly on 2022-12-01
    ("age_mismatch", "O002"),  # turns 18 on 2022-12-15: 17 on the first day
    ("amount_above_standard", "T001"),  # "501.00" equals the standard
    ("amount_above_standard", "H002"),  # "385元" equals the standard
}


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mini-out")
    result = CliRunner().invoke(app, ["run", "--config", str(MINI), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_exact_cases_found(mini_run: Path) -> None:
    cases = pl.read_parquet(mini_run / "cases.parquet")
    found = set(cases.select("rule_id", "household_id").iter_rows())
    assert found == EXPECTED
    assert not found & DECOYS


def test_case_columns_and_severity(mini_run: Path) -> None:
    cases = pl.read_parquet(mini_run / "cases.parquet")
    for column in ("case_id", "rule_id", "severity", "program", "household_id", "id_number", "name",
                   "source_kind", "source_ref", "match_score", "explanation", "amount_at_risk"):
        assert column in cases.columns
    assert cases["case_id"].n_unique() == cases.height
    severity = dict(cases.select("rule_id", "severity").unique().iter_rows())
    assert severity["deceased"] == "hold" and severity["amount_above_standard"] == "review"
    dead = cases.filter(pl.col("household_id") == "H010", pl.col("rule_id") == "deceased").row(0, named=True)
    assert dead["source_ref"] == "sources/deaths.csv:3"
    assert "15位旧号码" in dead["explanation"] and "2022-11-05" in dead["explanation"]
    excess = cases.filter(pl.col("rule_id") == "amount_above_standard").sort("household_id")
    assert excess["amount_at_risk"].to_list() == [35.0, 99.0]


def test_rejects_and_row_accounting(mini_run: Path) -> None:
    rejects = pl.read_parquet(mini_run / "rejects.parquet")
    assert set(rejects.select("file", "row", "field").iter_rows()) == {
        ("roster_dibao.csv", 10, "id_number"),  # no ID and no name
        ("roster_dibao.csv", 11, "program"),  # 临时救助 is not a program of this catalog
        ("roster_dibao.csv", 13, "amount"),  # 待定
        ("sources/deaths.csv", 6, "death_date"),  # 不详
    }
    manifest = json.loads((mini_run / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["inputs"]:
        assert f["rows_read"] == f["rows_used"] + f["rows_rejected"]
    assert manifest["totals"] == {"rows_read": 27, "rows_used": 23, "rows_rejected": 4}
    assert manifest["month"] == "2022-12"
    assert {r["id"] for r in manifest["rules"]} >= {"deceased", "invalid_id"}
    assert all(len(f["sha256"]) == 64 for f in manifest["inputs"])


def test_hold_list_has_only_hold_cases_as_text(mini_run: Path) -> None:
    import fastexcel

    reader = fastexcel.read_excel(mini_run / "hold_list.xlsx")
    assert reader.sheet_names[0] == "汇总"
    rows = pl.concat([reader.load_sheet(s, dtypes="string").to_polars() for s in reader.sheet_names[1:]])
    cases = pl.read_parquet(mini_run / "cases.parquet")
    assert rows.height == cases.filter(pl.col("severity") == "hold").height
    assert "身份证号码" in rows.columns and "431221195001010339" in rows["身份证号码"].to_list()


def test_report_masks_personal_data(mini_run: Path) -> None:
    page = (mini_run / "report.html").read_text(encoding="utf-8")
    assert "431221195001010339" not in page and "郑洁" not in page
    assert "431221********0339" in page and "郑*" in page
    assert "id='total-cases'>12<" in page
    assert "http://" not in page and "https://" not in page


def test_same_inputs_same_bytes(mini_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--config", str(MINI), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0
    assert (tmp_path / "cases.parquet").read_bytes() == (mini_run / "cases.parquet").read_bytes()
    assert (tmp_path / "hold_list.xlsx").read_bytes() == (mini_run / "hold_list.xlsx").read_bytes()


def test_config_error_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "month.yaml"
    bad.write_text("month: 2022-12\nroster:\n  - path: nowhere.csv\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--config", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "roster[0].path" in message and "nowhere.csv" in message
    assert not (tmp_path / "o").exists()


def test_queries_run_on_the_in_memory_engine_unless_asked_otherwise(monkeypatch) -> None:
    import polars as pl

    from crosscheck.pipeline import polars_engine

    monkeypatch.delenv("POLARS_ENGINE_AFFINITY", raising=False)
    with polars_engine():
        assert pl.Config.state(if_set=True).get("POLARS_ENGINE_AFFINITY") == "in-memory"
    assert "POLARS_ENGINE_AFFINITY" not in pl.Config.state(if_set=True)  # restored after the run
    monkeypatch.setenv("POLARS_ENGINE_AFFINITY", "streaming")  # the user's choice is kept
    with polars_engine():
        assert pl.Config.state(if_set=True).get("POLARS_ENGINE_AFFINITY") == "streaming"


def test_a_run_uses_the_engine_and_restores_it_on_error(monkeypatch, tmp_path: Path) -> None:
    import polars as pl

    from crosscheck import pipeline

    monkeypatch.delenv("POLARS_ENGINE_AFFINITY", raising=False)
    seen = []

    def screen(*args):
        seen.append(pl.Config.state(if_set=True).get("POLARS_ENGINE_AFFINITY"))
        raise RuntimeError("stop")

    monkeypatch.setattr(pipeline, "_screen_month", screen)
    with pytest.raises(RuntimeError):
        pipeline.run_month(tmp_path / "month.yaml", tmp_path / "out")
    assert seen == ["in-memory"]
    assert "POLARS_ENGINE_AFFINITY" not in pl.Config.state(if_set=True)


def test_the_first_bad_header_in_config_order_is_reported(tmp_path: Path) -> None:
    """Headers are checked two files at a time, workbooks first; the error is still the first
    input's in month.yaml order, and no sheet stays kept for a read that will not come."""
    import xlsxwriter

    from crosscheck import read
    from crosscheck.errors import ConfigError
    from crosscheck.pipeline import check_month

    (tmp_path / "a.csv").write_text("备注,其他\n1,2\n", encoding="utf-8")  # no ID number, no name
    book = xlsxwriter.Workbook(str(tmp_path / "b.xlsx"))
    sheet = book.add_worksheet("名册")
    for c, v in enumerate(["姓名", "身份证号码", "保障类别"]):
        sheet.write(0, c, v)
    book.close()
    (tmp_path / "month.yaml").write_text(
        "month: 2022-12\nroster:\n  - path: a.csv\n  - path: b.xlsx\n    sheet: 名册\n"
        "sources:\n  - kind: deaths\n    path: c.csv\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("身份证号码,姓名\n1,张三\n", encoding="utf-8")  # no death date
    with pytest.raises(ConfigError, match=r"roster\[0\].*a\.csv"):
        check_month(tmp_path / "month.yaml")
    assert read._LOADED_SHEETS == {}


def test_the_collector_is_left_alone_in_process_and_spared_by_the_command(tmp_path: Path) -> None:
    import gc
    import subprocess
    import sys

    assert gc.get_freeze_count() == 0
    result = CliRunner().invoke(app, ["run", "--config", str(MINI), "--out", str(tmp_path / "a"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == 0  # a test process (or any caller of app()) frees what it drops
    gc.freeze()  # and a caller that froze objects itself keeps them frozen
    try:
        frozen = gc.get_freeze_count()
        result = CliRunner().invoke(app, ["run", "--config", str(MINI), "--out", str(tmp_path / "c"), "--quiet"])
        assert result.exit_code == 0, result.output
        assert abs(gc.get_freeze_count() - frozen) < 1000  # neither unfrozen (0) nor the run frozen too
    finally:
        gc.unfreeze()
    # the installed command (`main`, as `python -m crosscheck`) leaves its modules frozen at exit
    probe = ("import atexit, gc, sys; atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr));"
             "sys.argv = ['crosscheck', *sys.argv[1:]]; import runpy; runpy.run_module('crosscheck', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", probe, "run", "--config", str(MINI), "--out", str(tmp_path / "b"),
                           "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    frozen = int(done.stderr.split("frozen ")[1].split()[0])
    assert frozen > 10_000, done.stderr
    assert (tmp_path / "b" / "cases.parquet").read_bytes() == (tmp_path / "a" / "cases.parquet").read_bytes()


def test_the_command_runs_blas_on_one_thread_unless_told_otherwise(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    probe = ("import atexit, os, sys; atexit.register(lambda: print('blas', os.environ.get('OPENBLAS_NUM_THREADS'),"
             " file=sys.stderr)); sys.argv = ['crosscheck', *sys.argv[1:]]; from crosscheck.cli import main; main()")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for given, expected in ((None, "1"), ("2", "2")):
        run_env = env if given is None else {**env, "OPENBLAS_NUM_THREADS": given}
        done = subprocess.run([sys.executable, "-c", probe, "check", "--config", str(MINI)], capture_output=True,
                              text=True, env=run_env)
        assert done.returncode == 0, done.stderr
        assert f"blas {expected}" in done.stderr


def test_the_run_says_whether_every_input_has_a_label_of_its_own(tmp_path: Path, monkeypatch) -> None:
    """References (file:row) are unique only if no two inputs share a label: the run tells the
    household lookups so (a file given twice, or two sheets of one workbook, share one)."""
    import shutil

    import yaml

    from crosscheck import pipeline, screen

    seen = []
    real = screen.run_rules

    def spy(ctx, catalog, timings=None, advance=None):
        seen.append(ctx.distinct_files)
        return real(ctx, catalog, timings, advance)

    monkeypatch.setattr(pipeline, "run_rules", spy)
    pipeline.run_month(MINI, tmp_path / "once")
    folder = tmp_path / "twice"
    shutil.copytree(MINI.parent, folder)
    config = yaml.safe_load((folder / "month.yaml").read_text(encoding="utf-8"))
    config["sources"].append(dict(config["sources"][0]))  # the deaths file listed twice
    (folder / "month.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    first = pipeline.run_month(folder / "month.yaml", tmp_path / "a")
    second = pipeline.run_month(folder / "month.yaml", tmp_path / "b")
    assert seen == [True, False, False]
    assert (tmp_path / "a" / "cases.parquet").read_bytes() == (tmp_path / "b" / "cases.parquet").read_bytes()
    assert first.cases.height == second.cases.height > 0
