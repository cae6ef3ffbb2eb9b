"""Planted cases and decoys of the household and graph rules: public_employee, vehicle, business,
cadre_relative (found through 户籍 household members), shared_account and proxy_collector.

Household cases put ONE beneficiary on the roster and the triggering member in the 户籍
household only, so the flagged (household, person) pair is unambiguous.
"""

from __future__ import annotations

import datetime as dt

from crosscheck.demo import rosters
from crosscheck.demo.plant import Planter

SON = (dict(rel="子", age=35, male=True),)


def _rural_with_son(pt: Planter, **kw):
    k, mom, others = pt.single("rural_dibao", person=dict(age=62, male=False), members=SON, **kw)
    return k, mom, others[0]


def public_employee(pt: Planter) -> None:
    E = "public_employee"
    k, mom, son = _rural_with_son(pt)
    pt.source("public_employees", son, employer="中方县教育局", status="在职", staffing="事业编制")
    pt.expect(E, k, mom.id18, "planted", "household", "her son (户籍 member, not on the roster) is on the payroll")
    k, b, _ = pt.single("urban_dibao", person=dict(age=44, male=False))
    pt.source("public_employees", b, employer="中方县人民医院", status="在职", staffing="事业编制")
    pt.expect(E, k, b.id18, "planted", "exact", "the beneficiary herself is on the payroll")
    k, b, _ = pt.single("rural_dibao", person=dict(age=50))
    other = pt.family([dict(rel="户主", age=38, name=b.name, male=b.male)])[0]
    pt.source("public_employees", other, employer="中方县财政局", status="在职", staffing="行政编制")
    pt.expect(E, k, b.id18, "decoy", "exact", "a payroll namesake with another ID")
    k, b, others = pt.single("elderly_allowance", person=dict(age=86), members=(dict(rel="子", age=55, male=True),))
    pt.source("public_employees", others[0], employer="铜湾镇人民政府", status="在职", staffing="行政编制")
    pt.expect(E, k, b.id18, "decoy", "household", "public employee son in a 高龄津贴 household (not means-tested)")


def _car(pt: Planter, p, vtype: str, status: str = "正常", brand: str = "大众") -> None:
    pt.plates += 1
    plate = f"湘NL{pt.plates:03d}{int(pt.rng.integers(10, 100))}"
    pt.source("vehicles", p, plate=plate, vehicle_type=vtype, status=status, registered_on=dt.date(2019, 4, 16),
              brand=brand, use="非营运")


def vehicle(pt: Planter) -> None:
    E = "vehicle"
    k, mom, son = _rural_with_son(pt)
    _car(pt, son, "小型轿车")
    pt.expect(E, k, mom.id18, "planted", "household", "her son (户籍 member) owns a 小型轿车 in status 正常")
    fam = pt.family([dict(rel="户主", age=71, male=True), dict(rel="配偶", age=68, male=False),
                     dict(rel="子", age=42, male=True)])
    keys = [pt.key(), pt.key()]
    for key, p in zip(keys, fam[:2], strict=True):
        pt.pay(p, "rural_dibao", key)
    _car(pt, fam[2], "小型普通客车", brand="五菱")
    for key, p in zip(keys, fam[:2], strict=True):
        pt.expect(E, key, p.id18, "planted", "household",
                  "two roster households share one 户号; the son there owns a car (flags both)")
    k, b, _ = pt.single("tekun_dispersed", person=dict(age=64, male=True))
    _car(pt, b, "轻型普通货车", brand="东风")
    pt.expect(E, k, b.id18, "planted", "exact", "the beneficiary owns a 轻型普通货车 in status 正常")
    for vtype, brand in (("普通二轮摩托车", "豪爵"), ("拖拉机", "东方红"), ("三轮汽车", "五征"),
                         ("残疾人专用小型自动挡载客汽车", "奇瑞")):
        k, mom, son = _rural_with_son(pt)
        _car(pt, son, vtype, brand=brand)
        pt.expect(E, k, mom.id18, "decoy", "household", f"member owns an exempt vehicle ({vtype})")
    k, mom, son = _rural_with_son(pt)
    _car(pt, son, "小型轿车", status="注销")
    pt.expect(E, k, mom.id18, "decoy", "household", "member's car is in status 注销")
    k, b, others = pt.single("elderly_allowance", person=dict(age=84), members=(dict(rel="子", age=52, male=True),))
    _car(pt, others[0], "小型轿车")
    pt.expect(E, k, b.id18, "decoy", "household", "car owner in a 高龄津贴-only household (not means-tested)")


def _biz(pt: Planter, p, company, etype, role, capital, status, code) -> None:
    pt.source("businesses", p, company=company, credit_code=code, entity_type=etype, role=role, capital=capital,
              status=status, established_on=dt.date(2018, 7, 9))


