"""Person matching: candidates -> comparison levels -> match weights -> accepted pairs, explained.

`match_persons` is the one matching core: the monthly run uses it for every source kind and for
the roster against itself, and `crosscheck link` for any two tables of people. Input frames are
normalised person tables (see `prepare`) with a unique Int64 `_key`.
"""

from __future__ import annotations

import polars as pl

from crosscheck.candidates import candidate_pairs
from crosscheck.compare import birth_level, id_edit, id_keystrokes, id_level, name_level, name_similarity
from crosscheck.scoring import MatchSettings, score

PERSON_COLUMNS = ("_key", "id", "id_status", "id_birth", "name", "name_norm", "name_pinyin")


def _person_side(lf: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    cols = [c for c in (*PERSON_COLUMNS, "birth_date") if c in lf.collect_schema()]
    return lf.select(pl.col(c).alias(f"{prefix}_{c.lstrip('_')}") for c in cols)


def _materialise(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Only the person columns, computed once (blocking reads them several times)."""
    cols = [c for c in (*PERSON_COLUMNS, "birth_date") if c in lf.collect_schema()]
    return lf.select(cols).collect().lazy()


def compare_pairs(pairs: pl.LazyFrame, left: pl.LazyFrame, right: pl.LazyFrame, settings: MatchSettings) -> pl.DataFrame:
    """Join candidate pairs to both records and compute every field's level."""
    joined = (
        pairs.join(_person_side(left, "l"), on="l_key", how="left")
        .join(_person_side(right, "r"), on="r_key", how="left")
        .collect()
    )
    joined = name_similarity(joined, settings.close_similarity)
    has_birth = "l_birth_date" in joined.columns and "r_birth_date" in joined.columns
    joined = joined.with_columns(id_keystrokes()).with_columns(id_level().alias("id_level"), name_level().alias("name_level"))
    if has_birth:
        joined = joined.with_columns(birth_level().alias("birth_level"))
    return joined.with_columns(id_edit().alias("id_edit")).drop("^_k1[58]_.*$")


def match_persons(
    left: pl.LazyFrame, right: pl.LazyFrame | None, settings: MatchSettings, *, only_matches: bool = True
) -> pl.DataFrame:
    """Scored, explained pairs (`l_key`, `r_key`, levels, weights, `match_weight`, `is_match`,
    `match_explanation`, `blocked_by`); right=None links a table with itself."""
    left = _materialise(left)
    right = None if right is None else _materialise(right)
    pairs = candidate_pairs(left, right, max_pairs=settings.max_pairs_per_rule)
    compared = compare_pairs(pairs, left, left if right is None else right, settings)
    fields = ("id_number", "name") + (("birth_date",) if "birth_level" in compared.columns else ())
    scored = score(compared.lazy(), settings, fields).collect()
    if only_matches:
        scored = scored.filter(pl.col("is_match"))
    return scored.sort("l_key", "r_key")
