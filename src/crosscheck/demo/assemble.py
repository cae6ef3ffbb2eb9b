"""From rows about people (pids) to the columns of each file: household numbers, accounts,
phones, labels, formatted amounts and dates, and the format noise of `dirt` (never on planted
rows). Each returned frame has the file's headers plus `_tag` (reject rows) and `_numeric_id`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crosscheck.demo import dirt
from crosscheck.demo.files import FileSpec
from crosscheck.demo.names import DOT_VARIANTS, GBK_DOT_VARIANTS
from crosscheck.demo.population import TOWNS, VILLAGE_NAME, VILLAGE_TOWN, Context
from crosscheck.demo.rosters import INST_GROUP, INSTITUTIONS, PREFIX

_BINS = np.array([621799, 622848, 623058, 621098, 621700, 622180, 621467])
_NATIONS = (("汉族", .7), ("侗族", .15), ("苗族", .08), ("土家族", .04), ("瑶族", .03))
_AMOUNT_STYLE = {"dibao": {"plain": .9, "dec": .05, "yuan": .05}, "tekun": {"plain": .7, "dec": .2, "yuan": .1},
                 "elderly": {"plain": .85, "dec": .1, "yuan": .05},
                 "children": {"plain": .5, "comma": .4, "dec": .1}, "disability": {"plain": .9, "dec": .1}}


def bank_accounts(rng: np.random.Generator, n: int) -> pl.Series:
    """Unique 19-digit card numbers: a bank's 6-digit BIN, 12 digits, a Luhn check digit."""
    body = rng.choice(_BINS, n).astype(np.int64) * 10**12 + rng.integers(0, 10**12, n)
    while True:
        _, first = np.unique(body, return_index=True)
        dup = np.ones(n, bool)
        dup[first] = False
        if not dup.any():
            break
        body[dup] = rng.choice(_BINS, int(dup.sum())) * 10**12 + rng.integers(0, 10**12, int(dup.sum()))
    total, b = np.zeros(n, np.int64), body.copy()
    for i in range(18):                       # Luhn: double every second digit from the right
        d = b % 10
        b //= 10
        if i % 2 == 0:
            d = d * 2
            d = np.where(d > 9, d - 9, d)
        total += d
    return pl.Series(body).cast(pl.String) + pl.Series((10 - total % 10) % 10).cast(pl.String)


def phones(rng: np.random.Generator, n: int, empty: float = 0.08) -> pl.Series:
    """Mobile numbers, all different (two households share a phone only where a case plants it)."""
    prefixes = np.array([133, 135, 136, 137, 138, 139, 150, 151, 152, 158, 159, 173, 177, 180, 187, 189])
    numbers = rng.choice(prefixes, n) * 10**8 + rng.integers(0, 10**8, n)
    while len(dup := np.flatnonzero(pl.Series(numbers).is_duplicated().to_numpy())):
        numbers[dup[1:]] = rng.choice(prefixes, len(dup) - 1) * 10**8 + rng.integers(0, 10**8, len(dup) - 1)
    s = pl.Series(numbers).cast(pl.String)
    return pl.select(pl.when(pl.lit(pl.Series(rng.random(n) < empty))).then(pl.lit("")).otherwise(s)).to_series()


def _people(ctx: Context, pids: pl.Series) -> pl.DataFrame:
    pop = ctx.pop.frame()
    ppl = pop.select("id18", "name", "birth", "male", "village", "address").select(pl.all().gather(pids))
    town = pl.Series(np.array(TOWNS)[VILLAGE_TOWN[ppl["village"].fill_null(0).to_numpy()]])
    return ppl.with_columns(
        town=town, village_name=VILLAGE_NAME.gather(ppl["village"].fill_null(0)),
        sex=pl.when(pl.col("male")).then(pl.lit("男")).otherwise(pl.lit("女")),
        age=(ctx.d0.year - pl.col("birth").dt.year()
             - (pl.col("birth").dt.strftime("%m%d") > ctx.d0.strftime("%m%d")).cast(pl.Int32)).cast(pl.String))


