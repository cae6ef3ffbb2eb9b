"""The matching core end to end: who is the same person, and the explanation an inspector reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from people_frames import make_id, people
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from crosscheck.catalog import default_rules_dir
from crosscheck.cli import app
from crosscheck.candidates import BlockingExplosion
from crosscheck.link import match_many, match_persons, matched_keys
from crosscheck.normalize_id import to_15
from crosscheck.scoring import load_match_settings

SETTINGS = load_match_settings(default_rules_dir())
GOLDEN = Path(__file__).parent / "golden" / "explanations.txt"
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "欧阳明", "阿卜杜·热合曼"]

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31))
regions = st.sampled_from(["431221", "433001", "433021", "110105"])


@settings(max_examples=60, deadline=None)
@given(regions, births, st.integers(0, 998), st.sampled_from(NAMES), st.integers(1, 9))
def test_twins_are_never_matched(region, birth, seq, name, step) -> None:
    """Same region, birth date and name; sequence numbers apart: two people."""
    a = make_id(region, f"{birth:%Y%m%d}", seq)
    b = make_id(region, f"{birth:%Y%m%d}", (seq + step) % 1000)
    pairs = match_persons(people([a], [name]), people([b, to_15(b)], [name, name]), SETTINGS)
    assert pairs.is_empty()


@settings(max_examples=60, deadline=None)
@given(regions, regions, births, st.integers(0, 999), st.integers(0, 999), st.sampled_from(NAMES))
def test_namesakes_are_never_matched(r1, r2, birth, s1, s2, name) -> None:
    """Same name and birth date, two different valid numbers (another county): two people."""
    a = make_id(r1, f"{birth:%Y%m%d}", s1)
    b = make_id(r2, f"{birth:%Y%m%d}", s2)
    if a == b:
        return
    assert match_persons(people([a], [name]), people([b], [name]), SETTINGS).is_empty()


@settings(max_examples=60, deadline=None)
@given(regions, births, st.integers(0, 999), st.sampled_from(NAMES), st.sampled_from(NAMES + [None]))
def test_15_and_18_digit_forms_always_match(region, birth, seq, name, other_name) -> None:
    """Whatever the names say, the 15-digit form of a number is the same person as its 18 digits."""
    a = make_id(region, f"{birth:%Y%m%d}", seq)
    pairs = match_persons(people([a], [name]), people([to_15(a)], [other_name]), SETTINGS)
    assert pairs.select("l_key", "r_key", "id_level").rows() == [(0, 0, "legacy15")]


@settings(max_examples=60, deadline=None)
@given(regions, births, st.integers(0, 999), st.sampled_from(NAMES), st.integers(0, 17), st.data())
def test_one_keystroke_with_the_same_name_matches(region, birth, seq, name, pos, data) -> None:
    a = make_id(region, f"{birth:%Y%m%d}", seq)
    c = data.draw(st.sampled_from([c for c in "0123456789" if c != a[pos]]))
    typo = a[:pos] + c + a[pos + 1:]
    pairs = match_persons(people([a], [name]), people([typo], [name]), SETTINGS)
    assert pairs.select("l_key", "r_key", "id_level").rows() == [(0, 0, "keystroke_checked")]
    other = [n for n in NAMES if n != name and n[0] != name[0]][0]
    assert match_persons(people([a], [name]), people([typo], [other]), SETTINGS).is_empty()


def _golden_pairs() -> list[str]:
    base = make_id("431221", "19450312", 21)
    twin = make_id("431221", "19450312", 23)
    typo = base[:16] + "5" + base[17]
    swap = base[:10] + base[11] + base[10] + base[12:]
    legacy = to_15(base)
    legacy_typo = legacy[:11] + "9" + legacy[12:]  # birth day 12 -> 19
    legacy_twin = legacy[:14] + "9"  # the sequence number: a twin, not a typo
    left = people([base] * 8, ["张伟"] * 8)
    right = people([base, legacy, typo, swap, legacy_typo, twin, legacy_twin, make_id("110105", "19450312", 21)],
                   ["張偉", "张伟", "章伟", "张 伟", "张伟", "张伟", "张伟", "张伟"])
    pairs = match_persons(left, right, SETTINGS, only_matches=False)
    pairs = pairs.filter(pl.col("l_key") == pl.col("r_key")).sort("r_key")
    return [f"{r['r_key']}\t{r['match_explanation']}" for r in pairs.iter_rows(named=True)]


def test_golden_explanations() -> None:
    got = "\n".join(_golden_pairs()) + "\n"
    assert got == GOLDEN.read_text(encoding="utf-8")


def test_link_command(tmp_path: Path) -> None:
    base = make_id("431221", "19450312", 21)
    (tmp_path / "left.csv").write_text(f"身份证号码,姓名\n{base},张伟\n{make_id('431221', '19800101', 11)},李娜\n",
                                       encoding="utf-8")
    (tmp_path / "right.csv").write_text(f"证件号码,名字,出生日期\n{to_15(base)},張偉,1945-03-12\n", encoding="gbk")
    (tmp_path / "link.yaml").write_text("right:\n  encoding: gbk\nthreshold: 12\n", encoding="utf-8")
    out = tmp_path / "pairs.parquet"
    result = CliRunner().invoke(app, ["link", str(tmp_path / "left.csv"), str(tmp_path / "right.csv"),
                                      "--config", str(tmp_path / "link.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    pairs = pl.read_parquet(out)
    assert pairs.select("l_row", "r_row", "id_level", "name_level").rows() == [(2, 2, "legacy15", "normalized")]
    assert "（阈值 12）" in pairs["match_explanation"][0]


_ID_POOL = [make_id(r, b, s) for r in ("431221", "430000") for b in ("19800101", "19800102") for s in (1, 2, 3)]


@st.composite
def _noisy_ids(draw) -> str | None:
    base = draw(st.sampled_from(_ID_POOL))
    kind = draw(st.sampled_from(["same", "same", "typo", "swap", "legacy", "missing"]))
    if kind == "typo":
        pos = draw(st.integers(0, 16))
        return base[:pos] + str((int(base[pos]) + draw(st.integers(1, 9))) % 10) + base[pos + 1:]
    if kind == "swap":
        pos = draw(st.integers(0, 15))
        return base[:pos] + base[pos + 1] + base[pos] + base[pos + 2:]
    if kind == "legacy":
        return to_15(base)
    return None if kind == "missing" else base


_tables = st.lists(st.tuples(_noisy_ids(), st.sampled_from(["张伟", "章伟", "李娜", "王芳", None])), min_size=1, max_size=25)


@settings(max_examples=60, deadline=None)
@given(_tables, _tables)
def test_pruned_blocking_changes_no_match(left, right) -> None:
    """The pruned blocks (name+birth pairs of two valid 18-digit numbers, keystroke neighbours of
    legacy numbers where they cannot be accepted) accept exactly the pairs the full blocks accept,
    for the packaged weights: across tables, within one, and with birth dates of the tables' own."""
    a = people([i for i, _ in left], [n for _, n in left])
    b = people([i for i, _ in right], [n for _, n in right])
    born = dt.date(1980, 1, 1)  # with birth dates of the tables' own, legacy keystrokes can match
    a_born = people([i for i, _ in left], [n for _, n in left], [born] * len(left))
    b_born = people([i for i, _ in right], [n for _, n in right], [born] * len(right))
    assert SETTINGS.valid_pairs_settled() and not SETTINGS.legacy_keystrokes_matter(with_birth=False)
    for l_side, r_side in ((a, b), (a, None), (a_born, b_born)):
        full = match_persons(l_side, r_side, SETTINGS, prune=False).select("l_key", "r_key")
        pruned = match_persons(l_side, r_side, SETTINGS, prune=True).select("l_key", "r_key")
        assert pruned.equals(full)


