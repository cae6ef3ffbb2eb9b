"""Resident ID numbers (公民身份号码, GB 11643-1999) as Polars expressions.

An 18-character number is a 6-digit region code, an 8-digit birth date (YYYYMMDD), a 3-digit
sequence (odd: male, even: female) and an ISO 7064 MOD 11-2 check character. A 15-digit legacy
number (GB 11643-1989) has a 6-digit birth date without the century and no check character; it is
converted to 18 by inserting "19" and computing the check character.

`normalize_id` turns a raw string column into the normalised number and its status:

=============  ==================================================================================
status         meaning
=============  ==================================================================================
valid          18 characters, a real birth date, the check character agrees
legacy15       a 15-digit number with a real birth date; converted to 18
bad_check      18 characters with a real birth date, but the check character disagrees (a typo)
bad_date       the pattern fits but the birth date is impossible (Feb 30, in the future, < 1880)
malformed      anything else that is not empty
excel_number   the cell was stored by Excel as a number (scientific notation, or flagged by the
               reader): its last digits are lost and it is never "repaired"
missing        empty
=============  ==================================================================================
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import polars as pl

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
USABLE_STATUSES = ("valid", "legacy15")
INVALID_STATUSES = ("bad_check", "bad_date", "malformed", "excel_number", "missing")

_FULLWIDTH = [chr(0xFF10 + i) for i in range(10)] + ["Ｘ", "ｘ", "x"]
_ASCII = [str(i) for i in range(10)] + ["X", "X", "X"]
_SCIENTIFIC = r"^[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+$"
_EARLIEST_BIRTH = dt.date(1880, 1, 1)


def check_digit(body17: str) -> str:
    """The GB 11643 check character of a 17-digit body (plain Python, for tests and generators)."""
    if len(body17) != 17 or not body17.isdigit():
        raise ValueError("an ID body is 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(body17, WEIGHTS)) % 11]


def to_18(id15: str) -> str:
    """Convert a 15-digit legacy number to 18 digits (century 19, computed check character)."""
    body = id15[:6] + "19" + id15[6:]
    return body + check_digit(body)


def to_15(id18: str) -> str:
    """The 15-digit legacy form of an 18-digit number born in the 1900s."""
    return id18[:6] + id18[8:17]


def _check_char(number: pl.Expr) -> pl.Expr:
    """The check character of 17-digit bodies held as Int64 (digits taken arithmetically)."""
    total = pl.sum_horizontal([((number // 10 ** (16 - i)) % 10) * w for i, w in enumerate(WEIGHTS)])
    return (total % 11).replace_strict(dict(enumerate(CHECK_CHARS)), default=None, return_dtype=pl.String)


def check_digit_expr(body17: pl.Expr) -> pl.Expr:
    """The check character of a 17-digit string column (null where the body is not 17 digits)."""
    return pl.when(body17.str.contains(r"^[0-9]{17}$")).then(_check_char(body17.cast(pl.Int64, strict=False)))


def _clean(raw: pl.Expr) -> pl.Expr:
    cleaned = (
        raw.str.replace_all(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff'\"‘’“”`]", "")
        .str.replace_many(_FULLWIDTH, _ASCII)
        .str.to_uppercase()
    )
    return pl.when(cleaned.str.len_chars() > 0).then(cleaned)


def _clean_series(values: pl.Series) -> pl.Series:
    """Values already in canonical form (18 or 15 ASCII digits) pass through; only the others are
    cleaned (most numbers are clean, and the cleaning replaces are the costly part)."""
    canonical = values.str.contains(r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$").fill_null(False)
    rows = (~canonical).arg_true()
    if rows.len() == 0:
        return values
    fixed = pl.select(_clean(pl.lit(values.gather(rows)))).to_series()
    return values.clone().scatter(rows, fixed)


def clean_id(raw: pl.Expr) -> pl.Expr:
    """Trim, drop inner spaces and quotes, full-width digits to ASCII, x to X. Empty -> null."""
    return raw.cast(pl.String).map_batches(_clean_series, return_dtype=pl.String)


def _birth_date(digits8: pl.Expr, as_of: dt.date) -> pl.Expr:
    date = digits8.str.to_date("%Y%m%d", strict=False)
    return pl.when(date.is_between(pl.lit(_EARLIEST_BIRTH), pl.lit(as_of))).then(date)


def normalize_id(
    frame: FrameT, raw: str, *, prefix: str | None = None, excel_flag: str | None = None,
    as_of: dt.date | None = None,
) -> FrameT:
    """Add `{prefix}` (normalised number), `_status`, `_birth`, `_sex`, `_region` to a frame.

    `raw` names the raw string column; `excel_flag` an optional boolean column set by the reader for
    cells Excel stored as numbers; `as_of` the latest plausible birth date (default: today). Works
    in stages on whole columns (clean once, read the 17-digit body as one integer once) so a
    million numbers take a fraction of a second.
    """
    p = prefix or raw
    as_of = as_of or dt.date.today()
    c = pl.col("__c")
    excel = c.str.contains(_SCIENTIFIC)
    if excel_flag is not None:
        excel = excel | pl.col(excel_flag).fill_null(False)
    staged = frame.with_columns(clean_id(pl.col(raw)).alias("__c")).with_columns(
        c.str.contains(r"^[0-9]{17}[0-9X]$").alias("__is18"),
        c.str.contains(r"^[0-9]{15}$").alias("__is15"),
        excel.alias("__excel"),
        c.str.slice(0, 17).cast(pl.Int64, strict=False).alias("__n18"),
        (c.str.slice(0, 6).cast(pl.Int64, strict=False) * 10**11 + 19 * 10**9
         + c.str.slice(6, 9).cast(pl.Int64, strict=False)).alias("__n15"),
    )
    # the birth date of either form, parsed once from the digits held as integers (19yymmdd for 15)
    digits8 = pl.when(pl.col("__is15")).then(pl.col("__n15") // 1000 % 10**8).otherwise(pl.col("__n18") // 1000 % 10**8)
    staged = staged.with_columns(_birth_date(digits8.cast(pl.String), as_of).alias("__b"))
    is18, is15 = pl.col("__is18"), pl.col("__is15")
    b18, b15 = pl.when(is18).then(pl.col("__b")), pl.when(is15).then(pl.col("__b"))
    legacy = is15 & b15.is_not_null()
    check_ok = _check_char(pl.col("__n18")) == c.str.slice(17, 1)
    status = (
        pl.when(c.is_null()).then(pl.lit("missing"))
        .when(pl.col("__excel")).then(pl.lit("excel_number"))
        .when(is18 & b18.is_not_null() & check_ok).then(pl.lit("valid"))
        .when(is18 & b18.is_not_null()).then(pl.lit("bad_check"))
        .when(legacy).then(pl.lit("legacy15"))
        .when(is18 | is15).then(pl.lit("bad_date"))
        .otherwise(pl.lit("malformed"))
    )
    number = pl.when(legacy).then(pl.col("__n15").cast(pl.String).str.zfill(17) + _check_char(pl.col("__n15"))).otherwise(c)
    birth = pl.when(is18).then(b18).when(is15).then(b15)
    seq_digit = pl.when(is18).then(c.str.slice(16, 1)).when(is15).then(c.str.slice(14, 1))
    sex = pl.when(birth.is_not_null()).then(
        pl.when(seq_digit.cast(pl.Int32, strict=False) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F"))
    )
    region = pl.when(is18 | is15).then(c.str.slice(0, 6))
    return staged.with_columns(
        number.alias(p), status.alias(f"{p}_status"), birth.alias(f"{p}_birth"), sex.alias(f"{p}_sex"),
        region.alias(f"{p}_region"),
    ).drop("__c", "__is18", "__is15", "__excel", "__b", "__n18", "__n15")


def age_on(birth: pl.Expr, day: dt.date) -> pl.Expr:
    """Whole years of age on `day` for a birth-date column."""
    had_birthday = (birth.dt.month() < day.month) | (
        (birth.dt.month() == day.month) & (birth.dt.day() <= day.day)
    )
    return pl.lit(day.year) - birth.dt.year() - pl.when(had_birthday).then(0).otherwise(1)
