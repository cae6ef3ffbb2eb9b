"""Comparison levels: ordered, null first, symmetric."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from people_frames import make_id, people

from crosscheck.compare import ID_LEVELS, NAME_LEVELS
from crosscheck.link import compare_pairs
from crosscheck.normalize_id import to_15
from crosscheck.scoring import load_match_settings
from crosscheck.catalog import default_rules_dir

SETTINGS = load_match_settings(default_rules_dir())
BASE = make_id("431221", "19450312", 21)
TWIN = make_id("431221", "19450312", 23)
OTHER = make_id("110105", "19450312", 21)
TYPO = BASE[:16] + ("5" if BASE[16] != "5" else "6") + BASE[17]
SWAP = BASE[:10] + BASE[11] + BASE[10] + BASE[12:]

ID_FORMS = [BASE, TWIN, OTHER, TYPO, SWAP, to_15(BASE), to_15(TWIN), " " + BASE.lower(), None, "12345", "4.31221E+17"]
NAMES = ["张伟", "章伟", "張偉", "张 伟", "张玮", "李芳", "阿卜杜•热合曼", "阿卜杜·热合曼", None]


def _levels(pairs: list[tuple[int, int]], table: pl.LazyFrame) -> pl.DataFrame:
    p = pl.DataFrame(pairs, schema={"l_key": pl.Int64, "r_key": pl.Int64}, orient="row")
    frame = table.collect()  # keys 0..n-1 are the row positions compare_pairs fetches by
    return compare_pairs(p, frame, frame, SETTINGS).sort("l_key", "r_key")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ID_FORMS), st.sampled_from(NAMES)), min_size=2, max_size=8))
def test_comparisons_are_symmetric(records) -> None:
    ids, names = zip(*records)
    table = people(list(ids), list(names))
    n = len(records)
    forward = _levels([(a, b) for a in range(n) for b in range(n) if a != b], table)
    swapped = forward.select(pl.col("r_key").alias("l_key"), pl.col("l_key").alias("r_key"))
    backward = _levels(list(swapped.iter_rows()), table).rename({"l_key": "r_key", "r_key": "l_key"})
    cols = ["l_key", "r_key", "id_level", "name_level", "id_edit"]
    assert forward.select(cols).sort("l_key", "r_key").equals(backward.select(cols).sort("l_key", "r_key"))
    assert set(forward["id_level"]) <= set(ID_LEVELS) and set(forward["name_level"]) <= set(NAME_LEVELS)


def test_id_levels_first_match_wins() -> None:
    ids = [BASE, BASE, to_15(BASE), TYPO, SWAP, TWIN, OTHER, None, "4.31221E+17", "1234567"]
    table = people(ids, ["张伟"] * len(ids))
    got = _levels([(0, k) for k in range(1, len(ids))], table)
    assert got["id_level"].to_list() == [
        "exact", "legacy15", "keystroke_checked", "keystroke_checked", "twin_or_neighbour", "different",
        "null", "null", "null",
    ]
    assert got["id_edit"].to_list()[2:4] == ["第17位数字不同", "第11、12位数字颠倒"]


def test_legacy_keystroke_level() -> None:
    """Without a check digit a legacy number one digit off is a typo only outside the sequence
    number: one digit off in the sequence is what a twin's number looks like."""
    legacy = to_15(BASE)  # 431221 450312 021
    in_birth = legacy[:11] + "9" + legacy[12:]  # 450319
    in_sequence = legacy[:12] + ("0" if legacy[12] != "0" else "1") + legacy[13:]
    table = people([BASE, in_birth, in_sequence], ["张伟"] * 3)
    got = _levels([(0, 1), (0, 2)], table)
    assert got["id_level"].to_list() == ["keystroke_legacy", "twin_or_neighbour"]
    assert got["id_edit"].to_list() == ["第12位数字不同", None]


def test_name_levels_first_match_wins() -> None:
    names = ["张伟", "张伟", "张 伟", "張偉", "章伟", "张玮", "李芳", None]
    table = people([BASE] * len(names), names)
    got = _levels([(0, k) for k in range(1, len(names))], table)
    assert got["name_level"].to_list() == ["exact", "normalized", "normalized", "pinyin", "pinyin", "different", "null"]


def test_close_names() -> None:
    table = people([BASE, BASE], ["欧阳娜娜", "欧阳娜"])
    got = _levels([(0, 1)], table)
    assert got["name_level"].to_list() == ["close"]
