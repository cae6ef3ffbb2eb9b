"""The background payment rosters: who is paid by which program, in which household, how much.

Rows carry a person id (pid) into the population, a household key, an amount and an account
group; `write.py` turns them into the files' columns. Background rows trigger no rule: every
person once per program family, nobody in two exclusive programs, ages in range, amounts at or
under the standard, one account per household, payees only from the beneficiary's 户籍 household.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crosscheck.demo.population import (
    IS_COMMUNITY,
    TOWN_P,
    VILLAGE_TOWN,
    Context,
    age_years,
    alloc_sizes,
    household_members,
    make_frame,
)

# code: (label, aliases used by the demo, standard, family)
PROGRAMS = {
    "urban_dibao": ("城市低保", ("城镇低保", "城市居民最低生活保障"), 600, "dibao"),
    "rural_dibao": ("农村低保", ("农村居民最低生活保障",), 385, "dibao"),
    "tekun_centralized": ("特困供养(集中)", ("集中供养",), 780, "tekun"),
    "tekun_dispersed": ("特困供养(分散)", ("分散供养",), 501, "tekun"),
    "disability_living": ("困难残疾人生活补贴", ("残疾人生活补贴",), 75, "disability_living"),
    "disability_care": ("重度残疾人护理补贴", ("残疾人护理补贴",), 75, "disability_care"),
    "orphan": ("孤儿基本生活费", ("孤儿",), None, "orphan"),
    "de_facto_orphan": ("事实无人抚养儿童生活费", ("事实无人抚养儿童",), None, "de_facto_orphan"),
    "elderly_allowance": ("高龄津贴", ("高龄补贴",), None, "elderly"),
    "centenarian": ("百岁老人长寿保健金", ("长寿保健金",), None, "centenarian"),
}
# Figures of the seed county (2022) at scale 1: persons per program (rural dibao: households too).
TARGETS = {"urban_dibao": 308, "rural_dibao": 7123, "tekun_centralized": 168, "tekun_dispersed": 1053,
           "elderly_allowance": 7472, "centenarian": 16, "orphan": 76, "de_facto_orphan": 64,
           "disability_living": 1500, "disability_care": 1200}
RURAL_HOUSEHOLDS = 4359
URBAN_HOUSEHOLDS = 192
# household_id prefixes (individual programs: one household per person)
PREFIX = {"urban_dibao": "DB", "rural_dibao": "DB", "tekun_centralized": "TK", "tekun_dispersed": "TK",
          "elderly_allowance": "GL", "centenarian": "BS", "orphan": "GE", "de_facto_orphan": "SW",
          "disability_living": "CJ", "disability_care": "HL"}
_AMOUNTS = {"urban_dibao": ([600, 560, 520, 480, 450, 400, 350, 300], [.3, .1, .1, .1, .1, .1, .1, .1]),
            "rural_dibao": ([385, 360, 340, 320, 300, 280, 250, 220, 200], [.28, .1, .1, .1, .1, .1, .08, .07, .07]),
            "tekun_dispersed": ([501, 480], [.95, .05]), "tekun_centralized": ([780], [1.0]),
            "disability_living": ([75], [1.0]), "disability_care": ([75], [1.0]),
            "orphan": ([1300], [1.0]), "de_facto_orphan": ([1300], [1.0]), "centenarian": ([300], [1.0])}
# Institutions of 集中供养: (name, town index); institution 0 holds the 40 fixed decoy residents.
INSTITUTIONS = [("中方镇敬老院", 0), ("铜湾镇敬老院", 2), ("中方县社会福利院", 1), ("桐木镇敬老院", 3),
                ("花桥镇敬老院", 4), ("新建镇敬老院", 5), ("袁家镇敬老院", 6), ("铁坡镇敬老院", 7),
                ("接龙镇敬老院", 8), ("新路河乡敬老院", 9)]
INST_GROUP = 10**12                   # account group of institution i: INST_GROUP + i
MIN_ROWS = 3

SCHEMA = {"pid": pl.Int64, "program": pl.String, "hh_key": pl.Int64, "member": pl.Int32, "rel": pl.String,
          "amount": pl.Float64, "payee_pid": pl.Int64, "acct_group": pl.Int64, "filed": pl.String,
          "id_raw": pl.String, "name_raw": pl.String, "amount_raw": pl.String, "label_raw": pl.String,
          "payee_id_raw": pl.String, "payee_name_raw": pl.String, "phone_raw": pl.String, "clean": pl.Boolean,
          "numeric_id": pl.Boolean, "tag": pl.String}


def frame(**cols) -> pl.DataFrame:
    """A roster frame in SCHEMA, missing columns null (clean/numeric_id: False)."""
    return make_frame(SCHEMA, **cols)


def institution_count(scale: float) -> int:
    return int(min(len(INSTITUTIONS), max(3, round(3 * scale ** 0.5))))


def institution_village(i: int) -> int:
    """The 社区 of the institution's town (where its residents' 户籍 is)."""
    return int(np.flatnonzero((VILLAGE_TOWN == INSTITUTIONS[i][1]) & IS_COMMUNITY)[0])


def pick_villages(rng: np.random.Generator, n: int, community: bool | None) -> np.ndarray:
    """Village indices: towns weighted by population; 社区 only, 村 only, or either (None)."""
    towns = rng.choice(len(TOWN_P), size=n, p=TOWN_P)
    out = np.zeros(n, dtype=np.int64)
    for t in range(len(TOWN_P)):
        ok = (VILLAGE_TOWN == t) & ((IS_COMMUNITY == community) if community is not None else True)
        idx = np.flatnonzero(ok)
        mask = towns == t
        out[mask] = idx[rng.integers(0, len(idx), int(mask.sum()))]
    return out


def _amounts(rng: np.random.Generator, program: str, n: int) -> np.ndarray:
    values, p = _AMOUNTS[program]
    return rng.choice(np.array(values, dtype=float), size=n, p=np.array(p) / sum(p))


class Builder:
    """Background roster rows, household keys counted on from `hh_start`."""

    def __init__(self, ctx: Context, hh_start: int) -> None:
        self.ctx, self.rng, self.next_hh = ctx, ctx.rng_roster, hh_start
        self.parts: list[pl.DataFrame] = []

    def keys(self, n: int) -> np.ndarray:
        out = np.arange(self.next_hh, self.next_hh + n, dtype=np.int64)
        self.next_hh += n
        return out

    def households(self, births, sizes, villages, group="bene"):
        members = household_members(self.ctx, self.rng, births, sizes)
        people = self.ctx.pop.add_households(members, villages, group, self.rng)
        return people.with_columns(m=members["m"], hh=members["hh"])

    def individual(self, program: str, people: pl.DataFrame, payee: pl.Series | None = None,
                   amount: np.ndarray | None = None, acct_group: np.ndarray | None = None) -> None:
        """One household per person (anchors: rows with m == 0)."""
        n = len(people)
        keys = self.keys(n)
        self.parts.append(frame(
            pid=people["pid"].to_numpy(), program=program, hh_key=keys, member=0, rel="本人",
            amount=_amounts(self.rng, program, n) if amount is None else amount,
            payee_pid=payee, acct_group=keys if acct_group is None else acct_group,
            filed=self._filed(program, n)))

    def _filed(self, program: str, n: int) -> pl.Series | None:
        if PROGRAMS[program][3] not in ("dibao", "tekun"):
            return None
        return pl.Series(["", "否", "是"]).gather(self.rng.choice(3, size=n, p=[.95, .04, .01]))

    def anchored(self, n: int, lo: float, hi: int, sizes_p, *, skew=1.0, community=None, payee_m=None,
                 payee_p=0.0):
        """New households around anchors aged lo..hi: (anchor rows, payee pid per anchor or None)."""
        births = self.ctx.births_for_ages(self.rng, n, lo, hi, skew=skew)
        sizes = self.rng.choice(np.arange(1, len(sizes_p) + 1), size=n, p=np.array(sizes_p) / sum(sizes_p))
        sizes[age_years(self.ctx, births) < 18] = np.maximum(sizes[age_years(self.ctx, births) < 18], 2)
        people = self.households(births, sizes, pick_villages(self.rng, n, community))
        anchors = people.filter(pl.col("m") == 0)
        payee = None
        if payee_m is not None:
            cand = people.filter(pl.col("m") == payee_m).select("hh", pl.col("pid").alias("ppid"))
            pay = anchors.select("hh").join(cand, on="hh", how="left", maintain_order="left")["ppid"]
            take = pl.Series(self.rng.random(n) < payee_p)
            payee = pl.select(pl.when(take).then(pay)).to_series()
        return anchors, payee


def rest_of_county(ctx: Context, n_people: int) -> None:
    """Households with no beneficiary (group 'free'): heads 22-90, 1-6 people."""
    rng = ctx.rng_pop
    n_hh = max(1, round(n_people / 3.1))
    births = ctx.n0() - (rng.triangular(22, 45, 90, n_hh) * 365.2425).astype(np.int64).astype("timedelta64[D]")
    sizes = rng.choice(np.arange(1, 7), size=n_hh, p=[.15, .22, .25, .2, .12, .06])
    members = household_members(ctx, rng, births, sizes)
    community = rng.random(n_hh) < 0.2
    villages = np.where(community, pick_villages(rng, n_hh, True), pick_villages(rng, n_hh, False))
    ctx.pop.add_households(members, villages, "free", rng)


def background(ctx: Context, planted_rows: dict[str, int], planted_hh: dict[str, int], hh_start: int):
    """All background roster rows; returns (roster frame, next household key)."""
    s, b = ctx.scale, Builder(ctx, hh_start)
    rng = b.rng

    def count(program: str) -> int:
        return max(MIN_ROWS, round(TARGETS[program] * s) - planted_rows.get(program, 0))

    # dibao: families of 1-4 on the roster, sometimes one more 户籍 member who is not
    dibao_people = []
    for program, n_hh_1 in (("urban_dibao", URBAN_HOUSEHOLDS), ("rural_dibao", RURAL_HOUSEHOLDS)):
        n_hh = max(2, round(n_hh_1 * s) - planted_hh.get(program, 0))
        sizes = alloc_sizes(rng, n_hh, count(program))
        extra = (rng.random(n_hh) < 0.15).astype(np.int64)
        births = ctx.n0() - (rng.triangular(20, 55, 90, n_hh) * 365.2425).astype(np.int64).astype("timedelta64[D]")
        people = b.households(births, sizes + extra, pick_villages(rng, n_hh, program == "urban_dibao"))
        keys = b.keys(n_hh)
        on = people.filter(pl.col("m") < pl.lit(pl.Series(sizes)).gather(pl.col("hh")))
        hh = on["hh"].to_numpy()
        b.parts.append(frame(
            pid=on["pid"].to_numpy(), program=program, hh_key=keys[hh], member=on["m"].to_numpy(),
            rel=on["rel"], amount=_amounts(rng, program, n_hh)[hh], acct_group=keys[hh],
            filed=b._filed(program, n_hh)[hh]))
        dibao_people.append(on.select("pid", "birth"))
    dibao = pl.concat(dibao_people)

    # 特困: 分散 live alone at home; 集中 live in institutions sharing the institution's account
    n = count("tekun_dispersed")
    n_young = int((rng.random(n) < 0.1).sum())
    anchors, _ = b.anchored(n - n_young, 60, 95, [1.0], skew=1.5)
    anchors_y, _ = b.anchored(n_young, 18, 59, [1.0])
    b.individual("tekun_dispersed", pl.concat([anchors, anchors_y]))
    n = max(MIN_ROWS, round(TARGETS["tekun_centralized"] * s) - planted_rows.get("tekun_centralized", 0))
    n_inst = institution_count(s)
    inst = rng.integers(0, n_inst, n)
    births = ctx.births_for_ages(rng, n, 60, 95, skew=1.3)
    villages = np.array([institution_village(i) for i in range(n_inst)])
    people = b.households(births, np.ones(n, dtype=np.int64), villages[inst])
    b.individual("tekun_centralized", people, acct_group=INST_GROUP + inst)

    # 高龄: some from dibao families, most new; 百岁; children; disability
    n = count("elderly_allowance")
    age = age_years(ctx, dibao["birth"].to_numpy())
    old = dibao.filter(pl.lit(pl.Series((age > 80.05) & (age < 99.9))))
    old = old.sample(n=min(len(old), n // 4), seed=int(rng.integers(2**31)))
    anchors, payee = b.anchored(n - len(old), 80, 99, [.35, .3, .15, .12, .08], skew=2.2, payee_m=2, payee_p=.3)
    el = pl.concat([old.select("pid", "birth"), anchors.select("pid", "birth")])
    el_age = age_years(ctx, el["birth"].to_numpy())
    b.individual("elderly_allowance", el, amount=np.where(el_age >= 90, 100.0, 50.0),
                 payee=pl.concat([pl.Series([None] * len(old), dtype=pl.Int64), payee]))
    anchors, payee = b.anchored(count("centenarian"), 100, 104, [0, .3, .4, .3], skew=2.0, payee_m=2, payee_p=.5)
    b.individual("centenarian", anchors, payee=payee)
    for program in ("orphan", "de_facto_orphan"):
        anchors, payee = b.anchored(count(program), 1, 17, [0, .3, .4, .3], payee_m=1, payee_p=.8)
        b.individual(program, anchors, payee=payee)
    n = count("disability_living")
    ov = dibao.sample(n=min(len(dibao), int(n * 0.6)), seed=int(rng.integers(2**31)))
    anchors, _ = b.anchored(n - len(ov), 6, 85, [.3, .35, .2, .15])
    living = pl.concat([ov.select("pid"), anchors.select("pid")])
    b.individual("disability_living", living)
    n = count("disability_care")
    ov = living.sample(n=min(len(living), int(n * 0.35)), seed=int(rng.integers(2**31)))
    anchors, _ = b.anchored(n - len(ov), 3, 90, [.3, .35, .2, .15])
    b.individual("disability_care", pl.concat([ov, anchors.select("pid")]))
    return pl.concat(b.parts), b.next_hh
