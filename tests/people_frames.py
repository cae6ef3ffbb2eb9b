"""Small normalised person tables for matching tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from crosscheck.normalize_id import check_digit, normalize_id
from crosscheck.normalize_name import normalize_names

AS_OF = dt.date(2022, 12, 31)


def make_id(region: str, birth: str, seq: int) -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + check_digit(body)


def people(ids: list[str | None], names: list[str | None], births: list[dt.date | None] | None = None) -> pl.LazyFrame:
    """A person table with `_key` 0..n-1, normalised ID and name columns (and `birth_date` if given)."""
    data = {"id_raw": ids, "name": names}
    schema = {"id_raw": pl.String, "name": pl.String}
    if births is not None:
        data["birth_date"] = births
        schema["birth_date"] = pl.Date
    lf = pl.LazyFrame(data, schema=schema).with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))
    lf = normalize_id(lf, "id_raw", prefix="id", as_of=AS_OF)
    return normalize_names(lf, "name")
