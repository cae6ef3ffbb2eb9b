"""Comparison levels for arbitrary fields (tables without Chinese ID numbers), declared as data.

The person core (`compare`) knows ID numbers and Chinese names; this module compares any column of
two tables, for `crosscheck link` with `fields:` and the FEBRL benchmark. As in `compare` and in
splink, each field has an ordered list of levels, the null level first; the first level that
applies wins, and every level is symmetric (swapping the two records gives the same level).
Levels are computed on candidate pairs whose columns carry an `l_` and an `r_` prefix, on values
already cleaned by `clean_values` (text stripped, lower case, inner spaces collapsed, "" -> null).

Kinds of field (`kind:`):

  exact   null / exact / different
  string  null / exact / one level per threshold / different. With `measure: jaro_winkler`
          (default) a level `jw>=t` holds when the Jaro-Winkler similarity is >= t (thresholds
          descending, default 0.92, 0.8); with `measure: damerau_levenshtein` a level `dl<=k` holds
          within k edits (insertions, deletions, substitutions, adjacent transpositions; thresholds
          ascending, default 1, 2). Similarities are computed once per distinct unordered pair of
          differing values with rapidfuzz's `cpdist`, never per row in Python.
  date    null / exact / near / different, on YYYYMMDD text (dates are formatted as such, and
          separators - / . dropped from text): `near`
          is exactly one of year, month and day different, or day and month swapped.
  number  null / exact / one level `diff<=t` per tolerance (ascending) / different; values that
          do not parse as numbers are null.
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, model_validator
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler
from rapidfuzz.process import cpdist

Kind = Literal["exact", "string", "date", "number"]
DEFAULT_THRESHOLDS = {"jaro_winkler": [0.92, 0.8], "damerau_levenshtein": [1, 2]}


class FieldSpec(BaseModel):
    """One compared field: its column (the same name in both tables), kind and thresholds."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Kind = "string"
    measure: Literal["jaro_winkler", "damerau_levenshtein"] = "jaro_winkler"
    thresholds: list[float] | None = None

    @model_validator(mode="after")
    def _thresholds(self) -> "FieldSpec":
        if self.kind == "string" and self.thresholds is None:
            self.thresholds = list(DEFAULT_THRESHOLDS[self.measure])
        if self.kind == "number" and self.thresholds is None:
            self.thresholds = [1.0]
        if self.kind in ("exact", "date"):
            self.thresholds = []
        t = self.thresholds
        descending = self.kind == "string" and self.measure == "jaro_winkler"
        if t != sorted(t, reverse=descending) or len(set(t)) != len(t):
            order = "descending" if descending else "ascending"
            raise ValueError(f"field {self.name}: thresholds must be distinct and {order}")
        return self

    @property
    def levels(self) -> tuple[str, ...]:
        """Level names in order: null first, different last."""
        if self.kind == "string":
            middle = [f"jw>={t:g}" if self.measure == "jaro_winkler" else f"dl<={t:g}" for t in self.thresholds]
        elif self.kind == "number":
            middle = [f"diff<={t:g}" for t in self.thresholds]
        elif self.kind == "date":
            middle = ["near"]
        else:
            middle = []
        return ("null", "exact", *middle, "different")


def clean_values(frame: pl.DataFrame | pl.LazyFrame, columns: list[str]):
    """The compared columns as clean text: dates as YYYYMMDD, other values as strings, stripped,
    lower case, runs of spaces as one, empty -> null."""
    schema = frame.collect_schema()
    exprs = []
    for c in columns:
        col = pl.col(c)
        text = col.dt.strftime("%Y%m%d") if schema[c] in (pl.Date, pl.Datetime) else col.cast(pl.String)
        text = text.str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")
        exprs.append(text.replace("", None).alias(c))  # not when/then: that computes `text` twice
    return frame.with_columns(exprs)


def _string_scores(pairs: pl.DataFrame, spec: FieldSpec) -> pl.Series:
    """Similarity (Jaro-Winkler) or distance (Damerau-Levenshtein) of each pair's two values, null
    where they are equal or missing; computed once per distinct unordered pair of values."""
    a, b = pl.col(f"l_{spec.name}"), pl.col(f"r_{spec.name}")
    keyed = pairs.select(pl.min_horizontal(a, b).alias("_v1"), pl.max_horizontal(a, b).alias("_v2"),
                         (a != b).fill_null(False).alias("_differ"))
    distinct = keyed.filter("_differ").select("_v1", "_v2").unique(maintain_order=True)
    scorer = JaroWinkler.normalized_similarity if spec.measure == "jaro_winkler" else DamerauLevenshtein.distance
    scores = cpdist(distinct["_v1"].to_list(), distinct["_v2"].to_list(), scorer=scorer, workers=1) \
        if distinct.height else []
    distinct = distinct.with_columns(pl.Series("_score", scores, dtype=pl.Float64))
    return keyed.join(distinct, on=["_v1", "_v2"], how="left", maintain_order="left")["_score"]


def _date_near(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    ya, ma, da = a.str.slice(0, 4), a.str.slice(4, 2), a.str.slice(6, 2)
    yb, mb, db = b.str.slice(0, 4), b.str.slice(4, 2), b.str.slice(6, 2)
    same = [(ya == yb).cast(pl.Int8), (ma == mb).cast(pl.Int8), (da == db).cast(pl.Int8)]
    eight = a.str.contains(r"^\d{8}$") & b.str.contains(r"^\d{8}$")
    return eight & ((pl.sum_horizontal(same) == 2) | ((ya == yb) & (ma == db) & (da == mb)))


def field_level(pairs: pl.DataFrame, spec: FieldSpec) -> pl.Series:
    """The level of `spec` for every pair (a String series named `{name}_level`)."""
    a, b = pl.col(f"l_{spec.name}"), pl.col(f"r_{spec.name}")
    names = spec.levels
    if spec.kind == "number":
        a, b = a.cast(pl.Float64, strict=False), b.cast(pl.Float64, strict=False)
    elif spec.kind == "date":  # 1980-01-02, 1980/01/02 -> 19800102
        a, b = a.str.replace_all(r"[-/.\s]", ""), b.str.replace_all(r"[-/.\s]", "")
    expr = pl.when(a.is_null() | b.is_null()).then(pl.lit("null")).when(a == b).then(pl.lit("exact"))
    if spec.kind == "string":
        score = pl.col("_score")
        pairs = pairs.with_columns(_string_scores(pairs, spec))
        for t, name in zip(spec.thresholds, names[2:-1]):
            expr = expr.when(score >= t if spec.measure == "jaro_winkler" else score <= t).then(pl.lit(name))
    elif spec.kind == "number":
        for t, name in zip(spec.thresholds, names[2:-1]):
            expr = expr.when((a - b).abs() <= t).then(pl.lit(name))
    elif spec.kind == "date":
        expr = expr.when(_date_near(a, b)).then(pl.lit("near"))
    return pairs.select(expr.otherwise(pl.lit("different")).alias(f"{spec.name}_level")).to_series()


def compare_fields(pairs: pl.DataFrame, specs: list[FieldSpec]) -> pl.DataFrame:
    """Add a `{name}_level` column per field to pairs carrying `l_{name}` and `r_{name}`."""
    return pairs.with_columns(field_level(pairs, s) for s in specs)
