"""Planting: the small, fixed set of cases every rule must flag (and decoys it must not), built
person by person (a loop over ~150 people is fine), each in its own household, recorded for
`expected.csv`; plus the reject rows recorded for `expected_rejects.csv`.

Planted rows are `clean`: format noise is never applied to them, so each keeps exactly the form
its case needs (a 15-digit number, full-width digits, "420元" ...).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import polars as pl

from crosscheck.demo import idgen, names, rosters, sources
from crosscheck.demo.population import POP_SCHEMA, Context, address_of, make_frame

AMOUNT = {"urban_dibao": 520.0, "rural_dibao": 300.0, "tekun_centralized": 780.0, "tekun_dispersed": 501.0,
          "disability_living": 75.0, "disability_care": 75.0, "orphan": 1300.0, "de_facto_orphan": 1300.0,
          "centenarian": 300.0}
AGE = {"urban_dibao": 52, "rural_dibao": 58, "tekun_centralized": 78, "tekun_dispersed": 72,
       "disability_living": 45, "disability_care": 40, "orphan": 11, "de_facto_orphan": 10,
       "elderly_allowance": 85, "centenarian": 101}
CHILD = ("orphan", "de_facto_orphan")
PLANT_ACCT = 2 * 10**12
_KIDS = ("子", "女", "孙子", "孙女", "子女", "孙子女")
_BY_SEX = {"子女": ("子", "女"), "孙子女": ("孙子", "孙女"), "父母": ("父亲", "母亲")}


@dataclass
class P:
    pid: int
    id18: str
    name: str
    birth: dt.date
    male: bool
    hh_no: int | None
    village: int

    def age(self, day: dt.date) -> int:
        return day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))


@dataclass
class Expect:
    rule_id: str
    hh_key: int
    id_number: str
    kind: str
    needs: str
    note: str


class Planter:
    def __init__(self, ctx: Context) -> None:
        self.ctx, self.rng = ctx, ctx.rng_plant
        self._people: list[dict] = []
        self._roster: list[dict] = []
        self._src: dict[str, list[dict]] = defaultdict(list)
        self.expected: list[Expect] = []
        self.next_key = 0
        self.next_acct = PLANT_ACCT
        self._addr: dict[int, str] = {}
        self.plates = 0

    # --- people and households ----------------------------------------------------------------
    def key(self) -> int:
        self.next_key += 1
        return self.next_key - 1

    def account(self) -> int:
        """A fresh account group (one account number), for accounts shared on purpose."""
        self.next_acct += 1
        return self.next_acct

    def birth_for_age(self, age: int) -> dt.date:
        return self.ctx.births_for_ages(self.rng, 1, age, age, margin=20)[0].astype(dt.date)

    def name_for(self, male: bool, year: int, surname: str | None = None) -> str:
        sur = surname or names.SURNAMES[int(names.draw_surnames(self.rng, 1)[0])]
        return sur + names.draw_given(self.rng, np.array([male]), np.array([year]))[0]

    def person(self, *, age: int | None = None, birth: dt.date | None = None, male: bool | None = None,
               name: str | None = None, surname: str | None = None, region: int = idgen.COUNTY_CODE,
               check: str | None = None, hh_no: int | None = None, rel: str | None = None,
               village: int | None = None, group: str = "planted", id18: str | None = None) -> P:
        birth = birth or self.birth_for_age(age)
        male = bool(self.rng.random() < 0.5) if male is None else male
        rel = _BY_SEX.get(rel, (rel, rel))[0 if male else 1]
        id18 = id18 or self.ctx.reg.reserve(self.rng, region, birth, male, check=check)[0]
        name = name or self.name_for(male, birth.year, surname)
        if village is None:
            village = int(rosters.pick_villages(self.rng, 1, None)[0])
        if hh_no is not None and hh_no not in self._addr:
            house = int(self.ctx.pop.next_houses(np.array([village]))[0])  # never shared by chance
            self._addr[hh_no] = address_of(village, int(self.rng.integers(1, 13)), house)
        pid = self.ctx.pop.n + len(self._people)
        self._people.append(dict(pid=pid, id18=id18, name=name, male=male, birth=birth, hh_no=hh_no,
                                 rel=rel if hh_no is not None else None, village=village,
                                 address=self._addr.get(hh_no), group=group))
        return P(pid, id18, name, birth, male, hh_no, village)

    def family(self, specs: list[dict], village: int | None = None, group: str = "planted") -> list[P]:
        """One 户籍 household; specs are person() keywords with `rel`. Children take the surname of
        the male among head and spouse."""
        hh = self.ctx.pop.new_hh()
        if village is None:
            village = int(rosters.pick_villages(self.rng, 1, None)[0])
        out: list[P] = []
        for spec in specs:
            spec = dict(spec)
            if spec.get("rel") in _KIDS and "name" not in spec and "surname" not in spec:
                dad = next((p for p in out if p.male), out[0] if out else None)
                spec["surname"] = dad.name[0] if dad else None
            while "name" not in spec:               # no two members of a household share a name
                male = spec.setdefault("male", bool(self.rng.random() < 0.5))
                year = (spec.get("birth") or self.ctx.years_before(spec.get("age", 40))).year
                name = self.name_for(male, year, spec.get("surname"))
                if all(p.name != name for p in out):
                    spec["name"] = name
            out.append(self.person(hh_no=hh, village=village, group=group, **spec))
        return out

    def single(self, program: str, *, members: tuple[dict, ...] = (), hukou: bool = True,
               village: int | None = None, person: dict | None = None, **pay) -> tuple[int, P, list[P]]:
        """A beneficiary alone on the roster for `program`, in a 户籍 household with `members`
        (not on the roster). Children live with a grandparent who heads the household."""
        spec = dict(person or {})
        if "age" not in spec and "birth" not in spec:
            spec["age"] = AGE[program]
        if not hukou:
            b = self.person(village=village, **spec)
            others: list[P] = []
        elif program in CHILD:
            age = spec.get("age") or self.ctx.d0.year - spec["birth"].year
            fam = self.family([dict(rel="户主", age=age + 52), dict(rel="孙子女", **spec), *members], village)
            b, others = fam[1], [fam[0], *fam[2:]]
        else:
            fam = self.family([dict(rel="户主", **spec), *members], village)
            b, others = fam[0], fam[1:]
        k = self.key()
        self.pay(b, program, k, **{name: v(b) if callable(v) else v for name, v in pay.items()})
        return k, b, others

    # --- rows -------------------------------------------------------------------------------
    def pay(self, p: P, program: str, key: int, *, rel: str | None = None, amount: float | None = None,
            member: int = 0, payee: P | None = None, acct_group: int | None = None, **raw) -> None:
        if amount is None:
            amount = (100.0 if p.age(self.ctx.d0) >= 90 else 50.0) if program == "elderly_allowance" \
                else AMOUNT[program]
        if rel is None:
            rel = "户主" if rosters.PROGRAMS[program][3] == "dibao" and member == 0 else "本人"
        self._roster.append(dict(pid=p.pid, program=program, hh_key=key, member=member, rel=rel, amount=amount,
                                 payee_pid=payee.pid if payee else None,
                                 acct_group=key if acct_group is None else acct_group, clean=True, **raw))

    def source(self, kind: str, p: P | None, **fields) -> None:
        self._src[kind].append(dict(pid=p.pid if p else None, clean=True, **fields))

    def expect(self, rule: str, key: int, id_number: str, kind: str, needs: str, note: str) -> None:
        self.expected.append(Expect(rule, key, id_number, kind, needs, note))

    # --- results ------------------------------------------------------------------------------
    def roster_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        rows: dict[str, int] = defaultdict(int)
        hh: dict[str, set] = defaultdict(set)
        for r in self._roster:
            rows[r["program"]] += 1
            hh[r["program"]].add(r["hh_key"])
        return dict(rows), {k: len(v) for k, v in hh.items()}

    def flush(self) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
        """Add the planted people to the population; return the planted roster and source rows."""
        cols = {c: [p[c] for p in self._people] for c in POP_SCHEMA}
        self.ctx.pop.add_rows(make_frame(POP_SCHEMA, **cols))
        roster = rosters.frame(**{c: [r.get(c) for r in self._roster] for c in rosters.SCHEMA})
        src = {kind: sources.frame(kind, **{c: [r.get(c) for r in rows] for c in sources.SCHEMAS[kind]})
               for kind, rows in self._src.items()}
        return roster, src


def plant_rejects(pt: Planter) -> None:
    """Rows the engine must reject (tag = 'field|note'; the file is resolved when writing)."""
    d0 = pt.ctx.d0
    p = pt.person(age=84)
    pt.pay(p, "elderly_allowance", pt.key(), id_raw="", name_raw="", tag="id_number|neither ID nor name")
    p = pt.family([dict(rel="户主", age=45)])[0]
    pt.pay(p, "rural_dibao", pt.key(), label_raw="临时救助", amount=1000.0, tag="program|unknown program 临时救助")
    p = pt.family([dict(rel="户主", age=50)])[0]
    pt.pay(p, "disability_care", pt.key(), amount_raw="待定", tag="amount|amount is not a number (待定)")
    p = pt.person(age=77, group="dead")
    pt.source("deaths_gongan", p, death_date_raw="不详", cancel_date=d0 - dt.timedelta(days=40),
              station="中方镇派出所", tag="death_date|death date unparseable (不详)")
    p = pt.person(age=36, male=True)
    pt.source("prisoners", p, admitted_raw="", crime="盗窃罪", term="有期徒刑2年",
              tag="admitted_on|admission date missing")
    pt.source("vehicles", None, id_raw="", name_raw="", plate="湘NL99901", vehicle_type="小型普通客车",
              status="正常", registered_on=dt.date(2016, 5, 3), brand="五菱", use="非营运",
              tag="id_number|neither ID nor name")
