"""Blocking equals a brute-force comparison of every pair on small frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from people_frames import make_id, people
from polars.testing import assert_frame_equal

from crosscheck.candidates import BlockingExplosion, candidate_pairs
from crosscheck.keystrokes import one_keystroke
from crosscheck.normalize_id import to_15

SURNAMES = "张章王李刘陈"
GIVEN = "伟玮芳强敏"


@st.composite
def small_tables(draw):
    """Two tables of people drawn from a tiny universe, so that exact IDs, typos, legacy numbers and
    shared names with birth dates all occur."""
    universe = [make_id("431221", b, s) for b in ("19450312", "19500101", "19900101") for s in (11, 13, 27)]

    def record():
        number = draw(st.sampled_from(universe))
        form = draw(st.sampled_from(["same", "same", "typo", "swap", "legacy", "none"]))
        if form == "typo":
            pos = draw(st.integers(0, 17))
            c = draw(st.sampled_from([c for c in "0123456789" if c != number[pos]]))
            number = number[:pos] + c + number[pos + 1:]
        elif form == "swap":
            pos = draw(st.integers(0, 16))
            number = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2:]
        elif form == "legacy":
            number = to_15(number)
        elif form == "none":
            number = None
        name = draw(st.sampled_from(SURNAMES)) + draw(st.sampled_from(GIVEN))
        return number, name

    left = [record() for _ in range(draw(st.integers(1, 8)))]
    right = [record() for _ in range(draw(st.integers(1, 8)))]
    return left, right


def _brute_force(left: pl.DataFrame, right: pl.DataFrame, self_link: bool) -> set[tuple[int, int]]:
    """Every pair a blocking rule should produce, by looking at each pair in plain Python."""
    out = set()
    usable = ("valid", "legacy15")
    typo = ("bad_check", "bad_date", "malformed")
    for a in left.iter_rows(named=True):
        for b in right.iter_rows(named=True):
            if self_link and a["_key"] >= b["_key"]:
                continue
            same_id = a["id"] is not None and a["id"] == b["id"] and a["id_status"] in usable + ("bad_check", "bad_date") \
                and b["id_status"] in usable + ("bad_check", "bad_date")
            keystroke = False
            for x, y in ((a, b), (b, a)):
                if x["id"] and y["id"] and y["id_status"] in usable:
                    if x["id_status"] in typo and len(x["id"]) == 18 and one_keystroke(x["id"], y["id"]):
                        keystroke = True
                    if x["id_status"] == "legacy15" and one_keystroke(to_15(x["id"]), to_15(y["id"])):
                        keystroke = True
            birth_a, birth_b = a["id_birth"], b["id_birth"]
            same_name_birth = (a["name_pinyin"] is not None and a["name_pinyin"] == b["name_pinyin"]
                               and birth_a is not None and birth_a == birth_b)
            if same_id or keystroke or same_name_birth:
                out.add((a["_key"], b["_key"]))
    return out


@settings(max_examples=80, deadline=None)
@given(small_tables())
def test_blocking_equals_brute_force(tables) -> None:
    (l_ids, l_names), (r_ids, r_names) = zip(*tables[0]), zip(*tables[1])
    left = people(list(l_ids), list(l_names)).collect()
    right = people(list(r_ids), list(r_names)).collect()
    pairs = candidate_pairs(left.lazy(), right.lazy()).collect()
    assert set(pairs.select("l_key", "r_key").iter_rows()) == _brute_force(left, right, self_link=False)
    assert pairs.select("l_key", "r_key").is_unique().all()


@settings(max_examples=60, deadline=None)
@given(small_tables())
def test_self_blocking_equals_brute_force(tables) -> None:
    ids, names = zip(*(tables[0] + tables[1]))
    table = people(list(ids), list(names)).collect()
    pairs = candidate_pairs(table.lazy()).collect()
    found = set(pairs.select("l_key", "r_key").iter_rows())
    assert found == _brute_force(table, table, self_link=True)
    assert all(a < b for a, b in found)


def _without_name_keys(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("name_norm", "name_pinyin")


@settings(max_examples=40, deadline=None)
@given(small_tables(), st.booleans(), st.booleans())
def test_name_keys_computed_on_demand_give_the_same_pairs(tables, skip_valid_pairs, with_birth) -> None:
    """A table without name keys (户籍, whose keys are computed for the rows the name+birth joins
    can reach) gets exactly the pairs, rules and order it gets with them: on either side, on both,
    and linked with itself; with birth dates of the tables' own or only the numbers'."""
    (l_ids, l_names), (r_ids, r_names) = zip(*tables[0]), zip(*tables[1])
    born = (lambda n: [dt.date(1950, 1, 1) if i % 2 else None for i in range(n)]) if with_birth else (lambda n: None)
    left = people(list(l_ids), list(l_names), born(len(l_ids))).collect()
    right = people(list(r_ids), list(r_names), born(len(r_ids))).collect()
    expected = candidate_pairs(left.lazy(), right.lazy(), skip_valid_pairs=skip_valid_pairs).collect()
    for a, b in ((_without_name_keys(left), right), (left, _without_name_keys(right)),
                 (_without_name_keys(left), _without_name_keys(right))):
        assert_frame_equal(candidate_pairs(a.lazy(), b.lazy(), skip_valid_pairs=skip_valid_pairs).collect(), expected)
    alone = candidate_pairs(left.lazy(), skip_valid_pairs=skip_valid_pairs).collect()
    assert_frame_equal(candidate_pairs(_without_name_keys(left).lazy(), skip_valid_pairs=skip_valid_pairs).collect(), alone)


def test_a_keyless_sides_own_unusual_numbers_meet_valid_ones() -> None:
    """With valid-number pairs skipped, a row of the keyless side whose number is not valid (a
    legacy one here) meets a valid number born the same day under a homophone, though no row of
    the other side with a number not valid was born then."""
    valid, other = make_id("431221", "19450312", 11), make_id("431221", "19450312", 27)
    left = people([valid, make_id("431221", "19900101", 13)], ["张伟", "李芳"]).collect()
    right = people([to_15(other), "12345"], ["章伟", "李芳"]).collect()
    for a, b in ((left, _without_name_keys(right)), (_without_name_keys(right), left)):
        pairs = candidate_pairs(a.lazy(), b.lazy(), skip_valid_pairs=True).collect()
        assert pairs["blocked_by"].to_list() == ["name_birth"] and pairs.height == 1


def test_every_pair_records_its_first_blocking_rule() -> None:
    number = make_id("431221", "19450312", 21)
    typo = number[:10] + number[11] + number[10] + number[12:]
    left = people([number, number, None], ["张伟", "张伟", "李芳"], None)
    right = people([number, typo, to_15(number)], ["张伟", "张伟", "王强"])
    pairs = candidate_pairs(left, right).collect()
    rules = {(a, b): r for a, b, r in pairs.iter_rows()}
    assert rules[(0, 0)] == "id_exact"
    assert rules[(0, 1)] == "id_keystroke"
    assert rules[(0, 2)] == "id_exact"  # the 15-digit number normalises to the same 18 digits


def test_explosion_stops_before_building_pairs() -> None:
    n = 300
    birth = dt.date(1950, 1, 1)
    table = people([None] * n, ["王伟"] * n, [birth] * n)
    with pytest.raises(BlockingExplosion, match="name_birth.*44,850|name_birth.*90,000"):
        candidate_pairs(table, table, max_pairs=10_000).collect()


def test_pair_count_of_a_block_past_four_billion_does_not_wrap() -> None:
    """70,000 x 70,000 records on one placeholder key are 4.9 billion pairs: more than a 32-bit
    count holds, which would wrap to a small number and let the join run."""
    from crosscheck.candidates import count_pairs, largest_block

    side = pl.LazyFrame({"k": pl.repeat("000000", 70_000, eager=True)})
    assert count_pairs(side, side, ["k"]) == 70_000 * 70_000
    assert largest_block(side, side, ["k"]) == ["000000", 70_000 * 70_000]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-2, 4), st.integers(-2, 4), st.sampled_from(["a", "b", "c"])), max_size=30),
       st.booleans())
def test_first_rule_per_pair_against_plain_python(rows, self_link) -> None:
    from crosscheck.candidates import first_rule_per_pair

    rules = ["a", "b", "c"]
    pairs = pl.LazyFrame(rows, schema={"l_key": pl.Int64, "r_key": pl.Int64, "blocked_by": pl.String}, orient="row")
    best: dict = {}
    for left, right, rule in rows:
        if self_link:
            if left == right:
                continue
            left, right = min(left, right), max(left, right)
        if (left, right) not in best or rules.index(rule) < rules.index(best[(left, right)]):
            best[(left, right)] = rule
    assert first_rule_per_pair(pairs, rules, self_link).collect().rows() == [(*k, v) for k, v in sorted(best.items())]


def test_first_rule_per_pair_with_null_keys_and_rules() -> None:
    """Null keys (no caller passes them; the function is public) pair like any value, as in a
    three-column sort: nulls first, one row per pair under its first rule."""
    from crosscheck.candidates import first_rule_per_pair

    rows = [(None, 1, "b"), (0, 5, "a"), (None, 1, "a"), (None, 2, "c"), (None, 1, "c"), (None, 2, "a"),
            (None, None, "b"), (None, None, "a"), (3, 4, None), (3, 4, "c")]
    pairs = pl.LazyFrame(rows, schema={"l_key": pl.Int64, "r_key": pl.Int64, "blocked_by": pl.String}, orient="row")
    assert first_rule_per_pair(pairs, ["a", "b", "c"], False).collect().rows() == [
        (None, None, "a"), (None, 1, "a"), (None, 2, "a"), (0, 5, "a"), (3, 4, None)]


def test_the_largest_block_of_a_tie_is_the_least_key() -> None:
    """The message of a rule over its limit names the same block every time: of blocks with the
    most pairs, the one with the least key (the group-by alone gives them in any order)."""
    from crosscheck.candidates import largest_block

    keys = [f"k{i:02d}" for i in range(40)]
    side = pl.LazyFrame({"k": keys * 2})
    assert {tuple(largest_block(side, side, ["k"])) for _ in range(20)} == {("k00", 4)}
