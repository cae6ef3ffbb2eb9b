"""One-keystroke neighbours of ID numbers, checked against a brute-force enumeration."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.keystrokes import neighbours15, neighbours18, one_keystroke
from crosscheck.normalize_id import check_digit, to_15

CHARS = "0123456789"


def _is_valid(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        dt.datetime.strptime(number[6:14], "%Y%m%d")
    except ValueError:
        return False
    return check_digit(number[:17]) == number[17]


def _brute_force18(number: str) -> set[str]:
    out = set()
    for pos in range(18):
        for c in CHARS + ("X" if pos == 17 else ""):
            if c != number[pos]:
                out.add(number[:pos] + c + number[pos + 1:])
    for pos in range(17):
        if number[pos] != number[pos + 1]:
            out.add(number[:pos] + number[pos + 1] + number[pos] + number[pos + 2:])
    return {n for n in out if _is_valid(n)}


@st.composite
def valid_ids(draw) -> str:
    region = draw(st.sampled_from(["431221", "433001", "433021", "110105", "340524"]))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)))
    seq = draw(st.integers(0, 999))
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


@st.composite
def typos(draw) -> tuple[str, str]:
    """(valid number, the same number with one wrong character or one adjacent swap)."""
    number = draw(valid_ids())
    if draw(st.booleans()):
        pos = draw(st.integers(0, 17))
        c = draw(st.sampled_from([c for c in CHARS + "X" if c != number[pos] and (pos == 17 or c != "X")]))
        return number, number[:pos] + c + number[pos + 1:]
    pos = draw(st.integers(0, 16).filter(lambda p: number[p] != number[p + 1]))
    return number, number[:pos] + number[pos + 1] + number[pos] + number[pos + 2:]


@settings(max_examples=200, deadline=None)
@given(typos())
def test_every_typo_finds_its_original(pair: tuple[str, str]) -> None:
    original, typed = pair
    found = neighbours18(pl.Series([typed]))
    assert original in found["neighbour"].to_list()
    assert one_keystroke(original, typed) is not None


@settings(max_examples=60, deadline=None)
@given(typos())
def test_neighbours_equal_brute_force(pair: tuple[str, str]) -> None:
    _, typed = pair
    found = neighbours18(pl.Series([typed]))
    assert set(found["neighbour"].to_list()) == _brute_force18(typed)


@settings(max_examples=50, deadline=None)
@given(valid_ids())
def test_valid_number_has_no_valid_neighbour(number: str) -> None:
    assert neighbours18(pl.Series([number])).is_empty()


@settings(max_examples=50, deadline=None)
@given(valid_ids().filter(lambda n: n[6:8] == "19"), st.data())
def test_legacy_typo_meets_its_18_digit_form(number: str, data) -> None:
    legacy = to_15(number)
    pos = data.draw(st.integers(0, 14))
    c = data.draw(st.sampled_from([c for c in CHARS if c != legacy[pos]]))
    typed = legacy[:pos] + c + legacy[pos + 1:]
    found = neighbours15(pl.Series([typed]))
    assert number in found["neighbour"].to_list()
    assert found["edit"].filter(found["neighbour"] == number).to_list() == [f"substitution@{pos + 1}"]


def test_edits_are_named_by_position() -> None:
    number = "431221194503120218"
    typed = "431221194503102218"  # positions 14 and 15 swapped
    found = neighbours18(pl.Series([typed, None, "not an id"]))
    row = found.filter(pl.col("neighbour") == number)
    assert row["edit"].to_list() == ["swap@14"]
    assert set(found["id"].to_list()) == {typed}
    assert one_keystroke(number, "431221194503120228") == "substitution@17"
    assert one_keystroke(number, number) is None


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32), st.integers(300, 700))
def test_many_numbers_at_once_equal_each_alone(seed: int, n: int) -> None:
    """Numbers are edited in batches (`keystrokes._CHUNK`): a query of several batches gives every
    number the brute force's neighbours, each with its own edit, edit by edit in number order."""
    rng, typed = random.Random(seed), []
    for _ in range(n):
        body = f"431221{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        number = body + check_digit(body)
        pos = rng.randint(0, 16)
        typed.append(number[:pos] + rng.choice([c for c in CHARS if c != number[pos]]) + number[pos + 1:]
                     if rng.random() < 0.5 else number[:pos] + number[pos + 1] + number[pos] + number[pos + 2:])
    found = neighbours18(pl.Series(typed))
    for number in set(typed):
        mine = found.filter(pl.col("id") == number)
        assert set(mine["neighbour"].to_list()) == _brute_force18(number)
        assert all(one_keystroke(n, number) == e for n, e in mine.select("neighbour", "edit").iter_rows())
    order = found.with_columns(pl.col("edit").str.extract(r"^(\w+)@").alias("kind"),
                               pl.col("edit").str.extract(r"@(\d+)$").cast(pl.Int32).alias("at"))
    rank = pl.when(pl.col("kind") == "swap").then(18 + pl.col("at")).otherwise(pl.col("at"))
    ranks = order.select(rank.alias("r"), pl.col("id"))
    assert ranks.equals(ranks.sort("r", "id", maintain_order=True))