def business(pt: Planter) -> None:
    E, llc = "business", "有限责任公司(自然人投资或控股)"
    k, b, _ = pt.single("urban_dibao", person=dict(age=45, male=True))
    _biz(pt, b, "中方县恒达商贸有限公司", llc, "法定代表人", 50.0, "存续", "91431221MA4Q7H2K3X")
    pt.expect(E, k, b.id18, "planted", "exact", "the beneficiary is 法定代表人 of a 有限责任公司 in status 存续")
    k, mom, son = _rural_with_son(pt)
    boss = pt.family([dict(rel="户主", age=50, male=True)])[0]
    _biz(pt, boss, "中方县鑫旺建材有限公司", llc, "法定代表人", 100.0, "在业", "91431221MA4R2L8N1B")
    _biz(pt, son, "中方县鑫旺建材有限公司", llc, "股东", 100.0, "在业", "91431221MA4R2L8N1B")
    pt.expect(E, k, mom.id18, "planted", "household", "her son is 股东 of a company in status 在业")
    k, mom, son = _rural_with_son(pt)
    _biz(pt, son, "中方县铜湾福顺副食店", "个体工商户", "经营者", 5.0, "存续", "92431221MA4P3D6W5C")
    pt.expect(E, k, mom.id18, "decoy", "household", "member runs a 个体工商户 with capital 5 (under 10 万元)")
    k, mom, son = _rural_with_son(pt)
    _biz(pt, son, "中方县隆昌运输有限公司", llc, "法定代表人", 30.0, "注销", "91431221MA4M9T1F7D")
    pt.expect(E, k, mom.id18, "decoy", "household", "member's company is 注销")


def cadre_relative(pt: Planter) -> None:
    E = "cadre_relative"
    for filed, kind, note in (("否", "planted", "village cadre (her son) in the same 户号; filed 否"),
                              (None, "planted", "village cadre (her son) in the same 户号; filed empty"),
                              ("是", "decoy", "village cadre (her son) in the same 户号; filed 是")):
        village = int(rosters.pick_villages(pt.rng, 1, False)[0])
        k, mom, son = _rural_with_son(pt, filed=filed, village=village)
        pt.source("cadres", son, village=village, position="委员")
        pt.expect(E, k, mom.id18, kind, "household", note)


def shared_account(pt: Planter) -> None:
    E = "shared_account"
    g = pt.account()
    for age in (59, 63):
        k, b, _ = pt.single("rural_dibao", person=dict(age=age), acct_group=g)
        pt.expect(E, k, b.id18, "planted", "graph", "two unrelated households paid into one account")
    g = [pt.account() for _ in range(3)]
    for i in range(3):
        head, spouse = pt.family([dict(rel="户主", age=55 + i, male=True), dict(rel="配偶", age=53 + i, male=False)])
        k = pt.key()
        pt.pay(head, "rural_dibao", k, acct_group=g[i])
        pt.pay(spouse, "rural_dibao", k, member=1, rel="配偶", acct_group=g[(i + 1) % 3])
        pt.expect(E, k, head.id18, "planted", "graph",
                  "ring of three households: each shares one of its two accounts with the next")
    inst_village = rosters.institution_village(0)
    for _ in range(40):
        k, b, _ = pt.single("tekun_centralized", person=dict(age=int(pt.rng.integers(62, 93))),
                            village=inst_village, acct_group=rosters.INST_GROUP)
        pt.expect(E, k, b.id18, "decoy", "graph", "集中供养 resident paid into the 敬老院's account (exempt program)")
    head, spouse = pt.family([dict(rel="户主", age=48, male=True), dict(rel="配偶", age=46, male=False)])
    k = pt.key()
    pt.pay(head, "rural_dibao", k)
    pt.pay(spouse, "rural_dibao", k, member=1, rel="配偶")
    pt.expect(E, k, head.id18, "decoy", "graph", "two members of one household share the household's account")


def proxy_collector(pt: Planter) -> None:
    E = "proxy_collector"
    plan = ((("elderly_allowance",) * 3, "planted", "one non-member payee collects for 3 households"),
            (("tekun_dispersed", "tekun_dispersed", "disability_living", "disability_living"), "planted",
             "one non-member payee collects for 4 households"),
            (("elderly_allowance",) * 2, "decoy", "a payee who collects for exactly 2 households"))
    for programs, kind, note in plan:
        payee = pt.family([dict(rel="户主", age=int(pt.rng.integers(38, 56)), male=True)])[0]
        for program in programs:
            k, b, _ = pt.single(program, payee=payee)
            pt.expect(E, k, b.id18, kind, "graph", note)


ALL = (public_employee, vehicle, business, cadre_relative, shared_account, proxy_collector)
