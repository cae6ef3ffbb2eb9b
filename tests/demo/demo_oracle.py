"""A small reference screen of a demo month folder, written for testing the generator without the
engine: it reads the files through month.yaml (explicit `columns` or the synonyms of
crosscheck.tables), normalises IDs with crosscheck.normalize_id, and applies each rule of the
contract with exact matching, plus one-keystroke ID matching with the same name (traditional
characters, spaces and middle-dot forms ignored). Returns one row per (rule_id, household_id).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import fastexcel
import opencc
import polars as pl
import yaml
from pypinyin import lazy_pinyin

from crosscheck.demo.idgen import one_keystroke
from crosscheck.normalize_id import normalize_id
from crosscheck.tables import canonical_header, synonym_map

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
_T2S = opencc.OpenCC("t2s")
EXEMPT_VEHICLES = ("摩托车", "三轮汽车", "拖拉机", "残疾人专用")
AGE_RANGE = {"elderly_allowance": (80, None), "centenarian": (100, None), "orphan": (None, 18),
             "de_facto_orphan": (None, 18)}


def programs() -> dict[str, dict]:
    return {p["code"]: p for p in yaml.safe_load((RULES_DIR / "programs.yaml").read_text("utf-8"))["programs"]}


def read_table(root: Path, item: dict, kind: str) -> pl.DataFrame:
    path = root / item["path"]
    if path.suffix == ".xlsx":
        df = fastexcel.read_excel(str(path)).load_sheet(item.get("sheet", 0), dtypes="string").to_polars()
    elif path.suffix == ".parquet":
        df = pl.read_parquet(path)
    else:
        raw, enc = path.read_bytes(), item.get("encoding", "auto")
        if enc == "auto":
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
        else:
            text = raw.decode(enc)
        df = pl.read_csv(io.StringIO(text), infer_schema=False)
    explicit, syn = item.get("columns"), synonym_map(kind)
    pairs = [(h, explicit.get(h) if explicit else syn.get(canonical_header(h))) for h in df.columns]
    cols = [pl.col(h).cast(pl.String).alias(f) for h, f in pairs if f]
    df = df.select(cols).with_columns(pl.all().replace("", None))
    first = 1 if path.suffix == ".parquet" else 2  # record number for Parquet, spreadsheet line otherwise
    return df.with_row_index("row", offset=first)


def parse_date(col: str) -> pl.Expr:
    t = pl.col(col).str.replace_all("[年月/]", "-").str.replace("日", "").str.replace(r" .*$", "")
    return pl.coalesce(t.str.to_date("%Y-%m-%d", strict=False), t.str.to_date("%Y%m%d", strict=False))


def norm_name(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(r"[\s\u3000]", "").str.replace_all("[•・‧．.]", "·")


def sound(name: str | None) -> str:
    return "-".join(lazy_pinyin(_T2S.convert(name or "")))


def _t2s(s: pl.Series) -> pl.Series:
    u = s.drop_nulls().unique().to_list()
    return s.replace_strict(u, _T2S.convert("\n".join(u)).split("\n") if u else [], default=None)


def load(config: Path) -> dict:
    root, cfg = config.parent, yaml.safe_load(config.read_text("utf-8"))
    d0 = dt.date.fromisoformat(cfg["month"] + "-01")
    progs = programs()
    label = {v: c for c, p in progs.items() for v in (c, p["label"], *p["aliases"])}
    parts = []
    for item in cfg["roster"]:
        df = read_table(root, item, "roster").with_columns(file=pl.lit(item["path"]))
        parts.append(df)
    r = pl.concat(parts, how="diagonal_relaxed")
    amount = pl.col("amount").str.replace_all(r"[元,\s]", "")
    r = r.with_columns(program=pl.col("program").str.strip_chars().replace_strict(label, default=None),
                       amount_num=amount.cast(pl.Float64, strict=False), _a=amount)
    rejected = (pl.col("id_number").is_null() & pl.col("name").is_null()) | pl.col("program").is_null() \
        | (pl.col("_a").is_not_null() & (pl.col("_a") != "") & pl.col("amount_num").is_null())
    r = normalize_id(normalize_id(r, "id_number", prefix="id", as_of=d0), "payee_id_number", prefix="payee", as_of=d0)
    r = r.with_columns(rejected=rejected,
                       account=pl.col("bank_account").str.replace_all(r"\D", ""),
                       name_n=_t2s(r["name"].str.replace_all(r"[\s\u3000]", "")))
    r = r.with_columns(name_n=norm_name("name_n"))
    src: dict[str, list[pl.DataFrame]] = {}
    for item in cfg["sources"]:
        df = read_table(root, item, item["kind"]).with_columns(file=pl.lit(item["path"]))
        df = normalize_id(df, "id_number", prefix="id", as_of=d0)
        df = df.with_columns(name_n=norm_name("name").map_batches(_t2s, return_dtype=pl.String))
        src.setdefault(item["kind"], []).append(df)
    return {"d0": d0, "roster": r, "src": {k: pl.concat(v, how="diagonal_relaxed") for k, v in src.items()},
            "programs": progs}


def screen(config: Path) -> tuple[pl.DataFrame, dict]:
    data = load(config)
    d0, progs, src = data["d0"], data["programs"], data["src"]
    d_last = (d0.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    family = {c: p["family"] for c, p in progs.items()}
    r = data["roster"].filter(~pl.col("rejected")).with_columns(fam=pl.col("program").replace_strict(family))
    ok = pl.col("id_status").is_in(["valid", "legacy15"])
    rv = r.filter(ok)
    means = rv.filter(pl.col("fam").is_in(["dibao", "tekun"]))
    hukou = src["household"].filter(pl.col("id_status").is_in(["valid", "legacy15"])).select("id", "household_no")
    hh_nos = rv.select("household_id", "id").join(hukou, on="id").select("household_id", "household_no").unique()
    members = pl.concat([rv.select("household_id", "id"),
                         hh_nos.join(hukou, on="household_no").select("household_id", "id")]).unique()
    flags: list[pl.DataFrame] = []

    def flag(rule: str, df: pl.DataFrame) -> None:
        flags.append(df.select(pl.lit(rule).alias("rule_id"), "household_id").unique())

    def ids(kind: str, cond: pl.Expr | None = None) -> pl.DataFrame:
        return src[kind].filter(ok if cond is None else cond & ok).select("id").unique()

    # fuzzy: one keystroke from a valid roster number, same name
    by_id = rv.select("id", "name_n", "household_id", "fam").unique()
    valid_ids = set(by_id["id"].to_list())

    names_of = by_id.group_by("id").agg("name_n")

    def fuzzy(df: pl.DataFrame) -> pl.DataFrame:
        """Valid roster numbers one keystroke from a bad_check number, names sounding the same."""
        rows = []
        for raw, name in df.filter(pl.col("id_status") == "bad_check").select("id", "name_n").unique().iter_rows():
            cands = names_of.filter(pl.col("id").is_in(list(one_keystroke(raw) & valid_ids)))
            for cand, cand_names in cands.iter_rows():
                rows += [{"raw": raw, "id": cand, "name_n": n} for n in cand_names if sound(n) == sound(name)]
        return pl.DataFrame(rows, schema={"raw": pl.String, "id": pl.String, "name_n": pl.String})

    dead = pl.concat([src["deaths"].filter(ok & (parse_date("death_date") < d0)).select("id"),
                      fuzzy(src["deaths"].filter(parse_date("death_date") < d0))
                      .join(by_id, on=["id", "name_n"]).select("id")])
    flag("deceased", rv.join(dead.unique(), on="id"))
    serving = (parse_date("admitted_on") <= d_last) & (parse_date("released_on").is_null()
                                                       | (parse_date("released_on") >= d0))
    flag("prisoner", rv.join(ids("prisoners", serving), on="id"))
    elsewhere = pl.concat([ids("rosters_elsewhere"), fuzzy(src["rosters_elsewhere"]).select("id")])
    flag("cross_region", rv.join(elsewhere.unique(), on="id"))
    mem = members.join(means.select("household_id").unique(), on="household_id")
    flag("public_employee", mem.join(ids("public_employees"), on="id"))
    car = (pl.col("status") == "正常") & ~pl.col("vehicle_type").str.contains("|".join(EXEMPT_VEHICLES))
    flag("vehicle", mem.join(ids("vehicles", car), on="id"))
    small = (pl.col("entity_type") == "个体工商户") & (pl.col("registered_capital").cast(pl.Float64) < 10)
    biz = pl.col("role").is_in(["法定代表人", "股东", "经营者"]) & pl.col("status").is_in(["存续", "在业"]) & ~small
    flag("business", mem.join(ids("businesses", biz), on="id"))
    filed = means.group_by("household_id").agg(yes=(pl.col("cadre_relative_filed") == "是").any())
    flag("cadre_relative", mem.join(ids("cadres"), on="id").join(filed.filter(~pl.col("yes").fill_null(False)),
                                                                  on="household_id"))
    fam_ids = pl.concat([rv.select("household_id", "id", "fam"),
                         fuzzy(r).join(by_id, on=["id", "name_n"]).select("raw", "id", "fam")
                         .join(r.select("household_id", pl.col("id").alias("raw")), on="raw")
                         .select("household_id", "id", "fam")])
    dup = fam_ids.filter(pl.len().over("id", "fam") >= 2)
    flag("duplicate_in_roster", dup)
    for a, b in (("dibao", "tekun"), ("orphan", "de_facto_orphan")):
        both = rv.filter(pl.col("fam").is_in([a, b])).filter(pl.col("fam").n_unique().over("id") == 2)
        flag("exclusive_programs", both)
    pay = r.filter(pl.col("payee_status").is_in(["valid", "legacy15"]))
    pay = pay.select("household_id", pl.col("payee").alias("id"))
    proxy = pay.join(members, on=["household_id", "id"], how="anti").unique()
    graph_rules(r, members, proxy, src, ok, flag)
    flag("invalid_id", r.filter(~ok))
    age = (d0.year - pl.col("id_birth").dt.year()
           - (pl.col("id_birth").dt.strftime("%m%d") > d0.strftime("%m%d")).cast(pl.Int32))
    for program, (lo, hi) in AGE_RANGE.items():
        bad = (age < lo) if lo is not None else (age >= hi)
        flag("age_mismatch", rv.filter((pl.col("program") == program) & bad))
    std = {c: p["standard"] for c, p in progs.items() if p["standard"] is not None}
    over = r.filter(pl.col("program").is_in(list(std))).filter(
        pl.col("amount_num") > pl.col("program").replace_strict(std, return_dtype=pl.Float64, default=None))
    flag("amount_above_standard", over)
    return pl.concat(flags).unique().sort("rule_id", "household_id"), data


def _families(members: pl.DataFrame) -> dict[str, str]:
    """Roster households sharing a member (by ID) are one family: union-find, smallest id as root."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for _, households in members.group_by("id").agg("household_id").iter_rows():
        roots = sorted(find(h) for h in households)
        for other in roots[1:]:
            parent[other] = roots[0]
    return {h: find(h) for h in list(parent)}


