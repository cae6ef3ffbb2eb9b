"""Planted cases and decoys of the rules about the beneficiary himself: deceased, invalid_id,
duplicate_in_roster, exclusive_programs, age_mismatch, amount_above_standard, prisoner,
cross_region. Each case has its own household; dates are relative to the screening month.
"""

from __future__ import annotations

import datetime as dt

from crosscheck.demo import idgen, names
from crosscheck.demo.plant import Planter
from crosscheck.demo.sources import OTHER_COUNTY

HOMOPHONES = {"张": "章", "李": "黎", "王": "汪", "刘": "柳", "吴": "伍", "杨": "阳"}


def td(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


def _death(pt: Planter, p, day: dt.date, **kw) -> None:
    pt.source("deaths_gongan", p, death_date=day, cancel_date=day + td(6), station="中方镇派出所", **kw)


def _trad_surname(pt: Planter) -> str:
    return names.TRAD_SURNAMES[int(pt.rng.integers(0, len(names.TRAD_SURNAMES)))]


def deceased(pt: Planter) -> None:
    d0, E = pt.ctx.d0, "deceased"
    k, b, _ = pt.single("elderly_allowance", person=dict(age=88))
    _death(pt, b, d0 - td(78), id_raw=idgen.legacy15(b.id18))
    pt.expect(E, k, b.id18, "planted", "exact", "death record holds the 15-digit legacy number")
    k, b, _ = pt.single("disability_living", person=dict(age=57))
    spaced = f" {b.id18[:6]} {b.id18[6:14]} {b.id18[14:]} "
    _death(pt, b, d0 - td(29), id_raw=idgen.fullwidth(spaced))
    pt.expect(E, k, b.id18, "planted", "exact", "death record ID in full-width digits with spaces")
    k, b, _ = pt.single("rural_dibao", person=dict(age=74))
    pt.source("deaths_binzang", b, cremation_date=d0 - td(11), funeral_home="中方县殡仪馆")
    pt.expect(E, k, b.id18, "planted", "exact", "in the cremation xlsx; date is an Excel date cell")
    k, b, _ = pt.single("tekun_dispersed", person=dict(age=79, check="X"))
    _death(pt, b, d0 - td(54), id_raw=b.id18[:17] + "x")
    pt.expect(E, k, b.id18, "planted", "exact", "death record ID ends in lower-case x")
    k, b, _ = pt.single("elderly_allowance", person=dict(age=91))
    _death(pt, b, d0 - td(93), id_raw=idgen.typo(b.id18, 15))
    pt.expect(E, k, b.id18, "planted", "fuzzy", "death record ID has one digit wrong; same name")
    k, b, _ = pt.single("disability_care", person=dict(age=66, surname=_trad_surname(pt)))
    assert names.trad(b.name) != b.name
    pt.source("deaths_binzang", b, id_raw=idgen.swap(b.id18), name_raw=names.trad(b.name),
              cremation_date=d0 - td(20), funeral_home="怀化市殡仪馆")
    pt.expect(E, k, b.id18, "planted", "fuzzy",
              "cremation record ID has two adjacent digits swapped; name in traditional characters")
    # decoys
    k, b, _ = pt.single("elderly_allowance", person=dict(age=86))
    _death(pt, b, d0)
    pt.expect(E, k, b.id18, "decoy", "exact", "died on the first day of M (not before M)")
    k, b, _ = pt.single("rural_dibao", person=dict(age=69))
    _death(pt, b, pt.ctx.d_last + td(6))
    pt.expect(E, k, b.id18, "decoy", "exact", "died after M")
    k, b, _ = pt.single("elderly_allowance", person=dict(age=87))
    other = pt.person(birth=b.birth, male=b.male, name=b.name, region=431202, group="dead")
    _death(pt, other, d0 - td(40))
    pt.expect(E, k, b.id18, "decoy", "exact",
              "a namesake with the same birth date but another valid ID (鹤城区) died before M")


def invalid_id(pt: Planter) -> None:
    E = "invalid_id"
    k, b, _ = pt.single("rural_dibao", hukou=False, person=dict(age=47), id_raw=lambda b: idgen.bad_check(b.id18))
    pt.expect(E, k, idgen.bad_check(b.id18), "planted", "exact", "wrong check digit; no counterpart anywhere")

    def feb30(b):
        body = b.id18[:10] + "0230" + b.id18[14:17]
        return body + idgen.check_digit(body)
    k, b, _ = pt.single("rural_dibao", hukou=False, person=dict(age=57), id_raw=feb30)
    pt.expect(E, k, feb30(b), "planted", "exact", "impossible birth date (30 February)")
    k, b, _ = pt.single("elderly_allowance", hukou=False, person=dict(age=83), id_raw=lambda b: b.id18[:17])
    pt.expect(E, k, b.id18[:17], "planted", "exact", "malformed: 17 digits")
    while True:     # a number whose float form (what a reader gets from the cell) is not valid by chance
        birth, male = pt.birth_for_age(61), bool(pt.rng.random() < 0.5)
        id18 = pt.ctx.reg.reserve(pt.rng, idgen.COUNTY_CODE, birth, male)[0]
        if id18.endswith("X"):                        # Excel keeps those as text
            continue
        shown = str(int(float(f"{float(id18):.16g}")))     # xlsx keeps 16 significant digits
        if shown != id18 and shown[17] != idgen.check_digit(shown[:17]):
            break
    k, b, _ = pt.single("urban_dibao", person=dict(birth=birth, male=male, id18=id18), numeric_id=True,
                        id_raw=id18)
    pt.expect(E, k, shown, "planted", "exact",
              "numeric Excel cell in the xlsx roster: a reader gets the float's digits, the last ones lost")
    k, b, _ = pt.single("tekun_dispersed", person=dict(age=75), id_raw="4.31221E+17")
    pt.expect(E, k, "4.31221E+17", "planted", "exact", "the CSV roster holds the text 4.31221E+17")
    # decoys: usable after normalisation
    k, b, _ = pt.single("elderly_allowance", person=dict(age=84), id_raw=lambda b: idgen.legacy15(b.id18))
    pt.expect(E, k, b.id18, "decoy", "exact", "valid 15-digit legacy number")
    k, b, _ = pt.single("rural_dibao", person=dict(age=53, check="X"), id_raw=lambda b: b.id18[:17] + "x")
    pt.expect(E, k, b.id18, "decoy", "exact", "ID ends in lower-case x")
    k, b, _ = pt.single("disability_living", person=dict(age=38), id_raw=lambda b: idgen.fullwidth(b.id18))
    pt.expect(E, k, b.id18, "decoy", "exact", "ID in full-width digits")


def duplicates(pt: Planter) -> None:
    E = "duplicate_in_roster"
    x, spouse = pt.family([dict(rel="户主", age=61, male=True), dict(rel="配偶", age=58, male=False)])
    ka = pt.key()
    pt.pay(x, "rural_dibao", ka)
    pt.pay(spouse, "rural_dibao", ka, member=1, rel="配偶")
    kb, _, _ = pt.single("rural_dibao", person=dict(age=66))
    pt.pay(x, "rural_dibao", kb, member=1, rel="其他")
    for k in (ka, kb):
        pt.expect(E, k, x.id18, "planted", "exact", "same person in two 农村低保 households")
    ku, x, _ = pt.single("urban_dibao", person=dict(age=49))
    kr = pt.key()
    pt.pay(x, "rural_dibao", kr)
    for k in (ku, kr):
        pt.expect(E, k, x.id18, "planted", "exact", "same person in 城市低保 and 农村低保 (one family)")
    k1, x, _ = pt.single("elderly_allowance", person=dict(age=86), id_raw=lambda b: idgen.legacy15(b.id18))
    k2 = pt.key()
    pt.pay(x, "elderly_allowance", k2)
    for k in (k1, k2):
        pt.expect(E, k, x.id18, "planted", "exact", "15-digit number in one row, 18 digits in the other")
    k1, x, _ = pt.single("disability_care", person=dict(age=44))
    k2, raw = pt.key(), idgen.typo(x.id18, 14)
    pt.pay(x, "disability_care", k2, id_raw=raw)
    pt.expect(E, k1, x.id18, "planted", "fuzzy", "second row has one ID digit mistyped; same name")
    pt.expect(E, k2, raw, "planted", "fuzzy", "this row's ID has one digit mistyped; same name as the first")
    pt.expect("invalid_id", k2, raw, "planted", "exact", "mistyped digit (second row of a fuzzy duplicate)")
    # decoys: twins, namesakes, 低保 + 高龄
    twin_birth = pt.birth_for_age(12)
    ids = pt.ctx.reg.reserve(pt.rng, idgen.COUNTY_CODE, twin_birth, True, seqs=(0, 1))
    fam = pt.family([dict(rel="户主", age=40, male=True), dict(rel="配偶", age=38, male=False),
                     dict(rel="子女", birth=twin_birth, male=True, id18=ids[0]),
                     dict(rel="子女", birth=twin_birth, male=False, id18=ids[1])])
    k = pt.key()
    for i, p in enumerate(fam):
        pt.pay(p, "rural_dibao", k, member=i, rel=("户主", "配偶", "子", "女")[i])
    for p in fam[2:]:
        pt.expect(E, k, p.id18, "decoy", "exact", "twin: same birth date, neighbouring sequence number, other name")
    k1, a, _ = pt.single("rural_dibao", person=dict(age=55))
    k2, b, _ = pt.single("rural_dibao", person=dict(birth=a.birth, male=a.male, name=a.name))
    pt.expect(E, k1, a.id18, "decoy", "exact", "namesake: same name and birth date, different valid ID")
    pt.expect(E, k2, b.id18, "decoy", "exact", "namesake: same name and birth date, different valid ID")
    k1, x, _ = pt.single("rural_dibao", person=dict(age=84))
    k2 = pt.key()
    pt.pay(x, "elderly_allowance", k2)
    for k in (k1, k2):
        pt.expect(E, k, x.id18, "decoy", "exact", "in 农村低保 and 高龄津贴: different families")


def exclusive(pt: Planter) -> None:
    E = "exclusive_programs"
    k1, x, _ = pt.single("rural_dibao", person=dict(age=67))
    k2 = pt.key()
    pt.pay(x, "tekun_dispersed", k2)
    for k in (k1, k2):
        pt.expect(E, k, x.id18, "planted", "exact", "in 农村低保 and 特困供养(分散)")
    k1, x, _ = pt.single("orphan", person=dict(age=9))
    k2 = pt.key()
    pt.pay(x, "de_facto_orphan", k2)
    for k in (k1, k2):
        pt.expect(E, k, x.id18, "planted", "exact", "in 孤儿 and 事实无人抚养儿童")
    k1, x, _ = pt.single("rural_dibao", person=dict(age=52))
    k2 = pt.key()
    pt.pay(x, "disability_living", k2)
    for k in (k1, k2):
        pt.expect(E, k, x.id18, "decoy", "exact", "低保 with 困难残疾人生活补贴 is allowed")


def ages_and_amounts(pt: Planter) -> None:
    ctx, E = pt.ctx, "age_mismatch"
    cases = [("elderly_allowance", ctx.years_before(80) + td(100), "planted", "高龄津贴 recipient aged 79"),
             ("centenarian", pt.birth_for_age(98), "planted", "百岁老人 recipient aged 98"),
             ("orphan", ctx.years_before(18) - td(12), "planted", "孤儿 who turned 18 before M"),
             ("de_facto_orphan", pt.birth_for_age(19), "planted", "事实无人抚养儿童 aged 19"),
             ("elderly_allowance", ctx.years_before(80), "decoy", "turns 80 exactly on the first day of M"),
             ("orphan", ctx.years_before(18, ctx.d0 + td(14)), "decoy", "turns 18 on day 15 of M (17 on day 1)")]
    for program, birth, kind, note in cases:
        k, b, _ = pt.single(program, person=dict(birth=birth))
        pt.expect(E, k, b.id18, kind, "exact", note)
    E = "amount_above_standard"
    for program, amount, raw, kind, note in (
            ("tekun_dispersed", 600.0, "600", "planted", "特困(分散) paid 600, standard 501"),
            ("rural_dibao", 420.0, "420元", "planted", "农村低保 paid 420元, standard 385"),
            ("tekun_dispersed", 501.0, "501.00", "decoy", "paid exactly the standard, written 501.00"),
            ("rural_dibao", 385.0, "385元", "decoy", "paid exactly the standard, written 385元")):
        k, b, _ = pt.single(program, amount=amount, amount_raw=raw)
        pt.expect(E, k, b.id18, kind, "exact", note)


def prisoners(pt: Planter) -> None:
    d0, E = pt.ctx.d0, "prisoner"
    k, b, _ = pt.single("rural_dibao", person=dict(age=41, male=True))
    pt.source("prisoners", b, admitted_on=d0 - td(540), crime="盗窃罪", term="有期徒刑3年")
    pt.expect(E, k, b.id18, "planted", "exact", "serving: admitted before M, not released")
    k, b, _ = pt.single("rural_dibao", person=dict(age=45, male=True))
    pt.source("prisoners", b, admitted_on=d0 - td(1100), released_on=d0 - td(20), crime="诈骗罪", term="有期徒刑3年")
    pt.expect(E, k, b.id18, "decoy", "exact", "released before M")
    k, b, _ = pt.single("rural_dibao", person=dict(age=39, male=True))
    pt.source("prisoners", b, admitted_on=pt.ctx.d_last + td(9), crime="危险驾驶罪", term="拘役4个月")
    pt.expect(E, k, b.id18, "decoy", "exact", "admitted after the last day of M")
    k, b, others = pt.single("de_facto_orphan", person=dict(age=8),
                             members=(dict(rel="子", age=36, male=True),))
    pt.source("prisoners", others[-1], admitted_on=d0 - td(400), crime="贩卖毒品罪", term="有期徒刑7年")
    pt.expect(E, k, b.id18, "decoy", "household",
              "the child's father (a household member, not the beneficiary) is serving")


def cross_region(pt: Planter) -> None:
    E = "cross_region"
    k, b, _ = pt.single("rural_dibao", person=dict(age=44, male=False, name=names.MINORITY_FEMALE[1]))
    pt.source("elsewhere", b, name_raw=b.name.replace("·", "•"), county=OTHER_COUNTY, program="农村低保", amount=300.0)
    pt.expect(E, k, b.id18, "planted", "exact", "same ID on the other county's roster for M (name with •)")
    k, b, _ = pt.single("elderly_allowance", person=dict(age=83))
    pt.source("elsewhere", b, id_raw=idgen.legacy15(b.id18), county=OTHER_COUNTY, program="高龄津贴", amount=50.0)
    pt.expect(E, k, b.id18, "planted", "exact", "the other county lists the 15-digit legacy number")
    surname, homophone = list(HOMOPHONES.items())[int(pt.rng.integers(0, len(HOMOPHONES)))]
    k, b, _ = pt.single("disability_living", person=dict(age=52, surname=surname))
    pt.source("elsewhere", b, id_raw=idgen.typo(b.id18, 16), name_raw=homophone + b.name[1:], county=OTHER_COUNTY,
              program="困难残疾人生活补贴", amount=75.0)
    pt.expect(E, k, b.id18, "planted", "fuzzy",
              f"the other county's row has one digit wrong and a homophone surname ({homophone} for {surname})")
    k, b, _ = pt.single("rural_dibao", person=dict(age=58))
    other = pt.person(birth=pt.birth_for_age(61), name=b.name, male=b.male, region=431202, group="other")
    pt.source("elsewhere", other, county=OTHER_COUNTY, program="农村低保", amount=300.0)
    pt.expect(E, k, b.id18, "decoy", "exact", "a namesake with another ID on the other county's roster")
