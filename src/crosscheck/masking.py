"""Masking of personal data for logs and the report: IDs keep their first 6 and last 4 characters,
names their surname. Raw rows are never logged."""

from __future__ import annotations

import polars as pl

from crosscheck.normalize_name import mask_name


def mask_id(value: str | None) -> str:
    """431221********001X: first 6 and last 4 characters, the rest starred."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_id_expr(col: pl.Expr) -> pl.Expr:
    # len_chars is unsigned: subtracting from it must happen in signed integers, or a short value
    # wraps round to a repeat count of four billion.
    n = col.str.len_chars().cast(pl.Int64)
    return (
        pl.when(n > 10).then(col.str.slice(0, 6) + pl.lit("*").repeat_by(pl.max_horizontal(n - 10, 0)).list.join("") + col.str.slice(-4))
        .when(n > 0).then(col.str.slice(0, 2) + pl.lit("*").repeat_by(pl.max_horizontal(n - 2, 0)).list.join(""))
    )


def mask_name_expr(col: pl.Expr) -> pl.Expr:
    n = col.str.len_chars().cast(pl.Int64)
    return pl.when(n > 0).then(col.str.slice(0, 1) + pl.lit("*").repeat_by(pl.max_horizontal(n - 1, 1)).list.join(""))


__all__ = ["mask_id", "mask_id_expr", "mask_name", "mask_name_expr"]
