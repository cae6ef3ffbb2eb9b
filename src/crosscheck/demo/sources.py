"""Other departments' records about people who are NOT beneficiaries (the 'free' households of
the rest of the county, the dead, another county's beneficiaries): deaths, vehicles, businesses,
public payroll, village cadres, prisoners and the other county's roster. Planted cases append
their own rows in the same schemas.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crosscheck.demo.population import IS_COMMUNITY, TOWNS, VILLAGE_TOWN, Context, age_years, make_frame
from crosscheck.demo.rosters import PROGRAMS

_ID = {"pid": pl.Int64, "id_raw": pl.String, "name_raw": pl.String, "clean": pl.Boolean, "tag": pl.String}
SCHEMAS = {
    "deaths_gongan": {**_ID, "death_date": pl.Date, "death_date_raw": pl.String, "cancel_date": pl.Date,
                      "station": pl.String},
    "deaths_binzang": {**_ID, "cremation_date": pl.Date, "funeral_home": pl.String},
    "vehicles": {**_ID, "plate": pl.String, "vehicle_type": pl.String, "status": pl.String,
                 "registered_on": pl.Date, "brand": pl.String, "use": pl.String},
    "businesses": {**_ID, "company": pl.String, "credit_code": pl.String, "entity_type": pl.String,
                   "role": pl.String, "capital": pl.Float64, "status": pl.String, "established_on": pl.Date},
    "public_employees": {**_ID, "employer": pl.String, "status": pl.String, "staffing": pl.String},
    "cadres": {**_ID, "village": pl.Int32, "position": pl.String},
    "prisoners": {**_ID, "admitted_on": pl.Date, "admitted_raw": pl.String, "released_on": pl.Date,
                  "crime": pl.String, "term": pl.String},
    "elsewhere": {**_ID, "county": pl.String, "program": pl.String, "amount": pl.Float64},
}

CAR_TYPES = (("小型普通客车", .36), ("小型轿车", .14), ("普通二轮摩托车", .2), ("轻型普通货车", .08),
             ("三轮汽车", .05), ("拖拉机", .04), ("中型普通客车", .02), ("重型半挂牵引车", .02),
             ("轻便二轮摩托车", .06), ("残疾人专用小型自动挡载客汽车", .01), ("小型越野客车", .02))
CAR_STATUS = (("正常", .8), ("注销", .07), ("转出", .04), ("报废", .05), ("违法未处理", .04))
_BRANDS = np.array(["五菱", "长安", "大众", "丰田", "本田", "吉利", "比亚迪", "哈弗", "东风", "江淮"])
_MOTO = np.array(["豪爵", "雅马哈", "五羊", "嘉陵", "宗申", "大阳"])
ENTITY_TYPES = (("个体工商户", .6), ("有限责任公司(自然人投资或控股)", .25), ("有限责任公司(自然人独资)", .07),
                ("农民专业合作社", .08))
BIZ_STATUS = (("存续", .45), ("在业", .3), ("注销", .15), ("吊销", .05), ("迁出", .05))
_TRADES = np.array(["商贸", "农业开发", "建材", "养殖", "运输", "餐饮", "电子商务", "种植", "建筑劳务", "食品"])
_SHOPS = np.array(["商店", "便利店", "餐馆", "五金店", "养殖场", "理发店", "副食店", "农资店", "米粉店"])
_WORDS = np.array(list("鑫盛源丰华鸿泰兴隆福顺达荣旺恒昌瑞祥和美嘉利通"))
EMPLOYERS = np.array(["中方县人民政府办公室", "中方县教育局", "中方县第一中学", "中方县人民医院", "中方县财政局",
                      "中方县民政局", "中方县公安局", "中方县农业农村局", "中方县疾病预防控制中心", "中方县自然资源局",
                      "中方县中医医院", "中方县第二中学"]
                     + [t + "人民政府" for t in TOWNS] + [t + "中心学校" for t in TOWNS])
POSITIONS = ("党支部书记、主任", "副主任", "委员", "监督委员会主任", "妇女主任")
CRIMES = np.array(["盗窃罪", "诈骗罪", "故意伤害罪", "交通肇事罪", "非法采矿罪", "贩卖毒品罪", "开设赌场罪",
                   "寻衅滋事罪"])
OTHER_COUNTY = "怀化市鹤城区"


def frame(kind: str, **cols) -> pl.DataFrame:
    return make_frame(SCHEMAS[kind], **cols)


def _choice(rng, table, n) -> pl.Series:
    """n values drawn from [(value, weight), ...]."""
    p = np.array([w for _, w in table])
    return pl.Series([v for v, _ in table]).gather(rng.choice(len(table), size=n, p=p / p.sum()))


def _dates(rng, lo, hi, n) -> np.ndarray:
    lo, hi = np.datetime64(lo, "D"), np.datetime64(hi, "D")
    return lo + rng.integers(0, max(int((hi - lo).astype(int)), 1), n).astype("timedelta64[D]")


def free_people(ctx: Context, lo: float, hi: float, male: bool | None = None) -> pl.DataFrame:
    """People of households with no beneficiary, aged lo..hi on M's first day."""
    pop = ctx.pop.frame()
    age = age_years(ctx, pop["birth"].to_numpy())
    mask = (pop["group"] == "free").to_numpy() & (age >= lo) & (age <= hi)
    if male is not None:
        mask &= pop["male"].to_numpy() == male
    return pop.filter(pl.lit(pl.Series(mask)))


