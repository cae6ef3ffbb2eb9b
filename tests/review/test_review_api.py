"""The JSON API and the 整改台账 export on a store filled by a real run of fixtures/county-small."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import polars as pl
from conftest import client_for, csrf_of


def _cases(store: Path) -> pl.DataFrame:
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT case_id, rule_id, town, programs, severity, id_number, name FROM cases").fetchall()
    return pl.DataFrame(rows, schema=["case_id", "rule_id", "town", "programs", "severity", "id_number", "name"],
                        orient="row")


def test_case_list_filters_and_pages(fresh_store: Path) -> None:
    cases = _cases(fresh_store)
    client = client_for(fresh_store, "look")
    everything = client.get("/api/cases?per_page=1000").json()
    assert everything["total"] == cases.height and everything["filters"]["month"] == "2022-12"
    assert {c["case_id"] for c in everything["cases"]} == set(cases["case_id"])
    town = cases["town"].drop_nulls()[0]
    for query, expected in [
        ("rule=deceased", cases.filter(pl.col("rule_id") == "deceased")),
        (f"town={town}", cases.filter(pl.col("town") == town)),
        ("severity=review", cases.filter(pl.col("severity") == "review")),
        ("program=rural_dibao", cases.filter(pl.col("programs").str.split(",").list.contains("rural_dibao"))),
    ]:
        got = client.get(f"/api/cases?{query}&per_page=1000").json()
        assert {c["case_id"] for c in got["cases"]} == set(expected["case_id"]), query
    page2 = client.get("/api/cases?per_page=10&page=2").json()
    assert len(page2["cases"]) == 10 and page2["cases"][0]["case_id"] == everything["cases"][10]["case_id"]
    assert not any(c["id_number"] in set(cases["id_number"].drop_nulls()) for c in everything["cases"])
    html = client.get("/cases?rule=deceased").text
    assert f"共 {cases.filter(pl.col('rule_id') == 'deceased').height} 条" in html


def test_decide_through_the_api_and_read_the_decisions(fresh_store: Path) -> None:
    case_id = _cases(fresh_store).filter(pl.col("rule_id") == "vehicle")["case_id"][0]
    client = client_for(fresh_store, "insp")
    token = client.get("/api/session").json()["csrf"]
    post = client.post(f"/api/cases/{case_id}/decisions", headers={"X-CSRF-Token": token},
                       json={"decision": "field_check", "note": "下周入户"})
    assert post.status_code == 201 and post.json()["state"] == "field_check"
    missing_reason = client.post(f"/api/cases/{case_id}/decisions", headers={"X-CSRF-Token": token},
                                 json={"decision": "dismissed"})
    assert missing_reason.status_code == 409 and "理由" in missing_reason.json()["error"]
    one = client.get(f"/api/cases/{case_id}").json()
    assert one["state"] == "field_check" and one["decisions"][-1]["note"] == "下周入户"
    assert [d["case_id"] for d in client.get("/api/decisions?month=2022-12").json()["decisions"]] == [case_id]
    assert client.get("/api/cases?state=field_check").json()["total"] == 1
    undo = client.post(f"/api/cases/{case_id}/decisions", headers={"X-CSRF-Token": token}, json={"action": "undo"})
    assert undo.status_code == 201 and undo.json()["state"] == "pending"
    assert len(client.get(f"/api/decisions?case_id={case_id}").json()["decisions"]) == 2


def test_ledger_export_holds_decided_cases_with_ids_as_text(fresh_store: Path) -> None:
    cases = _cases(fresh_store).filter(pl.col("rule_id") == "deceased").sort("case_id")
    client = client_for(fresh_store, "boss")
    token = csrf_of(client.get("/cases").text)
    first, second = cases.row(0, named=True), cases.row(1, named=True)
    client.post(f"/cases/{first['case_id']}/decide", data={"csrf": token, "decision": "confirmed", "note": "已停发"})
    client.post(f"/cases/{second['case_id']}/decide", data={"csrf": token, "decision": "dismissed", "reason": "同名"})
    response = client.get("/export?month=2022-12")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    ledger = pl.read_excel(io.BytesIO(response.content), sheet_name="整改台账")
    assert ledger.height == 2
    assert ledger.schema["身份证号码"] == pl.String
    by_case = {r["案件编号"]: r for r in ledger.iter_rows(named=True)}
    assert by_case[first["case_id"]]["身份证号码"] == first["id_number"]
    assert by_case[first["case_id"]]["核查结论"] == "属实" and by_case[first["case_id"]]["备注"] == "已停发"
    assert by_case[second["case_id"]]["核查结论"] == "不属实" and by_case[second["case_id"]]["理由"] == "同名"
    assert by_case[second["case_id"]]["核查人"] == "boss"
    assert client.get("/export?month=1999-01").status_code == 404