def roster_base(ctx: Context, roster: pl.DataFrame) -> pl.DataFrame:
    rng = ctx.rng_misc
    r = roster.with_columns(prefix=pl.col("program").replace_strict(PREFIX))
    keys = r.select("prefix", "hh_key").unique(maintain_order=True).sort("prefix", "hh_key")
    keys = keys.with_columns(u=pl.Series(rng.random(len(keys))))
    keys = keys.with_columns(household_id=pl.col("prefix") + "431221-"
                             + pl.col("u").rank("ordinal").over("prefix").cast(pl.String).str.zfill(6),
                             phone=phones(rng, len(keys)))
    r = r.join(keys.select("hh_key", "household_id", "phone"), on="hh_key", how="left", maintain_order="left")
    r = r.with_columns(phone=pl.coalesce("phone_raw", "phone"))  # phones shared on purpose (graph rings)
    groups = r["acct_group"].unique().sort()
    accts = bank_accounts(rng, len(groups))
    pop = ctx.pop.frame()
    inst = (pl.col("acct_group") - INST_GROUP)
    r = r.with_columns(
        account=pl.col("acct_group").replace_strict(groups, accts),
        payee_id=pop["id18"].gather(r["payee_pid"]), payee_name=pop["name"].gather(r["payee_pid"]),
        hh_size=pl.len().over("hh_key").cast(pl.String),
        institution=pl.when((inst >= 0) & (inst < len(INSTITUTIONS)))
        .then(inst.clip(0, len(INSTITUTIONS) - 1).replace_strict(list(range(len(INSTITUTIONS))),
                                                                 [n for n, _ in INSTITUTIONS])).otherwise(pl.lit("")))
    return pl.concat([r, _people(ctx, r["pid"])], how="horizontal")


