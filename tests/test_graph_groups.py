"""Linked groups: planted rings of 3 to 5 households are found whole, one kind of link is not
enough, paths name every step, and the components do not depend on row order or household labels."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_frames import CATALOG, context, person_id, roster
from crosscheck.graph_groups import groups_export, link_graph
from crosscheck.screen import run_rules


def _ring(n: int, prefix: str, start: int) -> list[dict]:
    """n households in a chain, tied alternately by an account and a phone (so two kinds)."""
    rows = []
    for i in range(n):
        row = dict(household_id=f"{prefix}{i}", person=start + i, program="elderly_allowance")
        if i > 0:
            key = "account" if i % 2 else "phone"
            rows[-1].setdefault(key, f"{prefix}-{key}-{i}")
            row[key] = rows[-1][key] if rows[-1].get(key) == f"{prefix}-{key}-{i}" else f"{prefix}-{key}-{i}"
            if rows[-1].get(key) != row[key]:  # the previous row already holds the other kind: add a row
                rows.append(dict(household_id=f"{prefix}{i - 1}", person=start + i - 1, program="elderly_allowance",
                                 **{key: row[key]}))
        rows.append(row)
    return rows


def _flagged(rows: list[dict], rule: str = "linked_households", sources=None) -> set[str]:
    catalog = CATALOG.model_copy(update={"rules": {rule: CATALOG.rules[rule]}})
    return set(run_rules(context(roster(rows), sources, catalog), catalog)[rule]["household_id"])


NOISE = [dict(household_id=f"N{i}", person=100 + i, program="elderly_allowance", phone=f"1380000{i:04d}")
         for i in range(20)]


@pytest.mark.parametrize("size", [3, 4, 5])
def test_rings_of_three_to_five_are_found_whole(size: int) -> None:
    rows = _ring(size, "R", 1) + NOISE
    assert _flagged(rows) == {f"R{i}" for i in range(size)}


def test_a_ring_tied_by_one_kind_of_link_is_not_flagged() -> None:
    rows = [dict(household_id=f"P{i}", person=i, phone="13900000000") for i in range(5)] + NOISE
    assert _flagged(rows) == set()


def test_two_families_are_not_a_group_of_three() -> None:
    # A and A2 are one family (same person on two programs); with B that is two families
    rows = [dict(household_id="A", person=1, account="1"), dict(household_id="A2", person=1, program="disability_living", phone="2"),
            dict(household_id="B", person=2, account="1", phone="2")]
    assert _flagged(rows) == set()
    rows.append(dict(household_id="C", person=3, phone="2"))
    assert _flagged(rows) == {"A", "A2", "B", "C"}


def test_explanation_walks_the_path_with_masked_identifiers() -> None:
    rows = [dict(household_id="A", person=1, account="6215000000000042"),
            dict(household_id="B", person=2, account="6215000000000042", payee_id=person_id(9)),
            dict(household_id="C", person=3, payee_id=person_id(9), payee_name="李四")]
    rows += [dict(household_id="D", person=4, payee_id=person_id(9))]
    catalog = CATALOG.model_copy(update={"rules": {"linked_households": CATALOG.rules["linked_households"]}})
    found = run_rules(context(roster(rows), None, catalog), catalog)["linked_households"]
    words = dict(found.select("household_id", "explanation").iter_rows())
    payee = f"李*（431221********{person_id(9)[-4:]}）"
    assert f"本户 A -(银行账号 6215 **** 0042)- B -(代领人 {payee})- C" in words["A"]
    assert "4户（4个家庭）由银行账号1个、代领人1个相连" in words["A"]
    assert person_id(9) not in words["A"] and "6215000000000042" not in words["A"]


def test_components_json_lists_flagged_groups_first() -> None:
    rows = _ring(4, "R", 1) + [dict(household_id=f"Q{i}", person=50 + i, address="光明村1组8号") for i in range(5)]
    ctx = context(roster(rows))
    link_graph(ctx)
    export = groups_export(ctx)
    assert export["total_groups"] == 2 and export["flagged_groups"] == 1
    first = export["groups"][0]
    assert first["flagged"] and [h["household_id"] for h in first["households"]] == ["R0", "R1", "R2", "R3"]
    assert {t["kind"] for t in first["ties"]} == {"account", "phone"}


def _partition(rows: list[dict]) -> set[frozenset[str]]:
    ctx = context(roster(rows))
    members = link_graph(ctx).members
    return {frozenset(hs) for hs in members.group_by("component").agg("household_id")["household_id"].to_list()}


BASE = _ring(5, "R", 1) + _ring(3, "S", 20) + NOISE + [
    dict(household_id="F1", person=40, account="77"), dict(household_id="F2", person=40, phone="88"),
    dict(household_id="G", person=41, account="77", phone="88")]
LABELS = sorted({r["household_id"] for r in BASE})


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(len(BASE))), st.permutations(LABELS))
def test_relabelling_and_shuffling_do_not_change_the_components(order, labels) -> None:
    relabel = dict(zip(LABELS, labels))
    shuffled = [{**BASE[i], "household_id": relabel[BASE[i]["household_id"]]} for i in order]
    expected = {frozenset(relabel[h] for h in group) for group in _partition(BASE)}
    assert _partition(shuffled) == expected
    scores = sorted(link_graph(context(roster(shuffled))).components["score"].to_list())
    assert scores == sorted(link_graph(context(roster(BASE))).components["score"].to_list())


def test_official_proxy_cadre_or_payroll_not_a_member() -> None:
    cadre, clerk, son = person_id(900), person_id(901), person_id(902)
    rows = [dict(household_id="A", person=1, program="elderly_allowance", payee_id=cadre, payee_name="王五"),
            dict(household_id="B", person=2, program="disability_living", payee_id=clerk, payee_name="赵六"),
            dict(household_id="C", person=3, program="elderly_allowance", payee_id=son, payee_name="张902"),
            dict(household_id="C", person=902, program="elderly_allowance"),  # the son is on C's rows
            dict(household_id="D", person=4, program="elderly_allowance", payee_name="王五")]  # name only: no match

    def source(ids, names, **extra):
        n = len(ids)
        return roster([dict(household_id=None, person=0)] * n).with_columns(
            pl.Series("id", ids), pl.Series("name", names), pl.Series("name_norm", names),
            pl.Series("name_pinyin", names), *(pl.Series(k, v) for k, v in extra.items()))

    sources = {"cadres": source([cadre, son], ["王五", "张902"], village=["光明村", "光明村"], position=["主任", "委员"]),
               "public_employees": source([clerk], ["赵六"], employer=["民政局"], status=["在职"])}
    assert _flagged(rows, "official_proxy", sources) == {"A", "B"}


def test_a_very_large_group_is_drawn_in_part_with_a_note() -> None:
    from crosscheck.graph_drawing import MAX_DRAWN, svg_group

    households = [{"household_id": f"H{i:03d}", "family": f"H{i:03d}"} for i in range(100)]
    group = {"component": "c1", "n_households": 100, "score": 99.0, "households": households,
             "ties": [{"kind": "payee", "label": "李*（4312**********1234）", "households": [h["household_id"] for h in households]}]}
    svg = svg_group(group, {"payee": "代领人"})
    assert svg.count('class="household"') == MAX_DRAWN and f"另有{100 - MAX_DRAWN}户未画出" in svg
