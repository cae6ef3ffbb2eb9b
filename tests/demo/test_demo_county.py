"""The demo county generator: determinism, shape, planted cases, clean background, speed.

No engine needed: `demo_oracle` screens the generated files with exact (and one-keystroke) ID
matching through the contract's rules.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import yaml

from crosscheck.demo import RULE_ORDER, generate_county, rosters
from crosscheck.demo.rosters import TARGETS
from crosscheck.normalize_id import normalize_id
from crosscheck.tables import FIELDS, MANDATORY

sys.path.insert(0, str(Path(__file__).parent))
import demo_oracle as oracle  # noqa: E402


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    return generate_county(tmp_path_factory.mktemp("demo1"), scale=1.0)


@pytest.fixture(scope="module")
def screened(county):
    return oracle.screen(county)


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_deterministic(tmp_path):
    a = generate_county(tmp_path / "a", scale=0.05)
    b = generate_county(tmp_path / "b", scale=0.05)
    da, db = _digest(a.parent), _digest(b.parent)
    assert da == db
    assert len(da) == 17
    c = generate_county(tmp_path / "c", scale=0.05, seed=7)
    assert _digest(c.parent)["expected.csv"] != da["expected.csv"]


def test_month_yaml_follows_the_contract(county):
    cfg = yaml.safe_load(county.read_text("utf-8"))
    assert cfg["month"] == "2022-12" and cfg["county"] == "431221"
    kinds = {s["kind"] for s in cfg["sources"]}
    assert kinds == {"household", "deaths", "vehicles", "businesses", "public_employees", "cadres", "prisoners",
                     "rosters_elsewhere"}
    assert sum(s["kind"] == "deaths" for s in cfg["sources"]) == 2
    assert any("columns" in i for i in cfg["roster"]) and any("columns" not in i for i in cfg["roster"])
    for item in cfg["roster"] + [s for s in cfg["sources"]]:
        kind = item.get("kind", "roster")
        assert (county.parent / item["path"]).is_file()
        df = oracle.read_table(county.parent, item, kind)
        fields = [c for c in df.columns if c != "row"]
        assert len(fields) == len(set(fields)), f"{item['path']}: two headers map to one field"
        assert set(fields) <= set(FIELDS[kind])
        for f in ("id_number", "name", *MANDATORY.get(kind, ())):
            assert f in fields, (item["path"], f)
        if "columns" in item:
            assert set(item["columns"].values()) <= set(FIELDS[kind])


def test_shape_at_scale_1(screened):
    _, data = screened
    r = data["roster"].filter(~pl.col("rejected"))
    counts = dict(r.group_by("program").len().iter_rows())
    for program, target in TARGETS.items():
        assert abs(counts[program] - target) <= 2, (program, counts[program], target)
    rural = r.filter(pl.col("program") == "rural_dibao")["household_id"].n_unique()
    assert abs(rural - rosters.RURAL_HOUSEHOLDS) <= 2
    tc = r.filter(pl.col("program") == "tekun_centralized")
    by_account = tc.group_by("account").len()
    assert 2 <= len(by_account) <= 3 and by_account["len"].max() >= 40
    hukou = data["src"]["household"]
    assert len(hukou) >= 3 * len(r)
    assert (r.filter(pl.col("program") == "rural_dibao").group_by("household_id").len()["len"].max()) <= 4
    towns = r["town"].n_unique()
    assert towns == 10


def test_planted_and_decoys_as_expected(county, screened):
    flags, _ = screened
    exp = pl.read_csv(county.parent / "expected.csv", infer_schema=False)
    assert set(exp.columns) == {"rule_id", "household_id", "id_number", "kind", "needs", "note"}
    hit = exp.join(flags.with_columns(hit=pl.lit(True)), on=["rule_id", "household_id"], how="left")
    missed = hit.filter((pl.col("kind") == "planted") & pl.col("hit").is_null())
    assert missed.is_empty(), missed
    wrong = hit.filter((pl.col("kind") == "decoy") & pl.col("hit").is_not_null())
    assert wrong.is_empty(), wrong
    extra = flags.join(exp.filter(pl.col("kind") == "planted"), on=["rule_id", "household_id"], how="anti")
    assert extra.is_empty(), extra            # the background triggers no rule
    rules = set(exp.filter(pl.col("kind") == "planted")["rule_id"])
    assert rules == set(RULE_ORDER) and set(exp.filter(pl.col("kind") == "decoy")["rule_id"]) == rules


def test_fuzzy_cases_need_fuzzy(county, screened):
    """Cases marked fuzzy are not found by exact matching of normalised numbers."""
    _, data = screened
    exp = pl.read_csv(county.parent / "expected.csv", infer_schema=False)
    fuzzy = exp.filter((pl.col("needs") == "fuzzy") & (pl.col("rule_id") == "deceased"))
    dead = data["src"]["deaths"].filter(pl.col("id_status").is_in(["valid", "legacy15"]))["id"]
    assert len(fuzzy) == 2 and not fuzzy["id_number"].is_in(dead.implode()).any()
    exact = exp.filter((pl.col("needs") == "exact") & (pl.col("rule_id") == "deceased") & (pl.col("kind") == "planted"))
    assert exact["id_number"].is_in(dead.implode()).all()


def test_planted_ids_present_in_rosters(county, screened):
    _, data = screened
    r = data["roster"]
    exp = pl.read_csv(county.parent / "expected.csv", infer_schema=False)
    known = set(r["id"].drop_nulls()) | set(r["id_number"].drop_nulls())
    for rule, hh, idn in exp.select("rule_id", "household_id", "id_number").iter_rows():
        assert idn in known, (rule, hh, idn)
        assert hh in set(r["household_id"]), (rule, hh)


def test_background_ids_valid_and_unique(county, screened):
    _, data = screened
    exp = pl.read_csv(county.parent / "expected.csv", infer_schema=False)
    r = data["roster"].filter(~pl.col("rejected") & ~pl.col("household_id").is_in(exp["household_id"].implode()))
    assert r["id_status"].is_in(["valid", "legacy15"]).all()
    fam = r.with_columns(fam=pl.col("program").replace_strict({c: p["family"] for c, p in data["programs"].items()}))
    assert not fam.select("id", "fam").is_duplicated().any()
    assert (r["id_status"] == "legacy15").sum() > 10
    raw = r["id_number"]
    for form in (r"^'", r"^\s|\s$", r"[０-９]", r"x$"):
        assert raw.str.contains(form).sum() > 0, form


def test_rejects_point_at_the_rows(county):
    cfg = yaml.safe_load(county.read_text("utf-8"))
    items = {i["path"]: (i, i.get("kind", "roster")) for i in cfg["roster"] + cfg["sources"]}
    rej = pl.read_csv(county.parent / "expected_rejects.csv", infer_schema=False)
    assert len(rej) == 6
    for path, row, field, _ in rej.iter_rows():
        item, kind = items[path]
        df = oracle.read_table(county.parent, item, kind)
        rec = df.filter(pl.col("row") == int(row)).to_dicts()[0]
        if field == "id_number":
            assert rec["id_number"] is None and rec["name"] is None
        elif field == "program":
            assert rec["program"] == "临时救助"
        elif field == "amount":
            assert rec["amount"] == "待定"
        elif field == "death_date":
            assert rec["death_date"] == "不详"
        elif field == "admitted_on":
            assert rec["admitted_on"] is None
        else:
            raise AssertionError(field)


def test_files_and_encodings(county):
    root = county.parent
    assert (root / "高龄津贴发放名册.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    (root / "特困供养名册.csv").read_bytes().decode("gbk")
    (root / "sources/公安死亡注销.csv").read_bytes().decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        (root / "sources/公安死亡注销.csv").read_bytes().decode("utf-8")
    (root / "儿童福利发放名册.csv").read_bytes().decode("gb18030")
    hukou = pl.read_parquet(root / "sources/户籍人口.parquet")
    assert all(t == pl.String for t in hukou.schema.values())
    h = normalize_id(hukou, "公民身份号码", prefix="id")
    assert ((h["id_sex"] == "M") == (h["性别"] == "男")).all()
    assert (h["id_birth"].dt.strftime("%Y%m%d") == h["出生日期"]).all()


def test_programs_match_rules():
    progs = oracle.programs()
    for code, (label, aliases, standard, family) in rosters.PROGRAMS.items():
        p = progs[code]
        assert p["label"] == label and set(aliases) <= set(p["aliases"])
        assert p["standard"] == standard and p["family"] == family


@pytest.mark.parametrize("scale", [0.02, 0.2])
def test_small_scales_keep_every_case(tmp_path, scale):
    config = generate_county(tmp_path, scale=scale, seed=11, month="2023-03")
    flags, _ = oracle.screen(config)
    exp = pl.read_csv(config.parent / "expected.csv", infer_schema=False)
    planted = exp.filter(pl.col("kind") == "planted").select("rule_id", "household_id").unique()
    decoys = exp.filter(pl.col("kind") == "decoy").select("rule_id", "household_id").unique()
    got = flags.select("rule_id", "household_id")
    assert planted.join(got, on=["rule_id", "household_id"], how="anti").is_empty()
    assert decoys.join(got, on=["rule_id", "household_id"], how="semi").is_empty()
    assert got.join(planted, on=["rule_id", "household_id"], how="anti").is_empty()


def test_scale_2_is_fast(tmp_path):
    t = time.perf_counter()
    generate_county(tmp_path, scale=2.0)
    assert time.perf_counter() - t < 20


def test_name_characters_fit_gbk():
    """Names (and their traditional forms) must encode in GBK: two files are GBK."""
    from crosscheck.demo import names
    chars = set("".join(names.SURNAMES.to_list()) + "".join(names._POOLS.values()) + "".join(names.MINORITY_NAMES))
    text = "".join(sorted(chars))
    (text + names.trad(text) + "".join(names.GBK_DOT_VARIANTS) + "\u3000·").encode("gbk")


def test_namesakes_occur_naturally(screened):
    _, data = screened
    r = data["roster"].filter(~pl.col("rejected") & pl.col("id_status").is_in(["valid", "legacy15"]))
    people = r.select("id", "name_n").unique()
    assert people.filter(pl.col("name_n").is_duplicated())["id"].n_unique() > 100


def test_big_layout(tmp_path, monkeypatch):
    """The scale > 5 layout (rural roster as CSV, businesses as Parquet), tried at a small scale."""
    from crosscheck.demo.population import Context
    monkeypatch.setattr(Context, "big", property(lambda self: True))
    config = generate_county(tmp_path, scale=0.05)
    cfg = yaml.safe_load(config.read_text("utf-8"))
    paths = {i["path"] for i in cfg["roster"] + cfg["sources"]}
    assert {"农村低保发放名册.csv", "城市低保发放名册.xlsx", "sources/市场主体登记.parquet"} <= paths
    flags, _ = oracle.screen(config)
    exp = pl.read_csv(config.parent / "expected.csv", infer_schema=False)
    planted = exp.filter(pl.col("kind") == "planted").select("rule_id", "household_id").unique()
    assert planted.join(flags, on=["rule_id", "household_id"], how="anti").is_empty()
    assert flags.join(planted, on=["rule_id", "household_id"], how="anti").is_empty()
    rej = pl.read_csv(config.parent / "expected_rejects.csv", infer_schema=False)
    assert "农村低保发放名册.csv" in set(rej["file"])