def _pick(rng, people: pl.DataFrame, n: int, replace=False) -> np.ndarray:
    pids = people["pid"].to_numpy()
    return rng.choice(pids, size=min(n, len(pids)) if not replace else n, replace=replace)


def background(ctx: Context, roster_rows: int) -> dict[str, pl.DataFrame]:
    rng, s, d0, d_last = ctx.rng_source, ctx.scale, ctx.d0, ctx.d_last
    out: dict[str, pl.DataFrame] = {}
    # deaths: people already out of the 户籍; in 公安 and/or 殡葬 records
    n = max(5, round(1200 * s))
    births = ctx.births_for_ages(rng, n, 40, 100, skew=0.6)
    dead = ctx.pop.add_loose(births, rng.random(n) < 0.55, "dead", rng=rng)
    death = _dates(rng, np.datetime64(d0, "D") - 730, np.datetime64(d_last, "D") + 1, n)
    in_gongan = rng.random(n) < 0.85
    in_binzang = (rng.random(n) < 0.6) | ~in_gongan
    towns = np.array(TOWNS)[VILLAGE_TOWN[dead["village"].to_numpy()]]
    out["deaths_gongan"] = frame(
        "deaths_gongan", pid=dead["pid"].to_numpy()[in_gongan], death_date=death[in_gongan],
        cancel_date=death[in_gongan] + rng.integers(2, 60, int(in_gongan.sum())).astype("timedelta64[D]"),
        station=pl.Series(towns[in_gongan]) + "派出所")
    out["deaths_binzang"] = frame(
        "deaths_binzang", pid=dead["pid"].to_numpy()[in_binzang],
        cremation_date=death[in_binzang] + rng.integers(1, 4, int(in_binzang.sum())).astype("timedelta64[D]"),
        funeral_home=_choice(rng, (("中方县殡仪馆", .7), ("怀化市殡仪馆", .3)), int(in_binzang.sum())))
    # vehicles
    n = max(5, round(2800 * s))
    vt = _choice(rng, CAR_TYPES, n)
    moto = vt.str.contains("摩托").to_numpy()
    brand = np.where(moto, _MOTO[rng.integers(0, len(_MOTO), n)], _BRANDS[rng.integers(0, len(_BRANDS), n)])
    out["vehicles"] = frame(
        "vehicles", pid=_pick(rng, free_people(ctx, 20, 70), n, replace=True), plate=plates(rng, n),
        vehicle_type=vt, status=_choice(rng, CAR_STATUS, n),
        registered_on=_dates(rng, "2005-01-01", np.datetime64(d_last, "D") - 10, n), brand=pl.Series(brand),
        use=_choice(rng, (("非营运", .85), ("营运", .1), ("货运", .05)), n))
    # businesses: one row per (entity, person, role)
    out["businesses"] = _businesses(ctx, rng, max(5, round(1400 * s)))
    # public payroll
    n = max(5, round(1900 * s))
    out["public_employees"] = frame(
        "public_employees", pid=_pick(rng, free_people(ctx, 22, 59), n),
        employer=pl.Series(EMPLOYERS[rng.integers(0, len(EMPLOYERS), n)]),
        status=_choice(rng, (("在职", .96), ("离岗待退", .03), ("借调", .01)), n),
        staffing=_choice(rng, (("行政编制", .3), ("事业编制", .62), ("工勤编制", .08)), n))
    # village cadres: 4-5 per village, living in the village
    cand = free_people(ctx, 28, 65)
    cand = cand.with_columns(_k=pl.Series(rng.random(len(cand))))
    cand = cand.sort("village", "_k", maintain_order=True).with_columns(_r=pl.int_range(pl.len()).over("village"))
    per = np.where(IS_COMMUNITY, 5, 4)
    cadres = cand.filter(pl.col("_r") < pl.lit(pl.Series(per)).gather(pl.col("village")))
    out["cadres"] = frame("cadres", pid=cadres["pid"], village=cadres["village"],
                          position=pl.Series(np.array(POSITIONS)[cadres["_r"].to_numpy()]))
    # prisoners: serving or released
    n = max(5, round(110 * s))
    men = _pick(rng, free_people(ctx, 18, 60, male=True), n - n // 10)
    women = _pick(rng, free_people(ctx, 18, 60, male=False), n // 10)
    pids = np.concatenate([men, women])
    k = len(pids)
    admitted = _dates(rng, "2012-01-01", np.datetime64(d0, "D") - 10, k)
    years = rng.integers(1, 16, k)
    release = admitted + (years * 365).astype("timedelta64[D]")
    released = pl.Series(np.where(release < np.datetime64(d0, "D") - 1, release, np.datetime64("NaT")))
    out["prisoners"] = frame("prisoners", pid=pids, admitted_on=admitted, released_on=released,
                             crime=pl.Series(CRIMES[rng.integers(0, len(CRIMES), k)]),
                             term="有期徒刑" + pl.Series(years).cast(pl.String) + "年")
    out["elsewhere"] = _elsewhere(ctx, rng, max(5, round(roster_rows * 0.22)))
    return out


def plates(rng, n) -> pl.Series:
    """Distinct plates 湘N + letter + 5 digits (planted cases use the letter L)."""
    letters = pl.Series(list("ABCDEFGHJK"))
    code = rng.choice(len(letters) * 100000, size=n, replace=False)
    return "湘N" + letters.gather(code // 100000) + pl.Series(code % 100000).cast(pl.String).str.zfill(5)


def _businesses(ctx, rng, n_ent) -> pl.DataFrame:
    etype = _choice(rng, ENTITY_TYPES, n_ent).to_numpy()
    indiv = etype == "个体工商户"
    company = np.char.startswith(etype.astype(str), "有限")
    per = np.where(indiv, 1, np.where(company, rng.integers(1, 4, n_ent), rng.integers(1, 3, n_ent)))
    ent = np.repeat(np.arange(n_ent), per)
    first = np.r_[True, ent[1:] != ent[:-1]]
    w = _WORDS[rng.integers(0, len(_WORDS), (n_ent, 2))]
    word = pl.Series(w[:, 0]) + pl.Series(w[:, 1])
    town = pl.Series(np.array(TOWNS)[rng.integers(0, len(TOWNS), n_ent)]).str.slice(0, 2)
    trade = pl.Series(_TRADES[rng.integers(0, len(_TRADES), n_ent)])
    shop = pl.Series(_SHOPS[rng.integers(0, len(_SHOPS), n_ent)])
    name = pl.select(
        pl.when(pl.lit(pl.Series(indiv))).then("中方县" + town + word + shop)
        .when(pl.lit(pl.Series(company))).then("中方县" + word + trade + "有限公司")
        .otherwise("中方县" + town + word + trade + "专业合作社")).to_series()
    prefix = np.where(indiv, "92431221", np.where(company, "91431221", "93431221"))
    tail = pl.Series(rng.integers(0, 36**6, n_ent)).cast(pl.String).str.zfill(10)
    code = pl.Series(prefix) + "MA" + tail.str.slice(2, 8)
    cap_i = rng.choice([1, 2, 3, 5, 8, 10, 20, 30, 50], n_ent)
    cap_c = rng.choice([10, 30, 50, 100, 200, 500], n_ent)
    cap_o = rng.choice([5, 10, 50, 100, 200], n_ent)
    capital = np.where(indiv, cap_i, np.where(company, cap_c, cap_o)).astype(float)
    role = np.where(indiv[ent], "经营者", np.where(first, "法定代表人", np.where(company[ent], "股东", "成员")))
    return frame(
        "businesses", pid=_pick(rng, free_people(ctx, 20, 70), len(ent), replace=True),
        company=name.gather(ent), credit_code=code.gather(ent), entity_type=pl.Series(etype[ent]),
        role=pl.Series(role), capital=capital[ent], status=_choice(rng, BIZ_STATUS, n_ent).gather(ent),
        established_on=_dates(rng, "2000-01-01", np.datetime64(ctx.d_last, "D") - 5, n_ent)[ent])


def _elsewhere(ctx, rng, n) -> pl.DataFrame:
    """Another county's roster for the same month: its own people (namesakes occur)."""
    mix = (("rural_dibao", .35, 20, 85), ("urban_dibao", .1, 20, 85), ("elderly_allowance", .33, 80, 99),
           ("disability_living", .12, 6, 85), ("tekun_dispersed", .06, 60, 95), ("orphan", .04, 1, 17))
    counts = rng.multinomial(n, np.array([m[1] for m in mix]) / sum(m[1] for m in mix))
    births = np.concatenate([ctx.births_for_ages(rng, int(k), lo, hi)
                             for (_, _, lo, hi), k in zip(mix, counts, strict=True)])
    program = np.repeat([m[0] for m in mix], counts)
    regions = rng.choice([431202, 433001, 431281, 431221], size=n, p=[.6, .3, .06, .04])
    regions[births >= np.datetime64("1998-01-01")] = 431202
    people = ctx.pop.add_loose(births, rng.random(n) < 0.5, "other", regions, rng=rng)
    fixed = {"elderly_allowance": 50.0, "orphan": 1300.0}
    amount = {c: fixed.get(c, float(PROGRAMS[c][2] or 0) * 0.8) for c, *_ in mix}
    prog = pl.Series(program)
    return frame("elsewhere", pid=people["pid"], county=OTHER_COUNTY,
                 program=prog.replace_strict({c: PROGRAMS[c][0] for c, *_ in mix}),
                 amount=prog.replace_strict(amount, return_dtype=pl.Float64))
