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
import functools
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


def _chunk_weights() -> list[tuple[int, int, pl.Series]]:
    """The 17-digit body in chunks of up to 3 digits from the right: (divisor, modulus, weighted
    digit sum of every chunk value), so the check sum is 6 table look-ups instead of 17 digits."""
    out = []
    for hi in range(17, 0, -3):
        lo = max(0, hi - 3)
        width = hi - lo
        sums = [sum(int(d) * WEIGHTS[lo + j] for j, d in enumerate(str(v).zfill(width))) for v in range(10**width)]
        out.append((10 ** (17 - hi), 10**width, pl.Series(sums, dtype=pl.Int64)))
    return out


_CHUNKS = _chunk_weights()


def _check_remainder(number: pl.Expr) -> pl.Expr:
    """The weighted digit sum mod 11 of 17-digit bodies held as Int64: the index of their check
    character in CHECK_CHARS (null stays null)."""
    total = pl.sum_horizontal([pl.lit(sums).gather(number // div % mod) for div, mod, sums in _CHUNKS])
    return pl.when(number.is_not_null()).then(total % 11)


def _check_char(number: pl.Expr) -> pl.Expr:
    """The check character of 17-digit bodies held as Int64 (null stays null)."""
    return _check_remainder(number).replace_strict(dict(enumerate(CHECK_CHARS)), default=None, return_dtype=pl.String)


def check_digit_expr(body17: pl.Expr) -> pl.Expr:
    """The check character of a 17-digit string column (null where the body is not 17 digits)."""
    return pl.when(body17.str.contains(r"^[0-9]{17}$")).then(_check_char(body17.cast(pl.Int64, strict=False)))


def _clean(raw: pl.Expr) -> pl.Expr:
    cleaned = (
        raw.str.replace_all(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff'\"‘’“”`]", "")
        .str.replace_many(_FULLWIDTH, _ASCII)
        .str.to_uppercase()
    )
    return cleaned.replace("", None)  # not when/then: that computes `cleaned` twice


_CANONICAL = r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$"
_CHECK_INDEX = {ch: i for i, ch in enumerate(CHECK_CHARS)}
_ID_PARTS = pl.Struct({"c": pl.String, "shape": pl.Int8, "body": pl.Int64})


def _id_parts(values: pl.Series) -> pl.Series:
    """Per value: the cleaned number `c`, its `shape` (18, 15, -1 for Excel's scientific notation,
    0 for anything else) and its 17-digit `body` as an integer (15-digit numbers with century 19
    inserted). Values already in canonical form (most) are classified by their length; only the
    others are cleaned and matched against the patterns."""
    values = values.cast(pl.String)
    canonical = values.str.contains(_CANONICAL).fill_null(False)
    c = values
    shape = pl.select(pl.when(pl.lit(canonical)).then(pl.lit(values).str.len_bytes().cast(pl.Int8)).otherwise(0)).to_series()
    rows = (~canonical).arg_true()
    if rows.len():
        fixed = pl.select(_clean(pl.lit(values.gather(rows))).alias("c")).with_columns(
            pl.when(pl.col("c").str.contains(r"^[0-9]{17}[0-9X]$")).then(18)
            .when(pl.col("c").str.contains(r"^[0-9]{15}$")).then(15)
            .when(pl.col("c").str.contains(_SCIENTIFIC)).then(-1)
            .otherwise(0).cast(pl.Int8).alias("shape"))
        c = values.clone().scatter(rows, fixed["c"])
        shape = shape.scatter(rows, fixed["shape"])
    body = pl.select(pl.when(pl.lit(shape) == 18).then(pl.lit(c).str.slice(0, 17).cast(pl.Int64, strict=False))).to_series()
    rows15 = (shape == 15).arg_true()
    if rows15.len():
        c15 = c.gather(rows15)
        body15 = pl.select(pl.lit(c15).str.slice(0, 6).cast(pl.Int64) * 10**11 + 19 * 10**9
                           + pl.lit(c15).str.slice(6, 9).cast(pl.Int64)).to_series()
        body = body.scatter(rows15, body15)
    return pl.struct(c.alias("c"), shape.alias("shape"), body.alias("body"), eager=True)


def clean_id(raw: pl.Expr) -> pl.Expr:
    """Trim, drop inner spaces and quotes, full-width digits to ASCII, x to X. Empty -> null."""
    return raw.cast(pl.String).map_batches(lambda s: _id_parts(s).struct.field("c"), return_dtype=pl.String)


def _birth_date(digits8: pl.Expr, as_of: dt.date) -> pl.Expr:
    """The birth date of YYYYMMDD digits held as an integer: null unless a real date between 1880
    and `as_of` (a date table look-up: no text formatting and parsing, and a year written with a
    leading zero, 0188, cannot pass for 1881-02-07)."""
    keys, days = _birth_table(as_of)
    return digits8.replace_strict(keys, days, default=None, return_dtype=pl.Date)


@functools.lru_cache(maxsize=8)
def _birth_table(as_of: dt.date) -> tuple[pl.Series, pl.Series]:
    """Every date from 1880-01-01 to `as_of` and its YYYYMMDD integer."""
    days = pl.date_range(_EARLIEST_BIRTH, as_of, eager=True)  # empty for an as_of before 1880
    keys = days.dt.year().cast(pl.Int64) * 10000 + days.dt.month().cast(pl.Int64) * 100 + days.dt.day().cast(pl.Int64)
    return keys, days


def normalize_id(
    frame: FrameT, raw: str, *, prefix: str | None = None, excel_flag: str | None = None,
    as_of: dt.date | None = None, sex_and_region: bool = True,
) -> FrameT:
    """Add `{prefix}` (normalised number), `_status`, `_birth`, `_sex`, `_region` and `_key` (the
    number as an integer, for joins) to a frame; `sex_and_region=False` leaves out `_sex` and
    `_region` (the monthly run uses neither).

    `raw` names the raw string column; `excel_flag` an optional boolean column set by the reader for
    cells Excel stored as numbers; `as_of` the latest plausible birth date (default: today). Works
    on whole columns: numbers already in canonical form skip the cleaning, the 17-digit body is
    read as one integer once (15-digit numbers with century 19 inserted), the birth date is parsed
    once from its digits and the check character is computed by table look-ups, so a million
    numbers take a fraction of a second.
    """
    p = prefix or raw
    as_of = as_of or dt.date.today()
    parts = pl.col(raw).map_batches(_id_parts, return_dtype=_ID_PARTS)
    staged = frame.with_columns(parts.alias("__id")).with_columns(
        pl.col("__id").struct.field("c").alias("__c"), pl.col("__id").struct.field("shape").alias("__shape"),
        pl.col("__id").struct.field("body").alias("__n")).drop("__id")
    c, shape, body = pl.col("__c"), pl.col("__shape"), pl.col("__n")
    is18, is15 = shape == 18, shape == 15
    excel = shape == -1
    if excel_flag is not None:
        excel = excel | pl.col(excel_flag).fill_null(False)
    # the check sum's index in CHECK_CHARS (`__r`) and the last character's (`__l`): a number
    # checks when they agree
    staged = staged.with_columns(
        _birth_date(body // 1000 % 10**8, as_of).alias("__b"), _check_remainder(body).alias("__r"),
        c.str.slice(17, 1).replace_strict(_CHECK_INDEX, default=None, return_dtype=pl.Int64).alias("__l"))
    birth, remainder, last = pl.col("__b"), pl.col("__r"), pl.col("__l")
    legacy = is15 & birth.is_not_null()
    status = (
        pl.when(c.is_null()).then(pl.lit("missing"))
        .when(excel).then(pl.lit("excel_number"))
        .when(is18 & birth.is_not_null() & (remainder == last)).then(pl.lit("valid"))
        .when(is18 & birth.is_not_null()).then(pl.lit("bad_check"))
        .when(legacy).then(pl.lit("legacy15"))
        .when(is18 | is15).then(pl.lit("bad_date"))
        .otherwise(pl.lit("malformed"))
    )
    # a legacy number's 18-digit form is built only for the legacy rows (few): the body with its check
    check = pl.lit(pl.Series(list(CHECK_CHARS))).gather(pl.when(legacy).then(remainder))
    converted = pl.when(legacy).then(body).cast(pl.String).str.zfill(17) + check
    out = [pl.coalesce(converted, c).alias(p), status.alias(f"{p}_status"), birth.alias(f"{p}_birth")]
    if sex_and_region:
        out += [pl.when(birth.is_not_null()).then(pl.when(body % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")))
                .alias(f"{p}_sex"), pl.when(is18 | is15).then(c.str.slice(0, 6)).alias(f"{p}_region")]
    # the normalised 18-character number as one integer (body * 11 + its last character's index),
    # for blocking joins: the same as keystrokes.id_key of the number, null for any other length
    key = body * 11 + pl.when(legacy).then(remainder).otherwise(last)
    return staged.with_columns(*out, key.alias(f"{p}_key")).drop("__c", "__shape", "__n", "__b", "__r", "__l")


def age_on(birth: pl.Expr, day: dt.date) -> pl.Expr:
    """Whole years of age on `day` for a birth-date column."""
    had_birthday = (birth.dt.month() < day.month) | (
        (birth.dt.month() == day.month) & (birth.dt.day() <= day.day)
    )
    return pl.lit(day.year) - birth.dt.year() - pl.when(had_birthday).then(0).otherwise(1)
