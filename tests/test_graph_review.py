"""Second review of the graph layer: families bridged by a household without ties, masking of
short identifiers, payee names compared in their canonical form, labels independent of row order."""

from __future__ import annotations

import polars as pl

from graph_frames import CATALOG, context, person_id, roster
from crosscheck.graph_links import household_links
from crosscheck.screen import run_rules


def _links(rows):
    return household_links(context(roster(rows)), CATALOG.graph)


def _flagged(rows, rule: str) -> set[str]:
    catalog = CATALOG.model_copy(update={"rules": {rule: CATALOG.rules[rule]}})
    return set(run_rules(context(roster(rows), None, catalog), catalog)[rule]["household_id"])


def test_a_family_bridged_by_a_household_without_ties_is_still_one_family() -> None:
    # DB1 and GL1 share person 1, GL1 and CJ1 share person 2: one family, even though GL1 itself
    # holds no shared identifier; DB1 and CJ1 sharing an account is no tie
    rows = [dict(household_id="DB1", person=1, account="6215000000000042"),
            dict(household_id="GL1", program="elderly_allowance", person=1),
            dict(household_id="GL1", program="elderly_allowance", person=2),
            dict(household_id="CJ1", program="disability_living", person=2, account="6215000000000042")]
    assert _links(rows).ties.is_empty()
    assert _flagged(rows, "shared_account") == set()


def test_short_accounts_and_phones_are_not_shown_whole() -> None:
    rows = [dict(household_id=h, person=i, account="12345678", phone="8123456") for i, h in enumerate("AB")]
    labels = _links(rows).ties["label"].to_list()
    assert len(labels) == 4 and all(sum(c.isdigit() for c in lab) <= 4 for lab in labels)  # not every digit shown
    rows = [dict(household_id=h, person=i, account="6215000000000042", phone="13912345678") for i, h in enumerate("AB")]
    assert set(_links(rows).ties["label"]) == {"6215 **** 0042", "139****5678"}


def test_a_payee_name_in_traditional_form_or_with_spaces_is_one_payee() -> None:
    rows = [dict(household_id="A", person=1, payee_name="張三"), dict(household_id="B", person=2, payee_name="张三"),
            dict(household_id="C", person=3, payee_name="张 三")]
    assert _flagged(rows, "proxy_collector") == {"A", "B", "C"}


def test_a_payee_named_in_traditional_form_is_still_a_member() -> None:
    # the payee of D is D's own member 张504 written 張504: not an outsider, so only A, B, C count
    rows = [dict(household_id=h, person=i, payee_name="李四") for i, h in enumerate("ABC")]
    rows += [dict(household_id="D", person=504, payee_name="李四"), dict(household_id="D", person=505, payee_name="張504")]
    rows += [dict(household_id=h, person=10 + i, payee_name="張504") for i, h in enumerate("EF")]
    assert _flagged(rows, "proxy_collector") == {"A", "B", "C", "D"}


def test_payee_label_does_not_depend_on_row_order() -> None:
    rows = [dict(household_id="A", person=1, payee_id=person_id(9), payee_name="李四"),
            dict(household_id="B", person=2, payee_id=person_id(9), payee_name="王五")]
    forward = set(_links(rows).ties["label"])
    backward = set(_links(rows[::-1]).ties["label"])
    assert forward == backward and len(forward) == 1


def test_a_namesake_of_a_member_with_another_valid_number_is_not_that_member() -> None:
    # the payee 张1 (a valid number of his own) collects for A, B, C; A's member 张1 has another
    # valid number: two different people (contract: differing valid numbers are never one person)
    payee = dict(payee_id=person_id(900), payee_name="张1")
    rows = [dict(household_id="A", person=1, **payee), dict(household_id="B", person=2, **payee),
            dict(household_id="C", person=3, **payee)]
    assert _flagged(rows, "proxy_collector") == {"A", "B", "C"}
    # without a number the name decides: A's own 张1 collects for A
    rows = [{**r, "payee_id": None} for r in rows]
    assert _flagged(rows, "proxy_collector") == set()


def test_a_collective_hukou_does_not_make_its_households_one_family() -> None:
    # five households whose persons share one 户号 (a 社区集体户): with family_cap 3 they are not one
    # family, so their shared account ties them; the shared persons are reported
    rows = [dict(household_id=f"H{i}", person=i, account="6215000000000042") for i in range(5)]
    frame = roster(rows)
    hukou = frame.select("_key", "_file", "_row", "id", "id_raw", "id_status", "id_birth", "name", "name_norm", "name_pinyin") \
        .with_columns(pl.lit("hk.csv").alias("_file"), pl.lit("JT0001").alias("household_no"))
    graph = CATALOG.graph.model_copy(update={"family_cap": 3})
    links = household_links(context(frame, {"household": hukou}), graph)
    assert sorted(links.ties["household_id"]) == [f"H{i}" for i in range(5)]
    assert links.capped.filter(pl.col("kind") == "family").height == 5
    assert all(person_id(i) not in lab for i in range(5) for lab in links.capped["label"])
    at_cap = household_links(context(frame.head(3), {"household": hukou.head(3)}), graph)
    assert at_cap.ties.is_empty() and at_cap.capped.is_empty()  # three households under the cap: one family


def test_a_payee_name_with_a_space_is_masked_like_without() -> None:
    rows = [dict(household_id=h, person=i, payee_name="李 四") for i, h in enumerate("AB")]
    assert set(_links(rows).ties["label"]) == {"李*（证件号未填）"}


def test_an_account_of_many_households_names_twenty_others_not_all() -> None:
    rows = [dict(household_id=f"H{i:02d}", person=100 + i, account="6215000000000001") for i in range(30)]
    catalog = CATALOG.model_copy(update={"rules": {"shared_account": CATALOG.rules["shared_account"]}})
    found = run_rules(context(roster(rows), None, catalog), catalog)["shared_account"]
    assert found.height == 30
    words = dict(found.select("household_id", "explanation").iter_rows())
    assert "同时用于30户：本户 H00 与家庭编号 H01、H02" in words["H00"] and words["H00"].endswith("H20等29户")
    assert words["H29"].endswith("H19等29户") and "H29、" not in words["H29"]
    few = [dict(household_id=h, person=i, account="6215000000000001") for i, h in enumerate("ABC")]
    words = dict(run_rules(context(roster(few), None, catalog), catalog)["shared_account"]
                 .select("household_id", "explanation").iter_rows())
    assert words["B"].endswith("本户 B 与家庭编号 A、C")


def test_a_group_of_hundreds_lists_fifty_households_per_case() -> None:
    # one payee for 120 households, one of them also tied by a phone: a group of 121 families
    rows = [dict(household_id=f"H{i:03d}", person=100 + i, payee_id=person_id(9)) for i in range(120)]
    rows += [dict(household_id="H000", person=100, phone="13900000000"), dict(household_id="X", person=5, phone="13900000000")]
    catalog = CATALOG.model_copy(update={"rules": {"linked_households": CATALOG.rules["linked_households"]}})
    found = run_rules(context(roster(rows), None, catalog), catalog)["linked_households"]
    assert found.height == 121 and found["evidence_key"].n_unique() == 1
    assert found["evidence"].str.len_chars().max() < 2000 and found["evidence"].str.contains("等121户").all()
    words = dict(found.select("household_id", "explanation").iter_rows())
    assert "本户 H005 -(代领人 " in words["H005"] and "另有116个家庭见关联组" in words["H005"]
