"""Edge cases a second reviewer found: each a small month written here, run end to end."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from crosscheck.cli import app
from crosscheck.normalize_id import check_digit


def _id(birth: str, seq: int) -> str:
    body = f"431221{birth}{seq:03d}"
    return body + check_digit(body)


A, B, C = _id("19500101", 11), _id("19600202", 21), _id("19700303", 31)
ROSTER = "救助类别,家庭编号,身份证号码,姓名,月发放金额(元),银行账号\n"


def _month(tmp: Path, roster: str, sources: dict[str, tuple[str, str]]) -> Path:
    """A month folder: roster.csv plus sources (kind -> (file name, csv text))."""
    (tmp / "roster.csv").write_text(ROSTER + roster, encoding="utf-8")
    lines = ["month: 2022-12", "roster:", "  - path: roster.csv", "sources:"]
    for kind, (name, text) in sources.items():
        (tmp / name).write_text(text, encoding="utf-8")
        lines += [f"  - kind: {kind}", f"    path: {name}"]
    (tmp / "month.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp / "month.yaml"


def _run(config: Path, out: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return pl.read_parquet(out / "cases.parquet"), pl.read_parquet(out / "rejects.parquet")


def test_unreadable_release_date_is_rejected_not_read_as_serving(tmp_path: Path) -> None:
    config = _month(tmp_path, f"农村低保,H1,{A},张三,385,1\n", {
        "prisoners": ("p.csv", f"身份证号码,姓名,入监日期,释放日期\n{A},张三,2021-01-01,2022年11月\n")})
    cases, rejects = _run(config, tmp_path / "out")
    assert cases.filter(pl.col("rule_id") == "prisoner").is_empty()
    assert rejects.select("field", "reason").rows() == [("released_on", "released_on is not a date")]


def test_two_programs_of_one_dead_person_are_one_case_with_both_amounts(tmp_path: Path) -> None:
    config = _month(tmp_path, f"农村低保,H3,{A},王五,385,1\n困难残疾人生活补贴,H3,{A},王五,75,1\n", {
        "deaths": ("d.csv", f"身份证号码,姓名,死亡日期\n{A},王五,2022-10-01\n")})
    cases, _ = _run(config, tmp_path / "out")
    dead = cases.filter(pl.col("rule_id") == "deceased")
    assert dead.height == 1
    assert dead["amount_at_risk"].item() == 460.0
    assert dead["programs"].item() == "disability_living,rural_dibao"


def test_row_without_household_id_is_its_own_household(tmp_path: Path) -> None:
    config = _month(tmp_path, f"农村低保,,{B},李四,385,2\n", {
        "public_employees": ("e.csv", f"身份证号码,姓名,工作单位,人员状态\n{B},李四,县教育局,在职\n")})
    cases, _ = _run(config, tmp_path / "out")
    assert cases.select("rule_id", "household_id").rows() == [("public_employee", "无家庭编号:roster.csv:2")]


def test_capital_in_wan_yuan_and_unknown_capital(tmp_path: Path) -> None:
    biz = ("身份证号码,姓名,企业名称,主体类型,人员类型,注册资本,登记状态\n"
           f"{A},张三,甲店,个体工商户,经营者,50万元,存续\n"
           f"{B},李四,乙店,个体工商户,经营者,,存续\n"
           f"{C},王五,丙店,个体工商户,经营者,30000元,存续\n")
    roster = f"农村低保,H1,{A},张三,385,1\n农村低保,H2,{B},李四,385,2\n农村低保,H3,{C},王五,385,3\n"
    cases, _ = _run(_month(tmp_path, roster, {"businesses": ("b.csv", biz)}), tmp_path / "out")
    # 50万元 is over the line; an unknown capital is not "small"; 30000元 = 3万元 is small
    assert set(cases.filter(pl.col("rule_id") == "business")["household_id"]) == {"H1", "H2"}


def test_account_in_scientific_notation_ties_nobody(tmp_path: Path) -> None:
    roster = f"农村低保,H1,{A},张三,385,6.21700E+18\n农村低保,H2,{B},李四,385,6.21700E+18\n"
    cases, _ = _run(_month(tmp_path, roster, {}), tmp_path / "out")
    assert cases.filter(pl.col("rule_id") == "shared_account").is_empty()


def test_amount_per_month_is_read(tmp_path: Path) -> None:
    cases, rejects = _run(_month(tmp_path, f"农村低保,H1,{A},张三,400元/月,1\n", {}), tmp_path / "out")
    assert rejects.is_empty()
    assert cases.filter(pl.col("rule_id") == "amount_above_standard")["amount_at_risk"].to_list() == [15.0]


def test_missing_mandatory_column_and_duplicate_mapping_are_config_errors(tmp_path: Path) -> None:
    config = _month(tmp_path, f"农村低保,H1,{A},张三,385,1\n", {"deaths": ("d.csv", f"身份证号码,姓名\n{A},张三\n")})
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "sources[0]: no column for the mandatory field 'death_date' in d.csv" in result.stderr
    text = config.read_text(encoding="utf-8").replace(
        "  - path: roster.csv", "  - path: roster.csv\n    columns: {身份证号码: id_number, 姓名: id_number}")
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--config", str(config)])
    assert result.exit_code == 2
    assert "roster[0].columns.姓名: 'id_number' is already the field of column '身份证号码'" in result.stderr
    assert json.dumps(result.stderr.strip()).count("\\n") == 0


def test_a_line_with_more_fields_than_its_header_is_rejected_not_truncated(tmp_path: Path) -> None:
    """An unquoted comma in a name shifts every later value of the line: the row goes to rejects
    with its line number instead of being read with the wrong amount and account."""
    roster = (f"农村低保,H1,{A},张三,385,6217000011112222\n"
              f"农村低保,H2,{B},李,四,385,6217000011113333\n"  # 7 fields, header 6
              f"农村低保,H3,{C},王五,\"1,200\",6217000011114444\n")  # quoted comma: fine
    config = _month(tmp_path, roster, {})
    cases, rejects = _run(config, tmp_path / "out")
    assert rejects.select("file", "row", "field").rows() == [("roster.csv", 3, "line")]
    assert "7 fields" in rejects["reason"].item()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"] == {"rows_read": 3, "rows_used": 2, "rows_rejected": 1}
    assert "H2" not in set(cases["household_id"])
