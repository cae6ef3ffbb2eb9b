"""Carry-over of decisions across months: the pure function, and real `crosscheck run --store` runs
of a copy of fixtures/county-small over two months, with an evidence record edited in between."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from conftest import COUNTY, run_county

from crosscheck.carry_over import carry_over
from crosscheck.review_log import decide, state
from crosscheck.store import Store

DEATHS = "sources/公安死亡注销.csv"


def _planted_death() -> tuple[int, str]:
    """The line index and the name of the first death record of a planted `deceased` case whose ID
    is written in full (found from the county's expected.csv, so a regenerated county still works)."""
    planted = pl.read_csv(COUNTY / "expected.csv", infer_schema=False).filter(
        pl.col("rule_id") == "deceased", pl.col("kind") == "planted", pl.col("needs") == "exact")
    ids = set(planted["id_number"])
    lines = (COUNTY / DEATHS).read_text(encoding="gbk").splitlines()
    header = lines[0].split(",")
    id_col, name_col = header.index("身份证号码"), header.index("姓名")
    for i, line in enumerate(lines[1:], start=1):
        fields = line.split(",")
        if unicodedata.normalize("NFKC", fields[id_col]).replace(" ", "") in ids:
            return i, fields[name_col]
    raise AssertionError("no planted death record with a full ID in the county")


DEAD_LINE, DEAD_NAME = _planted_death()
DEAD_ROW = f"{DEATHS}:{DEAD_LINE + 1}"  # the record's row as Excel counts (header = 1)


def copy_county(dst: Path, month: str | None = None) -> Path:
    """A copy of the county to edit, screened for `month` (default: the county's own month)."""
    shutil.copytree(COUNTY, dst)
    config = dst / "month.yaml"
    if month is not None:
        lines = config.read_text(encoding="utf-8").splitlines()
        config.write_text("\n".join(f'month: "{month}"' if x.startswith("month:") else x for x in lines) + "\n",
                          encoding="utf-8")
    return config


def edit_death_record(county: Path) -> None:
    """Change the name on the death record (a homophone: still the same person, other evidence)."""
    path = county / DEATHS
    lines = path.read_text(encoding="gbk").splitlines(keepends=True)
    assert f",{DEAD_NAME}," in lines[DEAD_LINE]
    lines[DEAD_LINE] = lines[DEAD_LINE].replace(f",{DEAD_NAME},", f",{DEAD_NAME[:-1]}{'东' if DEAD_NAME[-1] != '东' else '冬'},")
    path.write_text("".join(lines), encoding="gbk")


def hold_case_ids(out: Path) -> set[str]:
    sheets = pl.read_excel(out / "hold_list.xlsx", sheet_id=0)
    return {cid for name, df in sheets.items() if name != "汇总" for cid in df["案件编号"].to_list()}


@pytest.mark.parametrize(("before", "decided_on", "expected"), [
    (None, None, "new"),
    ("pending", None, "pending"),
    ("field_check", "f1", "field_check"),
    ("confirmed", "f0", "confirmed"),
    ("dismissed", "f1", "carried_dismissed"),
    ("dismissed", "f0", "evidence_changed"),
])
def test_carry_over_states(before: str | None, decided_on: str | None, expected: str) -> None:
    cases = pl.DataFrame({"case_id": ["a", "b"], "evidence_fingerprint": ["f1", "f9"], "severity": ["hold", "review"]})
    states = pl.DataFrame({"case_id": ["a"] if before else [], "state": [before] if before else [],
                           "evidence_fingerprint": [decided_on] if before else []},
                          schema={"case_id": pl.String, "state": pl.String, "evidence_fingerprint": pl.String})
    out = carry_over(cases, states)
    assert out["review_state"].to_list() == [expected, "new"]
    assert out.drop("review_state").equals(cases)


def test_dismissed_stays_off_confirmed_stays_on_changed_evidence_comes_back(tmp_path: Path) -> None:
    store_path = tmp_path / "review.db"
    run_county(COUNTY / "month.yaml", tmp_path / "m1", store_path)
    first = pl.read_parquet(tmp_path / "m1" / "cases.parquet")
    assert set(first["review_state"]) == {"new"}
    dead = first.filter(pl.col("source_ref") == DEAD_ROW).row(0, named=True)
    vehicle = first.filter(pl.col("rule_id") == "vehicle").row(0, named=True)
    assert dead["case_id"] in hold_case_ids(tmp_path / "m1") and vehicle["severity"] == "review"
    store = Store.open(store_path)
    decide(store, dead["case_id"], user="insp", role="inspector", decision="dismissed", reason="死亡记录有误，本人健在")
    decide(store, vehicle["case_id"], user="insp", role="inspector", decision="confirmed")

    # the next month, same evidence: the dismissal is carried over, the confirmed case is held
    config = copy_county(tmp_path / "county-run2", "2023-01")
    run_county(config, tmp_path / "m2", store_path)
    second = pl.read_parquet(tmp_path / "m2" / "cases.parquet")
    states = dict(second.select("case_id", "review_state").iter_rows())
    assert states[dead["case_id"]] == "carried_dismissed"
    assert states[vehicle["case_id"]] == "confirmed"
    held = hold_case_ids(tmp_path / "m2")
    assert dead["case_id"] not in held and vehicle["case_id"] in held
    manifest = json.loads((tmp_path / "m2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["review"]["carried_dismissed"] == 1 and manifest["cases"]["hold"] == len(held)
    assert state(store, dead["case_id"]) == "dismissed"

    # the month after, the death record changed: the case is back, pending, and on the hold list
    config = copy_county(tmp_path / "county-run3", "2023-02")
    edit_death_record(config.parent)
    run_county(config, tmp_path / "m3", store_path)
    third = pl.read_parquet(tmp_path / "m3" / "cases.parquet")
    row = third.filter(pl.col("case_id") == dead["case_id"]).row(0, named=True)
    assert row["review_state"] == "evidence_changed" and row["evidence_fingerprint"] != dead["evidence_fingerprint"]
    assert dead["case_id"] in hold_case_ids(tmp_path / "m3")
    assert state(store, dead["case_id"]) == "pending"
    assert [e["action"] for e in store.history(dead["case_id"])] == ["decide", "evidence_changed"]
    assert [r["run_id"] for r in store.runs()] == [1, 2, 3]
    assert Store.open(store_path).latest_run("2023-02") == 3


def test_without_a_store_the_outputs_have_no_review_state(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from crosscheck.cli import app

    result = CliRunner().invoke(app, ["run", "--config", str(COUNTY / "month.yaml"), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0
    assert "review_state" not in pl.read_parquet(tmp_path / "cases.parquet").columns
    assert "review" not in json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))


def test_a_decision_on_an_earlier_month_is_made_on_that_month_s_evidence(tmp_path: Path) -> None:
    """An inspector still working through December's queue after January's run (with other
    evidence) dismisses on December's evidence: the dismissal must not cover January's evidence,
    which nobody has looked at. Through the page (the queue's month in `back`) and the API."""
    from conftest import PASSWORD, client_for, csrf_of
    from test_store import record

    from crosscheck.users import add_user

    path = tmp_path / "review.db"
    store = Store.open(path)
    record(store, {"c1": "f-dec", "c2": "f-dec"}, month="2022-12")
    record(store, {"c1": "f-jan", "c2": "f-jan"}, month="2023-01")
    add_user(store, "insp", "inspector", PASSWORD)
    client = client_for(path, "insp")
    page = client.get("/cases/c1?month=2022-12")
    assert page.status_code == 200 and "2022-12" in page.text
    response = client.post("/cases/c1/decide", follow_redirects=False, data={
        "csrf": csrf_of(page.text), "decision": "dismissed", "reason": "已核实", "back": "month=2022-12"})
    assert response.status_code == 303
    token = client.get("/api/session").json()["csrf"]
    api = client.post("/api/cases/c2/decisions", headers={"X-CSRF-Token": token},
                      json={"decision": "dismissed", "reason": "已核实", "month": "2022-12"})
    assert api.status_code == 201
    decided_on = dict(store.current_states().select("case_id", "evidence_fingerprint").iter_rows())
    assert decided_on == {"c1": "f-dec", "c2": "f-dec"}
    february = record(store, {"c1": "f-jan", "c2": "f-jan"}, month="2023-02")
    assert february["review_state"].to_list() == ["evidence_changed", "evidence_changed"]
    # a decision on the latest month (the page's default) is made on the latest evidence
    client.post("/cases/c1/decide", data={"csrf": token, "decision": "dismissed", "reason": "已核实"})
    assert record(store, {"c1": "f-jan", "c2": "f-jan"}, month="2023-03")["review_state"][0] == "carried_dismissed"
