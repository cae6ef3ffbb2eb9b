"""A county changes a threshold or an exempt type by editing YAML, never code."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from crosscheck.catalog import default_rules_dir, load_catalog
from crosscheck.cli import app
from crosscheck.errors import ConfigError

COUNTY = Path(__file__).resolve().parent.parent / "fixtures" / "county-small"


def _county_with_rules(tmp_path: Path) -> tuple[Path, Path]:
    county = tmp_path / "county"
    shutil.copytree(COUNTY, county)
    rules = county / "rules"
    shutil.copytree(default_rules_dir(), rules)
    config = county / "month.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "rules: rules/\n", encoding="utf-8")
    return config, rules


def _edit(path: Path, **params) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["params"].update(params)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _flagged(config: Path, out: Path, rule: str) -> set[str]:
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    cases = pl.read_parquet(out / "cases.parquet")
    return set(cases.filter(pl.col("rule_id") == rule)["household_id"])


def _decoy(note_part: str, rule: str) -> str:
    e = pl.read_csv(COUNTY / "expected.csv", infer_schema=False)
    row = e.filter(pl.col("rule_id") == rule, pl.col("kind") == "decoy", pl.col("note").str.contains(note_part))
    assert row.height == 1
    return row["household_id"][0]


def test_exempt_vehicle_type_and_capital_line_are_data(tmp_path: Path) -> None:
    config, rules = _county_with_rules(tmp_path)
    tricycle = _decoy("三轮汽车", "vehicle")
    small_shop = _decoy("capital 5", "business")
    before_vehicle = _flagged(config, tmp_path / "before", "vehicle")
    before_business = _flagged(config, tmp_path / "before2", "business")
    assert tricycle not in before_vehicle and small_shop not in before_business

    _edit(rules / "vehicle.yaml", exempt_types=["摩托车", "拖拉机", "残疾人专用"])  # 三轮汽车 no longer exempt
    _edit(rules / "business.yaml", small_capital_below=3)  # a 5万元 个体工商户 now counts
    after_vehicle = _flagged(config, tmp_path / "after", "vehicle")
    after_business = _flagged(config, tmp_path / "after2", "business")
    assert after_vehicle == before_vehicle | {tricycle}
    assert after_business == before_business | {small_shop}


def test_program_standard_is_data(tmp_path: Path) -> None:
    config, rules = _county_with_rules(tmp_path)
    programs = yaml.safe_load((rules / "programs.yaml").read_text(encoding="utf-8"))
    for p in programs["programs"]:
        if p["code"] == "tekun_dispersed":
            p["standard"] = 700  # the planted 600-yuan payment is now within the standard
    (rules / "programs.yaml").write_text(yaml.safe_dump(programs, allow_unicode=True, sort_keys=False), encoding="utf-8")
    flagged = _flagged(config, tmp_path / "out", "amount_above_standard")
    e = pl.read_csv(COUNTY / "expected.csv", infer_schema=False)
    planted = e.filter(pl.col("rule_id") == "amount_above_standard", pl.col("kind") == "planted")
    assert flagged == set(planted.filter(~pl.col("household_id").str.starts_with("TK"))["household_id"])


def test_an_unknown_parameter_is_refused(tmp_path: Path) -> None:
    _, rules = _county_with_rules(tmp_path)
    _edit(rules / "vehicle.yaml", exempt_type=["摩托车"])
    with pytest.raises(ConfigError, match=r"vehicle\.yaml: exempt_type: unknown key"):
        load_catalog(rules)


def test_committed_rule_docs_are_current() -> None:
    from crosscheck.rules_docs import rules_markdown

    docs = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == rules_markdown(load_catalog()), "run: crosscheck rules docs --out docs/rules.md"


def test_rules_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["rules", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    assert all(rule_id in listed.output for rule_id in load_catalog().rules)
    _, rules = _county_with_rules(tmp_path)
    assert runner.invoke(app, ["rules", "check", str(rules)]).exit_code == 0
    (rules / "prisoner.yaml").write_text("id: prisoner\nversion: one\n", encoding="utf-8")
    broken = runner.invoke(app, ["rules", "check", str(rules)])
    assert broken.exit_code == 2
    assert broken.stderr.strip().count("\n") == 0 and "prisoner.yaml: version" in broken.stderr


def test_graph_links_are_data(tmp_path: Path) -> None:
    """graph.yaml: a county that drops the phone link loses the ring tied by a phone; a typo in the
    file is one line naming it."""
    config, rules = _county_with_rules(tmp_path)
    before = _flagged(config, tmp_path / "before", "linked_households")
    e = pl.read_csv(COUNTY / "expected.csv", infer_schema=False)
    planted = set(e.filter(pl.col("rule_id") == "linked_households", pl.col("kind") == "planted")["household_id"])
    assert before == planted
    graph = yaml.safe_load((rules / "graph.yaml").read_text(encoding="utf-8"))
    del graph["links"]["phone"]  # both planted rings need their phones to reach three families
    (rules / "graph.yaml").write_text(yaml.safe_dump(graph, allow_unicode=True), encoding="utf-8")
    assert _flagged(config, tmp_path / "after", "linked_households") == set()
    graph["links"]["adress"] = graph["links"].pop("address")
    (rules / "graph.yaml").write_text(yaml.safe_dump(graph, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^graph\.yaml: links\.adress"):
        load_catalog(rules)
    graph["links"]["address"] = {**graph["links"].pop("adress"), "exempt_programs": ["jinglaoyuan"]}
    (rules / "graph.yaml").write_text(yaml.safe_dump(graph, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"graph\.yaml: links\.address\.exempt_programs: unknown program 'jinglaoyuan'"):
        load_catalog(rules)
