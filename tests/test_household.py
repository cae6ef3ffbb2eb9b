"""household_payment (the row standing for each household and its total) and household_members,
against plain Python."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
from graph_frames import context, person_id, roster
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from crosscheck.household import household_members, household_payment

PROGRAMS = ["rural_dibao", "urban_dibao", "tekun_dispersed"]
_row = st.fixed_dictionaries({
    "household_id": st.sampled_from(["H1", "H2", "H3", None]),
    "program": st.sampled_from(PROGRAMS),
    "relation": st.sampled_from(["户主", "配偶", "子女", None]),
    "amount": st.sampled_from([100.0, 250.5, 0.0, None]),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, max_size=15), st.sets(st.sampled_from(PROGRAMS), min_size=1),
       st.sets(st.sampled_from(["H1", "H2", "H3", "H9"])), st.booleans())
def test_household_payment_is_the_head_or_first_row_and_the_total(rows, programs, asked, twice):
    """For the asked households (named twice or not; one not in the roster) that have rows of the
    programs: the 户主 row if listed, else the first, and the total; in the order of those rows."""
    frame = roster([{"household_id": r["household_id"], "program": r["program"]} for r in rows]).with_columns(
        pl.Series("relation", [r["relation"] for r in rows], dtype=pl.String),
        pl.Series("amount", [r["amount"] for r in rows], dtype=pl.Float64),
        # keys in input order but not positions: negative and far past 2**40
        (pl.int_range(pl.len(), dtype=pl.Int64) * 7 - 2**45).alias("_key"))
    ask = pl.LazyFrame({"household_id": sorted(asked) * (2 if twice else 1)}, schema={"household_id": pl.String})
    got = household_payment(context(frame), sorted(programs), ask).collect()
    chosen: dict[str, int] = {}
    totals: dict[str, float] = {}
    for i, r in enumerate(rows):  # rows in input order; _key = position
        h = r["household_id"]
        if h is None or r["program"] not in programs:
            continue
        totals[h] = totals.get(h, 0.0) + (r["amount"] or 0.0)
        if h not in chosen or (rows[chosen[h]]["relation"] != "户主" and r["relation"] == "户主"):
            chosen[h] = i
    expected = sorted(((h, i) for h, i in chosen.items() if h in asked), key=lambda kv: kv[1])
    assert got["household_id"].to_list() == [h for h, _ in expected]
    assert got["_row"].to_list() == [i + 2 for _, i in expected]  # the chosen rows themselves
    assert got["amount"].to_list() == [rows[i]["amount"] for _, i in expected]
    assert got["household_amount"].to_list() == [totals[h] for h, _ in expected]


def _hukou(rows: list[tuple[int, str]], file: str = "hukou.parquet") -> pl.DataFrame:
    """户籍 rows (person, 户号), normalised as prepare leaves them."""
    from crosscheck.keystrokes import id_key

    persons = [p for p, _ in rows]
    return pl.DataFrame({
        "_key": list(range(len(rows))), "_file": [file] * len(rows), "_row": [i + 1 for i in range(len(rows))],
        "household_no": [n for _, n in rows], "id": [person_id(p) for p in persons], "id_raw": [None] * len(rows),
        "id_status": ["valid"] * len(rows), "id_birth": [dt.date(1950, 1, 1)] * len(rows),
        "name": [f"张{p}" for p in persons], "name_norm": [f"张{p}" for p in persons],
        "name_pinyin": [f"zhang{p}" for p in persons],
    }, schema_overrides={"_key": pl.Int64, "_row": pl.Int64, "id_birth": pl.Date,
                         **dict.fromkeys(("_file", "household_no", "id", "id_raw", "id_status", "name", "name_norm",
                                          "name_pinyin"), pl.String)}).with_columns(id_key(pl.col("id")).alias("id_key"))


_member_row = st.fixed_dictionaries({"household_id": st.sampled_from(["H1", "H2", "H3"]),
                                     "program": st.sampled_from(PROGRAMS), "person": st.integers(1, 8)})


@settings(max_examples=100, deadline=None)
@given(st.lists(_member_row, min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(1, 12), st.sampled_from(["N1", "N2", "N3"])), max_size=12, unique_by=lambda t: t[0]),
       st.sets(st.sampled_from(PROGRAMS), min_size=1))
def test_household_members_are_the_roster_persons_and_their_hukou_households(rows, hukou_rows, programs):
    frame = roster(rows)
    ctx = context(frame, {"household": _hukou(hukou_rows)})
    got = household_members(ctx, sorted(programs))
    # where the caller knows every file has a label of its own, without the guard: the same
    assert_frame_equal(household_members(dataclasses.replace(ctx, distinct_files=True, _cache={}), sorted(programs)), got)
    number_of = {p: n for p, n in hukou_rows}
    expected = []
    for h in sorted({r["household_id"] for r in rows if r["program"] in programs}):
        expected += sorted((h, "roster", f"r.csv:{i + 2}") for i, r in enumerate(rows) if r["household_id"] == h)
        numbers = {number_of[r["person"]] for r in rows if r["household_id"] == h and r["person"] in number_of}
        expected += sorted((h, "household", f"hukou.parquet:{i + 1}") for i, (_, n) in enumerate(hukou_rows) if n in numbers)
    assert list(got.select("household_id", "m_origin", "m_ref").iter_rows()) == sorted(expected)
    assert got["_key"].to_list() == list(range(got.height))
    # 户籍 as the monthly run leaves it (names without their keys: computed for the members found)
    bare = context(frame, {"household": _hukou(hukou_rows).drop("name_norm", "name_pinyin")})
    assert_frame_equal(household_members(bare, sorted(programs)), got)


def test_a_file_read_as_roster_and_as_hukou_lists_each_record_once_from_the_roster():
    """A label of two inputs (one file given as roster and as 户籍; two sheets of one workbook):
    a caller that does not say every file has a label of its own gets each reference once."""
    frame = roster([{"household_id": "H1", "person": 1}, {"household_id": "H1", "person": 2}])
    hukou = _hukou([(1, "N1"), (2, "N1"), (3, "N1")], file="r.csv")  # r.csv:1..3; the roster's rows are r.csv:2, 3
    got = household_members(context(frame, {"household": hukou}), PROGRAMS)
    assert list(got.select("m_origin", "m_ref").iter_rows()) == [
        ("household", "r.csv:1"), ("roster", "r.csv:2"), ("roster", "r.csv:3")]
