"""household_payment: the row standing for each household and its total, against plain Python."""

from __future__ import annotations

import polars as pl
from graph_frames import context, roster
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.household import household_payment

PROGRAMS = ["rural_dibao", "urban_dibao", "tekun_dispersed"]
_row = st.fixed_dictionaries({
    "household_id": st.sampled_from(["H1", "H2", "H3", None]),
    "program": st.sampled_from(PROGRAMS),
    "relation": st.sampled_from(["户主", "配偶", "子女", None]),
    "amount": st.sampled_from([100.0, 250.5, 0.0, None]),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, max_size=15), st.sets(st.sampled_from(PROGRAMS), min_size=1))
def test_household_payment_is_the_head_or_first_row_and_the_total(rows, programs):
    frame = roster([{"household_id": r["household_id"], "program": r["program"]} for r in rows]).with_columns(
        pl.Series("relation", [r["relation"] for r in rows], dtype=pl.String),
        pl.Series("amount", [r["amount"] for r in rows], dtype=pl.Float64),
        # keys in input order but not positions: negative and far past 2**40
        (pl.int_range(pl.len(), dtype=pl.Int64) * 7 - 2**45).alias("_key"))
    got = household_payment(context(frame), sorted(programs)).collect()
    chosen: dict[str, int] = {}
    totals: dict[str, float] = {}
    for i, r in enumerate(rows):  # rows in input order; _key = position
        h = r["household_id"]
        if h is None or r["program"] not in programs:
            continue
        totals[h] = totals.get(h, 0.0) + (r["amount"] or 0.0)
        if h not in chosen or (rows[chosen[h]]["relation"] != "户主" and r["relation"] == "户主"):
            chosen[h] = i
    expected = sorted(chosen.items(), key=lambda kv: kv[1])
    assert got["household_id"].to_list() == [h for h, _ in expected]
    assert got["_row"].to_list() == [i + 2 for _, i in expected]  # the chosen rows themselves
    assert got["amount"].to_list() == [rows[i]["amount"] for _, i in expected]
    assert got["household_amount"].to_list() == [totals[h] for h, _ in expected]