@settings(max_examples=25, deadline=None)
@given(_tables, _tables, _tables, _tables)
def test_matching_several_tables_at_once_equals_one_by_one(left, r1, r2, r3) -> None:
    """match_many gives each table exactly the pairs, weights and explanations match_persons gives
    it alone (tables with and without birth dates of their own stacked separately); explanations
    only where asked."""
    born = dt.date(1980, 1, 1)
    a = people([i for i, _ in left], [n for _, n in left])
    rights = {  # keys not positions: descending, offset, sparse
        "one": people([i for i, _ in r1], [n for _, n in r1]).with_columns((1000 - pl.col("_key")).alias("_key")),
        "two": people([i for i, _ in r2], [n for _, n in r2]).with_columns((pl.col("_key") * 7 + 3).alias("_key")),
        "born": people([i for i, _ in r3], [n for _, n in r3], [born] * len(r3)),
    }
    got = match_many(a, rights, SETTINGS, explain={"one", "born"})
    assert list(got) == list(rights)
    for label, right in rights.items():
        alone = match_persons(a, right, SETTINGS, explain=label != "two")
        assert_frame_equal(got[label], alone)


def test_pairs_come_sorted_by_key_whatever_the_tables_key_order() -> None:
    """Pairs are in (l_key, r_key) order also when a table's keys run against its row order (the
    sort skipped for tables keyed in row order is then done)."""
    ids = [make_id("431221", "19800101", s) for s in range(1, 5)]
    left = people(ids + ids, ["张伟"] * 8).with_columns((100 - pl.col("_key")).alias("_key"))
    right = people(ids, ["张伟"] * 4).with_columns((100 - pl.col("_key")).alias("_key"))
    pairs = match_persons(left, right, SETTINGS).select("l_key", "r_key")
    assert pairs.rows() == sorted(pairs.rows()) and pairs.height == 8
    # left keys ascending, right descending, one left row matching several right rows
    left = people(ids[:2], ["张伟"] * 2)
    right = people(ids[:2] * 2, ["张伟"] * 4).with_columns((100 - pl.col("_key")).alias("_key"))
    for found in (match_persons(left, right, SETTINGS).select("l_key", "r_key"), matched_keys(left, right, SETTINGS),
                  match_many(left, {"a": right, "b": right}, SETTINGS)["a"].select("l_key", "r_key")):
        assert found.rows() == sorted(found.rows()) and found.height == 4


