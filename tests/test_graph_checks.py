"""shared_account and proxy_collector on small rosters: rings found whole, exemptions honoured, and
the result independent of row order and of how households are labelled (hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.catalog import load_catalog
from crosscheck.findings import ScreenContext
from crosscheck.screen import run_rules

CATALOG = load_catalog()


def _roster(rows: list[tuple[str, str, str | None, str | None]]) -> pl.DataFrame:
    """(household_id, program, bank_account, payee_id) per row; one person per row."""
    n = len(rows)
    return pl.DataFrame({
        "_key": list(range(n)), "_file": ["r.csv"] * n, "_row": [i + 2 for i in range(n)],
        "household_id": [r[0] for r in rows], "program": [r[1] for r in rows],
        "bank_account": [r[2] for r in rows], "payee_id": [r[3] for r in rows], "payee_name": [None] * n,
        "id": [f"4312211950010{i:04d}X" for i in range(n)], "id_raw": [None] * n, "id_status": ["valid"] * n,
        "id_birth": [dt.date(1950, 1, 1)] * n, "name": [f"张{i}" for i in range(n)],
        "name_norm": [f"张{i}" for i in range(n)], "name_pinyin": [f"zhang{i}" for i in range(n)],
        "relation": ["户主"] * n, "town": ["中方镇"] * n, "village": [None] * n, "amount": [300.0] * n,
        "family": [CATALOG.family_of()[r[1]] for r in rows], "cadre_relative_filed": [None] * n,
    }, schema_overrides={"id_raw": pl.String, "payee_name": pl.String, "village": pl.String,
                         "cadre_relative_filed": pl.Boolean, "payee_id": pl.String, "bank_account": pl.String})


def _flagged(roster: pl.DataFrame, rule: str) -> set[str]:
    catalog = CATALOG.model_copy(update={"rules": {rule: CATALOG.rules[rule]}})
    ctx = ScreenContext(first_day=dt.date(2022, 12, 1), last_day=dt.date(2022, 12, 31), catalog=catalog,
                        roster=roster.lazy(), sources={})
    return set(run_rules(ctx, catalog)[rule]["household_id"])


BASE = [
    ("A", "rural_dibao", "111", None), ("A", "rural_dibao", "112", None),  # ring A-B-C
    ("B", "rural_dibao", "112", None), ("B", "rural_dibao", "113", None),
    ("C", "rural_dibao", "113", None), ("C", "rural_dibao", "111", None),
    ("D", "rural_dibao", "200", None), ("D", "rural_dibao", "200", None),  # two members, one account
    *[(f"T{i}", "tekun_centralized", "999", None) for i in range(40)],  # 敬老院 account
    ("E", "elderly_allowance", "300", "P1"), ("F", "elderly_allowance", "301", "P1"),  # payee for 2
    ("G", "elderly_allowance", "302", "P2"), ("H", "elderly_allowance", "303", "P2"),
    ("I", "elderly_allowance", "304", "P2"),  # payee for 3
]


def test_ring_found_whole_exemptions_kept() -> None:
    assert _flagged(_roster(BASE), "shared_account") == {"A", "B", "C"}
    assert _flagged(_roster(BASE), "proxy_collector") == {"G", "H", "I"}


def test_a_payee_who_is_a_member_is_not_a_proxy() -> None:
    rows = [("G", "elderly_allowance", "302", "4312211950010" + "0000X"), ("G2", "elderly_allowance", "1", None)]
    rows += [(h, "elderly_allowance", str(i), "4312211950010" + "0000X") for i, h in enumerate("HIJ")]
    # row 0 of household G is the payee himself (same ID): G is not counted, H, I, J still are
    assert _flagged(_roster(rows), "proxy_collector") == {"H", "I", "J"}


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(len(BASE))), st.permutations(list("ABCDEFGHI")))
def test_row_order_and_labels_do_not_matter(order, labels) -> None:
    relabel = dict(zip("ABCDEFGHI", labels))
    rows = [(relabel.get(h, h), p, a, q) for h, p, a, q in (BASE[i] for i in order)]
    roster = _roster(rows)
    assert _flagged(roster, "shared_account") == {relabel[h] for h in "ABC"}
    assert _flagged(roster, "proxy_collector") == {relabel[h] for h in "GHI"}
