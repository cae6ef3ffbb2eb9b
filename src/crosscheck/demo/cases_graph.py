"""Planted cases and decoys of the graph rules beyond the contract's two: linked_households (groups
of families tied by two or more kinds of link) and official_proxy (a payee who is a village cadre
or on the public payroll).

Rings tie households through shared accounts, phones and a payee; a ring that shares an account
also shows up under shared_account, and its expected rows say so.
"""

from __future__ import annotations

from crosscheck.demo import rosters
from crosscheck.demo.plant import Planter

E = "linked_households"


def _phone(pt: Planter) -> str:
    """A fresh mobile number for a phone shared on purpose."""
    pt.next_acct += 1
    return f"1990{pt.next_acct % 10**7:07d}"


def _elderly(pt: Planter, **pay) -> tuple[int, object]:
    k, b, _ = pt.single("elderly_allowance", person=dict(age=int(pt.rng.integers(81, 92))), **pay)
    return k, b


def linked_households(pt: Planter) -> None:
    # a ring of three: A and B share an account, B and C a phone (2 kinds, 3 families)
    acct, phone = pt.account(), _phone(pt)
    a = pt.single("rural_dibao", person=dict(age=58), acct_group=acct)[:2]
    b = pt.single("rural_dibao", person=dict(age=61), acct_group=acct, phone_raw=phone)[:2]
    c = _elderly(pt, phone_raw=phone)
    for k, p in (a, b, c):
        pt.expect(E, k, p.id18, "planted", "graph", "ring of 3: A-B share an account, B-C a phone")
    for k, p in (a, b):
        pt.expect("shared_account", k, p.id18, "planted", "graph", "the ring's shared account (A-B)")
    # a ring of five: one outside payee for A and B (2 households only), B-C phone, C-D account, D-E phone
    payee = pt.family([dict(rel="户主", age=47, male=True)])[0]
    p1, p2, acct = _phone(pt), _phone(pt), pt.account()
    ring = [_elderly(pt, payee=payee), _elderly(pt, payee=payee, phone_raw=p1),
            pt.single("disability_living", person=dict(age=52), phone_raw=p1, acct_group=acct)[:2],
            pt.single("disability_care", person=dict(age=40), phone_raw=p2, acct_group=acct)[:2],
            _elderly(pt, phone_raw=p2)]
    for k, p in ring:
        pt.expect(E, k, p.id18, "planted", "graph", "ring of 5 tied by a payee, two phones and an account")
    for k, p in ring[2:4]:
        pt.expect("shared_account", k, p.id18, "planted", "graph", "the 5-ring's shared account (C-D)")
    # decoy: three households share one phone and nothing else (one kind of link)
    phone = _phone(pt)
    for _ in range(3):
        k, p = _elderly(pt, phone_raw=phone)
        pt.expect(E, k, p.id18, "decoy", "graph", "3 households share only a phone (one kind of link)")
    # decoy: one family on three allowances (mother, father: own household ids; son's 低保 household)
    # shares its account, phone and address; plus an unrelated household on the same phone
    phone, acct = _phone(pt), pt.account()
    son, mom, dad = pt.family([dict(rel="户主", age=50, male=True), dict(rel="母亲", age=83, male=False),
                               dict(rel="父亲", age=86, male=True)])
    k_son = pt.key()
    pt.pay(son, "rural_dibao", k_son, acct_group=acct, phone_raw=phone)
    for p in (mom, dad):
        k = pt.key()
        pt.pay(p, "elderly_allowance", k, acct_group=acct, phone_raw=phone)
        pt.expect("shared_account", k, p.id18, "decoy", "graph", "one family (one 户籍 household) on three allowances, one account")
        pt.expect(E, k, p.id18, "decoy", "graph", "one family on three allowances shares account, phone, address")
    k, p = _elderly(pt, phone_raw=phone)
    pt.expect(E, k, p.id18, "decoy", "graph", "an unrelated household on the family's phone: 2 families, 1 kind")


def official_proxy(pt: Planter) -> None:
    E = "official_proxy"
    village = int(rosters.pick_villages(pt.rng, 1, False)[0])
    cadre = pt.family([dict(rel="户主", age=45, male=True)], village=village)[0]
    pt.source("cadres", cadre, village=village, position="村委会主任")
    k, b = _elderly(pt, payee=cadre)
    pt.expect(E, k, b.id18, "planted", "graph", "the village head collects an unrelated 高龄津贴 household's money")
    clerk = pt.family([dict(rel="户主", age=39, male=False)])[0]
    pt.source("public_employees", clerk, employer="中方县民政局", status="在职", staffing="行政编制")
    k, b, _ = pt.single("disability_living", person=dict(age=57), payee=clerk)
    pt.expect(E, k, b.id18, "planted", "graph", "a civil-affairs clerk collects for an unrelated household")
    # decoy: a cadre collecting for his own mother (same 户籍 household)
    village = int(rosters.pick_villages(pt.rng, 1, False)[0])
    mom, son = pt.family([dict(rel="户主", age=84, male=False), dict(rel="子", age=58, male=True)], village=village)
    pt.source("cadres", son, village=village, position="村委委员")
    k = pt.key()
    pt.pay(mom, "elderly_allowance", k, payee=son)
    pt.expect(E, k, mom.id18, "decoy", "graph", "a cadre collects his own mother's allowance (a member)")
    # decoy: the payee is a cadre's namesake with another ID number
    namesake = pt.family([dict(rel="户主", age=44, male=True)])[0]
    twin_name = pt.family([dict(rel="户主", age=51, male=True, name=namesake.name)])[0]
    pt.source("cadres", twin_name, village=village, position="村委委员")
    k, b = _elderly(pt, payee=namesake)
    pt.expect(E, k, b.id18, "decoy", "graph", "the payee shares a cadre's name, not his ID number")


ALL = (linked_households, official_proxy)
