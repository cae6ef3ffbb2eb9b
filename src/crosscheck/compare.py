"""Comparison levels: how two records agree on each field, as an ordered list of levels.

As in splink, the levels of a field are tried in order and the first that applies wins; the null
level comes first (no evidence is not a mismatch). Every comparison is symmetric: swapping the two
records gives the same level. Levels are computed on candidate pairs whose columns carry an `l_`
and an `r_` prefix.

ID number (`id_number`):
  null               one side has no usable number (missing, stored by Excel as a number, malformed
                     and not one keystroke from the other)
  exact              the same 18-digit number
  legacy15           equal once a 15-digit legacy number is converted to 18
  keystroke_checked  one digit wrong or two adjacent digits swapped, and one side's check digit fails
  twin_or_neighbour  both valid, same region and birth date, another sequence number (twins, neighbours;
                     this comes first: without a check digit, a legacy number one digit off in its
                     sequence is indistinguishable from a twin's)
  keystroke_legacy   a 15-digit legacy number one keystroke from the other number's 15-digit form,
                     in the region code or the birth date
  different          anything else: two valid different numbers are two people

Name (`name`):
  null, exact (as written), normalized (spaces, traditional forms, middle dots), pinyin (同音字),
  close (Jaro-Winkler of the pinyin keys >= close_similarity), different

Birth date (`birth_date`, only where both tables have their own): null, exact, different
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist

from crosscheck.levels import BIRTH_LEVELS, ID_LEVELS, NAME_LEVELS

UNCOMPARABLE_IDS = ("missing", "excel_number")  # and malformed, unless one keystroke from the other


def _matrix(values: pl.Series, width: int) -> np.ndarray:
    """Fixed-width ASCII strings as an (n, width) byte matrix (one join, no per-row Python)."""
    if values.len() == 0:
        return np.empty((0, width), dtype=np.uint8)
    return np.frombuffer(values.str.join("").item().encode("ascii"), dtype=np.uint8).reshape(-1, width)


def keystroke_columns(a: pl.Series, b: pl.Series, width: int, prefix: str) -> list[pl.Series]:
    """`{prefix}_pos`: 1-based position of the keystroke that turns `a` into `b` (the substituted
    character, or the first of two adjacent swapped ones), null when they are not one keystroke
    apart; `{prefix}_swap`: the keystroke is a swap. Computed on byte matrices."""
    pattern = f"^[0-9X]{{{width}}}$"
    ok = (a.str.contains(pattern) & b.str.contains(pattern)).fill_null(False)
    rows = ok.arg_true()
    pos = np.full(a.len(), -1, dtype=np.int64)
    swap = np.zeros(a.len(), dtype=bool)
    if rows.len():
        A, B = _matrix(a.gather(rows), width), _matrix(b.gather(rows), width)
        diff = A != B
        n = diff.sum(axis=1)
        first = diff.argmax(axis=1)
        nxt = np.minimum(first + 1, width - 1)
        r = np.arange(len(A))
        is_swap = (n == 2) & diff[r, nxt] & (A[r, first] == B[r, nxt]) & (A[r, nxt] == B[r, first]) & (nxt > first)
        one = (n == 1) | is_swap
        idx = rows.to_numpy()
        pos[idx] = np.where(one, first + 1, -1)
        swap[idx] = is_swap
    position = pl.Series(f"{prefix}_pos", pos)
    return [position.set(position == -1, None).cast(pl.Int32), pl.Series(f"{prefix}_swap", swap)]


def _to15(id18: pl.Expr) -> pl.Expr:
    return id18.str.slice(0, 6) + id18.str.slice(8, 9)


def _scatter(name: str, n: int, rows: pl.Series, values: pl.Series, fill) -> pl.Series:
    """A column of length n holding `values` at `rows` and `fill` elsewhere."""
    return pl.Series(name, [fill], dtype=values.dtype).extend_constant(fill, n - 1).scatter(rows, values) if n else values


def id_keystrokes(pairs: pl.DataFrame) -> pl.DataFrame:
    """Keystroke columns of the pair's numbers (`_k18_*`) and of their 15-digit forms (`_k15_*`),
    computed only for the pairs whose numbers differ (most candidate pairs agree exactly)."""
    n = pairs.height
    rows = (pairs["l_id"] != pairs["r_id"]).fill_null(False).arg_true()
    sub = pairs.select("l_id", "r_id").gather(rows)
    l15 = sub.select(_to15(pl.col("l_id"))).to_series()
    r15 = sub.select(_to15(pl.col("r_id"))).to_series()
    cols = keystroke_columns(sub["l_id"], sub["r_id"], 18, "_k18") + keystroke_columns(l15, r15, 15, "_k15")
    return pairs.with_columns(_scatter(c.name, n, rows, c, None if c.dtype == pl.Int32 else False) for c in cols)


def id_level() -> pl.Expr:
    """The ID level of a pair (needs the `id_keystrokes` columns)."""
    l, r = pl.col("l_id"), pl.col("r_id")
    ls, rs = pl.col("l_id_status"), pl.col("r_id_status")
    any_legacy = (ls == "legacy15") | (rs == "legacy15")
    typo = ["bad_check", "bad_date", "malformed"]
    any_bad = ls.is_in(typo) | rs.is_in(typo)
    both_valid = ls.is_in(["valid", "legacy15"]) & rs.is_in(["valid", "legacy15"])
    malformed = ((ls == "malformed") | (rs == "malformed")) & pl.col("_k18_pos").is_null()
    return (
        pl.when(l.is_null() | r.is_null() | ls.is_in(UNCOMPARABLE_IDS) | rs.is_in(UNCOMPARABLE_IDS) | malformed)
        .then(pl.lit("null"))
        .when((l == r) & ~any_legacy).then(pl.lit("exact"))
        .when(l == r).then(pl.lit("legacy15"))
        .when(any_bad & pl.col("_k18_pos").is_not_null()).then(pl.lit("keystroke_checked"))
        .when(both_valid & (l.str.slice(0, 14) == r.str.slice(0, 14))).then(pl.lit("twin_or_neighbour"))
        .when(any_legacy & pl.col("_k15_pos").is_not_null()).then(pl.lit("keystroke_legacy"))
        .otherwise(pl.lit("different"))
    )


def _edit_words(prefix: str) -> pl.Expr:
    pos, swap = pl.col(f"{prefix}_pos"), pl.col(f"{prefix}_swap")
    return pl.when(swap).then(pl.format("第{}、{}位数字颠倒", pos, pos + 1)).otherwise(pl.format("第{}位数字不同", pos))


def id_edit() -> pl.Expr:
    """The keystroke in words for the explanation ("第15位数字不同", "第10、11位数字颠倒")."""
    return (
        pl.when(pl.col("id_level") == "keystroke_checked").then(_edit_words("_k18"))
        .when(pl.col("id_level") == "keystroke_legacy").then(_edit_words("_k15"))
    )


def name_level(close_flag: str = "name_close") -> pl.Expr:
    return (
        pl.when(pl.col("l_name_norm").is_null() | pl.col("r_name_norm").is_null()).then(pl.lit("null"))
        .when(pl.col("l_name").str.strip_chars() == pl.col("r_name").str.strip_chars()).then(pl.lit("exact"))
        .when(pl.col("l_name_norm") == pl.col("r_name_norm")).then(pl.lit("normalized"))
        .when(pl.col("l_name_pinyin") == pl.col("r_name_pinyin")).then(pl.lit("pinyin"))
        .when(pl.col(close_flag)).then(pl.lit("close"))
        .otherwise(pl.lit("different"))
    )


def birth_level() -> pl.Expr:
    l, r = pl.col("l_birth_date"), pl.col("r_birth_date")
    return pl.when(l.is_null() | r.is_null()).then(pl.lit("null")).when(l == r).then(pl.lit("exact")).otherwise(
        pl.lit("different"))


def name_similarity(pairs: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Add `name_close`: Jaro-Winkler of the two pinyin keys >= threshold, computed once per distinct
    unordered pair of differing keys with rapidfuzz (symmetric by construction)."""
    a, b = pl.col("l_name_pinyin"), pl.col("r_name_pinyin")
    rows = pairs.select((a != b).fill_null(False)).to_series().arg_true()
    close = pl.Series("name_close", [False], dtype=pl.Boolean).extend_constant(False, pairs.height - 1) \
        if pairs.height else pl.Series("name_close", [], dtype=pl.Boolean)
    if rows.len() == 0:
        return pairs.with_columns(close)
    keyed = pairs.select(a, b).gather(rows).select(pl.min_horizontal(a, b).alias("_k1"), pl.max_horizontal(a, b).alias("_k2"))
    distinct = keyed.unique(maintain_order=True)
    sims = cpdist(distinct["_k1"].to_list(), distinct["_k2"].to_list(), scorer=JaroWinkler.normalized_similarity,
                  workers=1)
    distinct = distinct.with_columns((pl.Series("_sim", sims, dtype=pl.Float64) >= threshold).alias("_close"))
    found = keyed.join(distinct, on=["_k1", "_k2"], how="left", maintain_order="left")["_close"]
    return pairs.with_columns(close.scatter(rows, found))