def _finish(df: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    df = df.with_columns(seq=pl.int_range(1, pl.len() + 1).cast(pl.String))
    cols = [pl.col(c).alias(h) if c in df.columns else pl.lit("").alias(h) for h, c in spec.headers]
    tag = pl.col("tag") if "tag" in df.columns else pl.lit(None, pl.String)
    numeric = pl.col("numeric_id") if "numeric_id" in df.columns else pl.lit(False)
    extra = [tag.alias("_tag"), numeric.alias("_numeric_id")]
    return df.select(cols + extra)


def _identity(df: pl.DataFrame, spec: FileSpec, rng, id_rate=1.0, trad=0.0, name_dirt=True) -> pl.DataFrame:
    """`id` and `name` as the file holds them: planted rows as planted, others with noise."""
    dots = GBK_DOT_VARIANTS if spec.encoding == "gbk" else DOT_VARIANTS
    dirty_id = dirt.ids(df["id18"], df["birth"], rng, rate=id_rate)
    dirty_name = dirt.names(df["name"], rng, trad=trad, dots=dots) if name_dirt else df["name"]
    clean = df["clean"]
    return df.with_columns(
        id=pl.coalesce(pl.col("id_raw"), pl.when(clean).then(pl.col("id18")).otherwise(pl.lit(dirty_id))),
        name=pl.coalesce(pl.col("name_raw"), pl.when(clean).then(pl.col("name")).otherwise(pl.lit(dirty_name))))


def roster_file(ctx: Context, base: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    rng = ctx.rng_dirt
    df = base.filter(pl.col("program").is_in(spec.programs))
    df = df.sort("village", "household_id", "member", maintain_order=True)
    df = _identity(df, spec, rng)
    n = len(df)
    style = _AMOUNT_STYLE["dibao" if spec.key in ("urban", "rural") else spec.key]
    dis_type = np.array(["肢体", "视力", "听力", "言语", "智力", "精神", "多重"])[rng.integers(0, 7, n)]
    grade = np.where(df["program"].to_numpy() == "disability_care", rng.choice(["一级", "二级"], n),
                     rng.choice(["一级", "二级", "三级", "四级"], n))
    note = rng.choice(np.array(["", "", "", "", "", "", "", "", "新增", "调标"]), n)
    df = df.with_columns(
        amount=pl.coalesce(pl.col("amount_raw"), pl.lit(dirt.amounts(df["amount"], rng, style))),
        label=pl.coalesce(pl.col("label_raw"), pl.lit(dirt.labels(df["program"], rng))),
        account=pl.when(pl.col("clean")).then(pl.col("account")).otherwise(pl.lit(dirt.accounts(df["account"], rng))),
        payee_id=pl.coalesce(pl.col("payee_id_raw"), pl.col("payee_id")),
        payee_name=pl.coalesce(pl.col("payee_name_raw"), pl.col("payee_name")),
        town=pl.col("town"), village=pl.col("village_name"), birth_text=pl.col("birth").dt.strftime("%Y-%m-%d"),
        dis_type=pl.Series(dis_type), dis_grade=pl.Series(grade), note=pl.Series(note))
    return _finish(df, spec)


def household_file(ctx: Context, spec: FileSpec) -> pl.DataFrame:
    rng = ctx.rng_dirt
    pop = ctx.pop.frame().filter(pl.col("hh_no").is_not_null())
    n_hh = int(pop["hh_no"].max()) + 1
    number = pl.Series(rng.permutation(n_hh) + 1).cast(pl.String).str.zfill(8)
    df = pop.with_columns(hh=pl.lit("431221") + pl.lit(number).gather(pl.col("hh_no")),
                          id_raw=pl.lit(None, pl.String), name_raw=pl.lit(None, pl.String), clean=pl.lit(False))
    df = df.sort("hh", "pid", maintain_order=True)
    # one nation per household (a spouse sometimes another); migrants' names carry the middle dot
    cat = rng.choice(len(_NATIONS), n_hh, p=[p for _, p in _NATIONS])
    nations = pl.Series([n for n, _ in _NATIONS])
    own = nations.gather(rng.choice(len(_NATIONS), len(df), p=[p for _, p in _NATIONS]))
    df = df.with_columns(
        nation=pl.when(pl.col("name").str.contains("·", literal=True)).then(pl.lit("维吾尔族"))
        .when(pl.col("rel") == "配偶").then(pl.lit(own))
        .otherwise(pl.lit(nations).gather(pl.lit(pl.Series(cat)).gather(pl.col("hh_no")))),
        hh_no=pl.col("hh"), sex=pl.when(pl.col("male")).then(pl.lit("男")).otherwise(pl.lit("女")),
        birth_text=pl.col("birth").dt.strftime("%Y%m%d"))
    df = _identity(df, spec, rng, id_rate=0.2, name_dirt=False)
    return _finish(df, spec)


_DATE_STYLE = {"deaths_gongan": {"iso": .5, "slash": .2, "compact": .15, "cn": .15},
               "vehicles": {"iso": .85, "slash": .15}, "prisoners": {"cn": .5, "iso": .5},
               "businesses": {"iso": .7, "cn": .3}}
_SORT = {"deaths_gongan": ["death_date", "pid"], "deaths_binzang": ["cremation_date", "pid"],
         "vehicles": ["registered_on", "plate"], "businesses": ["credit_code", "pid"],
         "public_employees": ["employer", "pid"], "cadres": ["village", "pid"], "prisoners": ["admitted_on", "pid"],
         "elsewhere": ["program", "id"]}


def source_file(ctx: Context, frame: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    rng = ctx.rng_dirt
    people = _people(ctx, frame["pid"]).rename({"village": "home_village"})
    df = pl.concat([frame, people], how="horizontal")
    df = _identity(df, spec, rng, id_rate=0.6, trad=0.0 if spec.key == "cadres" else 0.06)
    df = df.sort(_SORT[spec.key], nulls_last=True, maintain_order=True)
    styles = _DATE_STYLE.get(spec.key, {"iso": 1.0})
    text = {}
    for col in ("death_date", "cancel_date", "registered_on", "admitted_on", "released_on", "established_on"):
        if col in df.columns and col not in (spec.excel_dates if spec.fmt == "xlsx" else ()):
            text[col] = pl.coalesce(pl.col(col + "_raw") if col + "_raw" in df.columns else pl.lit(None, pl.String),
                                    pl.lit(dirt.dates(df[col], rng, styles)))
    if "admitted_raw" in df.columns:
        text["admitted_on"] = pl.coalesce(pl.col("admitted_raw"), pl.lit(dirt.dates(df["admitted_on"], rng, styles)))
    df = df.with_columns(**text)
    n = len(df)
    if spec.key == "deaths_binzang":
        df = df.with_columns(age=(pl.col("cremation_date").dt.year() - pl.col("birth").dt.year()).cast(pl.String),
                             phone=phones(rng, n, empty=0.3))
    if spec.key == "deaths_gongan":
        df = df.with_columns(reason=pl.lit("死亡"))
    if spec.key == "cadres":
        df = df.with_columns(village=VILLAGE_NAME.gather(df["village"]),
                             town=pl.Series(np.array(TOWNS)[VILLAGE_TOWN[df["village"].to_numpy()]]),
                             phone=phones(rng, n, empty=0.0))
    if spec.key == "businesses":
        df = df.with_columns(capital=pl.col("capital").cast(pl.Int64).cast(pl.String))
    if spec.key == "prisoners":
        prison = pl.when(pl.col("male")).then(pl.lit("湖南省怀化监狱")).otherwise(pl.lit("湖南省女子监狱"))
        df = df.with_columns(prison=prison,
                             released_on=pl.col("released_on").fill_null(""))
    if spec.key == "elsewhere":
        df = df.with_columns(amount=pl.col("amount").cast(pl.Int64).cast(pl.String),
                             month=pl.lit(ctx.d0.strftime("%Y%m")))
    return _finish(df, spec)