@settings(max_examples=30, deadline=None)
@given(_tables, _tables, st.booleans())
def test_matched_keys_equal_the_matching_cores_pairs(left, right, with_birth) -> None:
    """matched_keys (same-number pairs accepted unseen where the weights settle them) accepts
    exactly the pairs match_persons accepts; also under weights that do not settle them."""
    born = [dt.date(1980, 1, 1)] if with_birth else None
    a = people([i for i, _ in left], [n for _, n in left], born and born * len(left))
    b = people([i for i, _ in right], [n for _, n in right], born and born * len(right))
    unsettled = SETTINGS.model_copy(update={"fields": {**SETTINGS.fields, "name": {**SETTINGS.fields["name"], "different": -12.0}}})
    assert SETTINGS.exact_ids_settled(with_birth=False) and not unsettled.exact_ids_settled(with_birth=False)
    for weights in (SETTINGS, unsettled):
        assert_frame_equal(matched_keys(a, b, weights), match_persons(a, b, weights).select("l_key", "r_key"))


@settings(max_examples=20, deadline=None)
@given(_tables, _tables, st.booleans())
def test_a_table_without_name_keys_matches_as_with_them(left, right, with_birth) -> None:
    """A table whose name keys are left to be computed on demand (户籍) gets the same pairs,
    weights and explanations: its keys are computed for the blocked rows and the compared pairs;
    on either side, linked with itself, and stacked with others."""
    born = [dt.date(1980, 1, 1)] if with_birth else None
    a = people([i for i, _ in left], [n for _, n in left], born and born * len(left))
    b = people([i for i, _ in right], [n for _, n in right], born and born * len(right))
    bare_a, bare_b = (t.drop("name_norm", "name_pinyin") for t in (a, b))
    assert_frame_equal(match_persons(a, bare_b, SETTINGS), match_persons(a, b, SETTINGS))
    assert_frame_equal(match_persons(bare_a, b, SETTINGS), match_persons(a, b, SETTINGS))
    assert_frame_equal(match_persons(bare_a, None, SETTINGS), match_persons(a, None, SETTINGS))
    assert_frame_equal(matched_keys(a, bare_b, SETTINGS), matched_keys(a, b, SETTINGS))
    got = match_many(a, {"bare": bare_b, "keyed": a}, SETTINGS)
    assert_frame_equal(got["bare"], match_persons(a, b, SETTINGS))


def test_stacked_tables_keep_the_pair_limit_per_table() -> None:
    """The pair limit is per table: tables under it alone are matched (one by one) even when their
    stacked blocks would pass it together; a table over it alone still stops the run."""
    small = SETTINGS.model_copy(update={"max_pairs_per_rule": 10})
    born = [dt.date(1980, 1, 1)] * 3
    roster = people([None] * 3, ["张伟"] * 3, born)
    deaths, prisoners = people([None] * 3, ["张伟"] * 3, born), people([None] * 3, ["张伟"] * 3, born)
    got = match_many(roster, {"deaths": deaths, "prisoners": prisoners}, small)
    for label, right in (("deaths", deaths), ("prisoners", prisoners)):
        assert_frame_equal(got[label], match_persons(roster, right, small))
        assert got[label].height == 9
    with pytest.raises(BlockingExplosion):
        match_many(roster, {"deaths": deaths, "many": people([None] * 4, ["张伟"] * 4, born + born[:1])}, small)