def graph_rules(r: pl.DataFrame, members: pl.DataFrame, proxy: pl.DataFrame, src: dict, ok: pl.Expr, flag) -> None:
    """shared_account, proxy_collector, official_proxy, linked_households (rules/graph.yaml caps)."""
    family = _families(members)
    fam = pl.col("household_id").replace_strict(family, default=pl.col("household_id"))
    acct = r.filter((pl.col("program") != "tekun_centralized") & (pl.col("account") != ""))
    flag("shared_account", acct.filter(fam.n_unique().over("account") >= 2))
    flag("proxy_collector", proxy.filter(fam.n_unique().over("id") >= 3))
    officials = pl.concat([src[k].filter(ok).select("id") for k in ("cadres", "public_employees")]).unique()
    flag("official_proxy", proxy.join(officials, on="id"))
    links = pl.concat([
        acct.select("household_id", pl.lit("account").alias("kind"), pl.col("account").alias("tie")),
        proxy.select("household_id", pl.lit("payee").alias("kind"), pl.col("id").alias("tie")),
        r.filter(pl.col("program") != "tekun_centralized").select(
            "household_id", pl.lit("phone").alias("kind"), pl.col("phone").str.replace_all(r"\D", "").alias("tie")),
        r.filter(pl.col("program") != "tekun_centralized").select(
            "household_id", pl.lit("address").alias("kind"),
            pl.col("address").str.replace_all(r"[\s\p{P}]", "").alias("tie")),
    ]).filter(pl.col("tie").is_not_null() & (pl.col("tie") != "")).unique().with_columns(fam.alias("family"))
    caps = {"phone": 8, "address": 6}
    links = links.with_columns(pl.col("family").n_unique().over("kind", "tie").alias("n"))
    links = links.filter((pl.col("n") >= 2) & (pl.col("n") <= pl.col("kind").replace_strict(caps, default=10**9)))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for _, _, families in links.group_by("kind", "tie").agg(pl.col("family").unique()).iter_rows():
        for f in families[1:]:
            parent[find(f)] = find(families[0])
    groups = links.with_columns(pl.col("family").map_elements(find, return_dtype=pl.String).alias("group"))
    big = groups.group_by("group").agg(pl.col("family").n_unique().alias("f"), pl.col("kind").n_unique().alias("k"))
    big = big.filter((pl.col("f") >= 3) & (pl.col("k") >= 2))
    in_group = groups.join(big, on="group").select("family").unique()
    everyone = r.select("household_id").unique().with_columns(fam.alias("family"))
    flag("linked_households", everyone.join(in_group, on="family"))
