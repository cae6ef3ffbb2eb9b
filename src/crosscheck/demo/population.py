"""The 户籍 population of the demo county: towns and villages, households built for whole columns
(a head of a chosen age with spouse, children, parents or grandchildren of plausible ages), and
the `Population` that hands every person a unique ID number, a name and a 户号.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from crosscheck.demo import idgen, names

TOWNS = ("中方镇", "泸阳镇", "铜湾镇", "桐木镇", "花桥镇", "新建镇", "袁家镇", "铁坡镇", "接龙镇", "新路河乡")
TOWN_P = np.array([0.20, 0.13, 0.10, 0.10, 0.10, 0.08, 0.07, 0.08, 0.08, 0.06])
_PLACE_A = "大小上下新老石龙桐杨黄竹枫茶岩马金白青高长荆板江盘松桃花溪铁太"
_PLACE_B = ("坪", "溪", "冲", "塘", "湾", "坡", "田", "桥", "山", "坳", "岭", "口", "寨", "垅", "洲")


def _villages() -> list[tuple[int, str]]:
    """(town index, name): one 社区 per town seat and 8-13 村 per town; fixed for every seed."""
    r = np.random.default_rng(431221)
    combos = [a + b for a in _PLACE_A for b in _PLACE_B]
    order = r.permutation(len(combos))
    out, k = [], 0
    for t, town in enumerate(TOWNS):
        out.append((t, town[:2] + "社区"))
        for _ in range(int(r.integers(8, 14))):
            out.append((t, combos[order[k]] + "村"))
            k += 1
    return out


VILLAGES = _villages()
VILLAGE_TOWN = np.array([t for t, _ in VILLAGES])
VILLAGE_NAME = pl.Series("village", [v for _, v in VILLAGES])
IS_COMMUNITY = np.array([v.endswith("社区") for _, v in VILLAGES])


@dataclass
class Context:
    """Everything a generation shares: the month, scale, random streams, IDs handed out, people."""

    seed: int
    month: str
    scale: float
    d0: dt.date = field(init=False)          # M's first day
    d_last: dt.date = field(init=False)      # M's last day
    reg: idgen.Registry = field(default_factory=idgen.Registry)

    def __post_init__(self) -> None:
        y, m = (int(x) for x in self.month.split("-"))
        self.d0 = dt.date(y, m, 1)
        self.d_last = dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
        ss = np.random.SeedSequence([self.seed, y, m])
        streams = ss.spawn(6)
        self.rng_plant, self.rng_pop, self.rng_roster, self.rng_source, self.rng_dirt, self.rng_misc = (
            np.random.default_rng(s) for s in streams)
        self.pop = Population(self)

    @property
    def big(self) -> bool:
        return self.scale > 5

    def n0(self) -> np.datetime64:
        return np.datetime64(self.d0, "D")

    def years_before(self, years: int, day: dt.date | None = None) -> dt.date:
        """The same calendar day `years` earlier (29 Feb -> 28 Feb)."""
        day = day or self.d0
        try:
            return day.replace(year=day.year - years)
        except ValueError:
            return day.replace(year=day.year - years, day=28)

    def births_for_ages(self, rng: np.random.Generator, n: int, lo: float, hi: int, margin: int = 7,
                        skew: float = 1.0) -> np.ndarray:
        """Birth dates giving an age in [lo, hi] on M's first day, `margin` days off the limits;
        skew > 1 makes younger ages more frequent."""
        oldest = np.datetime64(self.years_before(hi + 1), "D") + 1 + margin
        youngest = np.datetime64(self.years_before(int(lo)), "D") - margin if lo >= 1 else \
            np.datetime64(self.d0, "D") - int(lo * 365.25) - margin
        span = max(int((youngest - oldest).astype(int)), 1)
        frac = rng.beta(1.0, skew, n) if skew != 1.0 else rng.random(n)
        return youngest - (frac * span).astype(np.int64).astype("timedelta64[D]")


def make_frame(schema: dict, **cols) -> pl.DataFrame:
    """A frame in `schema`: arrays, Series or scalars per column; missing columns null (Boolean:
    False)."""
    n = max((len(v) for v in cols.values() if v is not None and not np.isscalar(v)), default=1)
    data = {}
    for name, dtype in schema.items():
        v = cols.get(name)
        if v is None:
            v = [False] * n if dtype == pl.Boolean else [None] * n
        elif np.isscalar(v):
            v = [v] * n
        data[name] = v.rename(name).cast(dtype) if isinstance(v, pl.Series) else pl.Series(name, v, dtype=dtype)
    return pl.DataFrame(data)


def age_years(ctx: Context, births: np.ndarray) -> np.ndarray:
    return (ctx.n0() - births).astype(np.int64) / 365.2425


def alloc_sizes(rng: np.random.Generator, n_hh: int, n_persons: int, probs=(0.55, 0.28, 0.12, 0.05)) -> np.ndarray:
    """Household sizes 1..len(probs) summing to exactly n_persons."""
    top = len(probs)
    n_persons = int(min(max(n_persons, n_hh), n_hh * top))
    sizes = rng.choice(np.arange(1, top + 1), size=n_hh, p=np.array(probs) / sum(probs))
    while (diff := n_persons - int(sizes.sum())) != 0:
        ok = np.flatnonzero(sizes < top) if diff > 0 else np.flatnonzero(sizes > 1)
        pick = rng.choice(ok, size=min(abs(diff), len(ok)), replace=False)
        sizes[pick] += 1 if diff > 0 else -1
    return sizes


def household_members(ctx: Context, rng: np.random.Generator, anchor_birth: np.ndarray,
                      sizes: np.ndarray, anchor_male: np.ndarray | None = None) -> pl.DataFrame:
    """Members of households built around an anchor (member 0): columns hh, m, rel, birth, male.

    An adult anchor heads the household (spouse, children; parents where the children would be
    too young; grandchildren for old heads); a child anchor lives with grandparents.
    """
    n, total = len(sizes), int(sizes.sum())
    hh = np.repeat(np.arange(n), sizes)
    starts = np.cumsum(sizes) - sizes
    m = np.arange(total) - np.repeat(starts, sizes)
    a_age = age_years(ctx, anchor_birth)
    A = a_age[hh]
    if anchor_male is None:
        anchor_male = rng.random(n) < 0.5
    male = rng.random(total) < 0.5
    u = rng.random(total)
    child = A < 18
    age = np.zeros(total)
    rel = np.full(total, 2, dtype=np.int8)                  # 0 户主 1 配偶 2 子女 3 父母 4 孙子女
    # adult anchors
    spouse = ~child & (m == 1) & (A >= 22) & (u < 0.8)
    kid_age = A - rng.uniform(20, 34, total)
    grand = ~child & (m >= 3) & (A >= 68)
    rel[~child & (m >= 1)] = 2
    age[~child & (m >= 1)] = kid_age[~child & (m >= 1)]
    parents = ~child & (m >= 1) & ~spouse & (kid_age < 0.3)
    rel[parents] = 3
    age[parents] = np.minimum(A[parents] + rng.uniform(22, 32, int(parents.sum())), 95)
    rel[grand] = 4
    age[grand] = np.maximum(A[grand] - rng.uniform(45, 62, int(grand.sum())), 0.3)
    rel[spouse] = 1
    age[spouse] = np.clip(A[spouse] + rng.normal(0, 3, int(spouse.sum())), 20, 98)
    # child anchors: grandparents head the household, siblings are grandchildren too
    head = child & (m == 1)
    rel[head], age[head] = 0, np.minimum(A[head] + rng.uniform(46, 62, int(head.sum())), 92)
    gma = child & (m == 2)
    rel[gma] = 1
    age[gma] = np.clip(age[np.flatnonzero(gma) - 1] + rng.normal(0, 3, int(gma.sum())), 40, 95)
    male[gma] = ~male[np.flatnonzero(gma) - 1]
    sib = child & ((m == 0) | (m >= 3))
    rel[sib] = 4
    age[sib & (m >= 3)] = np.clip(A[sib & (m >= 3)] + rng.uniform(-5, 5, int((sib & (m >= 3)).sum())), 0.3, 17.5)
    rel[~child & (m == 0)] = 0
    male[m == 0] = anchor_male
    male[spouse] = ~anchor_male[hh[spouse]]
    jitter = np.where(age > 1, rng.integers(0, 200, total), 0)
    birth = ctx.n0() - (np.round(age * 365.2425).astype(np.int64) + jitter).astype("timedelta64[D]")
    birth[m == 0] = anchor_birth
    return pl.DataFrame({"hh": hh, "m": m, "rel": rel, "birth": birth, "male": male})


_REL = {(0, True): "户主", (0, False): "户主", (1, True): "配偶", (1, False): "配偶",
        (2, True): "子", (2, False): "女", (3, True): "父亲", (3, False): "母亲",
        (4, True): "孙子", (4, False): "孙女"}


def relation_labels(rel: pl.Expr, male: pl.Expr) -> pl.Expr:
    out = pl.lit(None, dtype=pl.String)
    for (code, is_male), label in _REL.items():
        out = pl.when((rel == code) & (male == is_male)).then(pl.lit(label)).otherwise(out)
    return out


POP_SCHEMA = {"pid": pl.Int64, "id18": pl.String, "name": pl.String, "male": pl.Boolean, "birth": pl.Date,
              "hh_no": pl.Int64, "rel": pl.String, "village": pl.Int32, "address": pl.String, "group": pl.String}


def address_of(village: int, group_no: int, house_no: int) -> str:
    town = TOWNS[VILLAGE_TOWN[village]]
    v = VILLAGES[village][1]
    return f"湖南省怀化市中方县{town}{v}" + ("" if IS_COMMUNITY[village] else f"{group_no}组") + f"{house_no}号"


class Population:
    """All synthetic people, with pid = row index of `frame()`. Groups: free (households with no
    beneficiary), bene (background beneficiaries' households), planted, dead, other (elsewhere)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._parts: list[pl.DataFrame] = []
        self.n = 0
        self.n_hh = 0
        self._frame: pl.DataFrame | None = None
        self._next_house = np.ones(len(VILLAGES), dtype=np.int64)

    def next_houses(self, villages: np.ndarray) -> np.ndarray:
        """Fresh house numbers, one per household of `villages`, never reused within a village: two
        families share an address only where a planted case says so."""
        villages = np.asarray(villages, dtype=np.int64)
        within = pl.DataFrame({"v": villages}).select(pl.int_range(pl.len()).over("v")).to_series().to_numpy()
        out = self._next_house[villages] + within
        np.add.at(self._next_house, villages, 1)
        return out

    def add_households(self, members: pl.DataFrame, village_hh: np.ndarray, group: str,
                       rng: np.random.Generator | None = None) -> pl.DataFrame:
        """Give members (hh, m, rel, birth, male) IDs, names, a 户号 and an address."""
        rng = rng or self.ctx.rng_pop
        births = members["birth"].to_numpy()
        male = members["male"].to_numpy()
        hh = members["hh"].to_numpy()
        bodies = self.ctx.reg.draw(rng, births, male)
        sur = names.draw_surnames(rng, len(members))
        df = members.with_columns(sur=pl.Series(sur))
        fam = (pl.when(pl.col("rel") == 0).then(pl.col("sur")).max().over("hh"),
               pl.when((pl.col("rel") == 0) & pl.col("male")).then(1).max().over("hh"),
               pl.when(pl.col("rel") == 1).then(pl.col("sur")).max().over("hh"))
        df = df.with_columns(fam[0].alias("_hs"), fam[1].alias("_hm"), fam[2].alias("_ss"))
        inherit = pl.col("rel").is_in([2, 4]) & pl.lit(pl.Series(rng.random(len(df)) < 0.85))
        family = pl.when(pl.col("_hm") == 1).then(pl.col("_hs")).otherwise(pl.coalesce("_ss", "_hs"))
        sur = df.select(pl.when(inherit).then(family).otherwise(pl.col("sur"))).to_series().to_numpy()
        given = names.draw_given(rng, male, idgen.years(births))
        nm = names.full_names(sur, given)
        while (same := pl.DataFrame({"hh": hh, "nm": nm}).is_duplicated().to_numpy()).any():
            redo = np.flatnonzero(same)                 # no two members of a household share a name
            given = names.draw_given(rng, male[redo], idgen.years(births[redo]))
            nm = nm.scatter(redo, names.full_names(sur[redo], given))
        migrant = rng.random(len(df)) < 0.0015
        if migrant.any():
            nm = nm.scatter(np.flatnonzero(migrant), names.minority(rng, male[migrant]))
        vil = village_hh[hh]
        n_hh = len(village_hh)
        grp_no, house_no = rng.integers(1, 13, n_hh)[hh], self.next_houses(village_hh)[hh]
        addr = pl.select(
            pl.lit("湖南省怀化市中方县") + pl.lit(pl.Series(np.array(TOWNS)[VILLAGE_TOWN[vil]]))
            + VILLAGE_NAME.gather(vil)
            + pl.when(pl.lit(pl.Series(IS_COMMUNITY[vil]))).then(pl.lit(""))
            .otherwise(pl.lit(pl.Series(grp_no)).cast(pl.String) + "组")
            + pl.lit(pl.Series(house_no)).cast(pl.String) + "号"
        ).to_series()
        out = pl.DataFrame({
            "pid": np.arange(self.n, self.n + len(df), dtype=np.int64),
            "id18": idgen.id_series(bodies),
            "name": nm,
            "male": male,
            "birth": births,
            "hh_no": (hh + self.n_hh).astype(np.int64),
            "rel": df.select(relation_labels(pl.col("rel"), pl.col("male"))).to_series(),
            "village": vil.astype(np.int32),
            "address": addr,
            "group": pl.repeat(group, len(df), eager=True, dtype=pl.String),
        })
        self.n += len(df)
        self.n_hh += n_hh
        self._parts.append(out)
        self._frame = None
        return out

    def add_loose(self, births: np.ndarray, male: np.ndarray, group: str,
                  regions: np.ndarray | None = None, rng: np.random.Generator | None = None) -> pl.DataFrame:
        """People outside the county's 户籍 (the dead, other counties' beneficiaries)."""
        rng = rng or self.ctx.rng_pop
        bodies = self.ctx.reg.draw(rng, births, male, regions)
        nm = names.full_names(names.draw_surnames(rng, len(births)),
                              names.draw_given(rng, male, idgen.years(births)))
        n = len(births)
        vil = rng.integers(0, len(VILLAGES), n).astype(np.int32)
        out = pl.DataFrame({
            "pid": np.arange(self.n, self.n + n, dtype=np.int64), "id18": idgen.id_series(bodies),
            "name": nm, "male": male, "birth": births, "hh_no": pl.Series([None] * n, dtype=pl.Int64),
            "rel": pl.Series([None] * n, dtype=pl.String), "village": vil,
            "address": pl.Series([None] * n, dtype=pl.String),
            "group": pl.repeat(group, n, eager=True, dtype=pl.String),
        })
        self.n += n
        self._parts.append(out)
        self._frame = None
        return out

    def add_rows(self, rows: pl.DataFrame) -> None:
        """Explicit people (planted cases): rows in the frame's schema, pids already assigned."""
        self._parts.append(make_frame(POP_SCHEMA, **{c: rows[c] for c in POP_SCHEMA}))
        self.n += len(rows)
        self._frame = None

    def new_hh(self) -> int:
        self.n_hh += 1
        return self.n_hh - 1

    def frame(self) -> pl.DataFrame:
        if self._frame is None:
            self._frame = pl.concat(self._parts, how="vertical_relaxed")
        return self._frame
