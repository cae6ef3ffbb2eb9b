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


@functools.cache
def _chunk_tables() -> list[tuple[int, int, pl.Series]]:
    """The 17-digit body in chunks of 6, 6 and 5 digits from the right: (divisor, modulus, the
    weighted digit sum mod 11 of every chunk value), so the check sum is 3 table look-ups instead
    of 17 digits (tables of a byte per value: 2.1 MB in all, built on first use).

    The weights are powers of two mod 11 (the body's i-th digit from the right, counting from 1,
    weighs 2**i), so one table serves all three chunks: the last six digits weigh 2**6 .. 2**1,
    the six before them 2**6 (9 mod 11) times as much, the first five 2**12 (4 mod 11) times as
    much. That table is built from one of the 1,000 three-digit values (weights 4, 2, 1): 30-45 ms
    on first use in a run, where digit by digit over a million values took 200-250 ms."""
    assert all(w == pow(2, 17 - i, 11) for i, w in enumerate(WEIGHTS))
    i = pl.int_range(1000, dtype=pl.Int32, eager=True)
    three = (i // 100) * 4 + (i // 10 % 10) * 2 + i % 10
    six = pl.select((pl.lit(three * 16).repeat_by(1000).explode()  # the first three digits: 2**6 .. 2**4
                     + pl.lit(pl.concat([three * 2] * 1000, rechunk=True))) % 11).to_series()
    return [(1, 10**6, six.cast(pl.UInt8)), (10**6, 10**6, (six * 9 % 11).cast(pl.UInt8)),
            (10**12, 10**5, (six.head(10**5) * 4 % 11).cast(pl.UInt8))]


def _check_remainder(number: pl.Expr) -> pl.Expr:
    """The weighted digit sum mod 11 of 17-digit bodies held as Int64: the index of their check
    character in CHECK_CHARS (null stays null)."""
    total = pl.sum_horizontal([pl.lit(sums).gather(number // div % mod) for div, mod, sums in _chunk_tables()])
    return pl.when(number.is_not_null()).then(total % 11).cast(pl.Int64)


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


_CHECK_INDEX = {ch: i for i, ch in enumerate(CHECK_CHARS)}
_DIGIT_INDEX = pl.Series([_CHECK_INDEX[str(d)] for d in range(10)], dtype=pl.Int64)  # digit -> its index


def _parts_of_canonical(values: pl.Series) -> pl.DataFrame:
    """`c`, `shape`, `body` and `last` of values in canonical form (17 ASCII digits and a digit or X,
    or 15 ASCII digits; a final x counts, and `c` has it as X; shape 0 and nulls for anything
    else, with `c` the value as it is). `body` is the 17-digit body as an integer (15-digit
    numbers with century 19 inserted), `last` the last character's index in CHECK_CHARS. No
    regular expression: the integer cast of a value of exactly 18 (or 15) bytes succeeds only for
    ASCII digits after at most a sign; the whole number is read once, its body and last digit
    are arithmetic. A signed value is below 10**17 (10**14), and so are numbers with leading
    zeros: only those few have their first byte looked at, and only the few 15-digit numbers and
    the values that end in a letter are read apart (a fifth less time than every value's first
    byte and both branches for all)."""
    n, whole = values.str.len_bytes(), values.cast(pl.Int64, strict=False)
    w = pl.col("whole")
    floor = pl.when(pl.col("n") == 18).then(10**17).when(pl.col("n") == 15).then(10**14)
    flags = pl.DataFrame({"n": n, "whole": whole}).select(
        (w >= floor).fill_null(False).alias("plain"), ((w >= 0) & (w < floor)).fill_null(False).alias("low"))
    digits, low = flags["plain"], flags["low"].arg_true()
    if low.len():
        first = values.gather(low)
        digits = digits.scatter(low.filter(~(first.str.starts_with("+") | first.str.starts_with("-"))), True)
    parts = pl.DataFrame({"whole": whole, "is18": digits & (n == 18), "is15": digits & (n == 15)}).select(
        pl.when("is18").then(18).when("is15").then(15).otherwise(0).cast(pl.Int8).alias("shape"),
        pl.when("is18").then(w // 10).alias("body"),
        pl.when("is18").then(pl.lit(_DIGIT_INDEX).gather(w % 10)).alias("last"))
    shape, body, last = parts["shape"], parts["body"], parts["last"]
    rows15 = (shape == 15).arg_true()
    if rows15.len():  # century 19 inserted after the region code
        w15 = whole.gather(rows15)
        body = body.scatter(rows15, w15 // 10**9 * 10**11 + 19 * 10**9 + w15 % 10**9)
    # 17 digits and an X (about one number in eleven): the body alone is the integer
    rows = ((n == 18) & whole.is_null()).arg_true()
    ends = values.gather(rows)
    body17 = ends.str.slice(0, 17).cast(pl.Int64, strict=False)
    ok = (body17.is_not_null() & (ends.str.ends_with("X") | ends.str.ends_with("x"))
          & ~(ends.str.starts_with("+") | ends.str.starts_with("-")))
    rows, ends, body17 = rows.filter(ok), ends.filter(ok), body17.filter(ok)
    if rows.len() == 0:
        return pl.DataFrame({"c": values, "shape": shape, "body": body, "last": last})
    lower = ends.str.ends_with("x")
    c = values.clone().scatter(rows.filter(lower), ends.filter(lower).str.to_uppercase()) if lower.any() else values
    return pl.DataFrame({"c": c, "shape": shape.scatter(rows, 18), "body": body.scatter(rows, body17),
                         "last": last.scatter(rows, _CHECK_INDEX["X"])})


def _id_parts(values: pl.Series) -> pl.DataFrame:
    """Per value: the cleaned number `c`, its `shape` (18, 15, -1 for Excel's scientific notation,
    0 for anything else), its 17-digit `body` as an integer (15-digit numbers with century 19
    inserted) and the index of its last character in CHECK_CHARS (`last`, 18-character numbers
    only). Values already in canonical form (most) are read as they are; only the others are
    cleaned (`_clean`) and read again."""
    values = values.cast(pl.String)
    parts = _parts_of_canonical(values)
    rows = ((parts["shape"] == 0) & values.is_not_null()).arg_true()
    if rows.len() == 0:
        return parts
    cleaned = pl.select(_clean(pl.lit(values.gather(rows)))).to_series()
    again = _parts_of_canonical(cleaned)
    scientific = pl.select(pl.when(pl.lit(again["shape"]) == 0)
                           .then(pl.when(pl.lit(cleaned).str.contains(_SCIENTIFIC)).then(-1).otherwise(0))
                           .otherwise(pl.lit(again["shape"])).cast(pl.Int8)).to_series()
    return pl.DataFrame({"c": parts["c"].clone().scatter(rows, cleaned),
                         "shape": parts["shape"].scatter(rows, scientific),
                         "body": parts["body"].scatter(rows, again["body"]),
                         "last": parts["last"].scatter(rows, again["last"])})


def clean_id(raw: pl.Expr) -> pl.Expr:
    """Trim, drop inner spaces and quotes, full-width digits to ASCII, x to X. Empty -> null."""
    return raw.cast(pl.String).map_batches(lambda s: _id_parts(s)["c"], return_dtype=pl.String)


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
    on whole columns: a number already in canonical form (most) is read as one integer, without
    cleaning or a pattern, and its body (15-digit numbers with century 19 inserted) and last
    digit are arithmetic; the birth date comes from a date table and the check character from
    three table look-ups, so a million numbers take about a quarter of a second.
    """
    p = prefix or raw
    as_of = as_of or dt.date.today()
    fields = {"c": pl.String, "shape": pl.Int8, "body": pl.Int64, "last": pl.Int64, "birth": pl.Date,
              "remainder": pl.Int64}
    staged = frame.with_columns(pl.col(raw).map_batches(lambda v: _id_core(v, as_of).to_struct(),
                                                        return_dtype=pl.Struct(fields)).alias("__id"))
    staged = staged.with_columns(pl.col("__id").struct.field(f).alias(f"__{f}") for f in fields).drop("__id")
    c, shape, body = pl.col("__c"), pl.col("__shape"), pl.col("__body")
    birth, remainder, last = pl.col("__birth"), pl.col("__remainder"), pl.col("__last")
    is18, is15 = shape == 18, shape == 15
    excel = shape == -1
    if excel_flag is not None:
        excel = excel | pl.col(excel_flag).fill_null(False)
    legacy = is15 & birth.is_not_null()
    # the check sum's index in CHECK_CHARS (`remainder`) and the last character's (`last`): a
    # number checks when they agree
    status = (
        pl.when(c.is_null()).then(pl.lit("missing"))
        .when(excel).then(pl.lit("excel_number"))
        .when(is18 & birth.is_not_null() & (remainder == last)).then(pl.lit("valid"))
        .when(is18 & birth.is_not_null()).then(pl.lit("bad_check"))
        .when(legacy).then(pl.lit("legacy15"))
        .when(is18 | is15).then(pl.lit("bad_date"))
        .otherwise(pl.lit("malformed"))
    )
    out = [c.alias(p), status.alias(f"{p}_status"), birth.alias(f"{p}_birth")]
    if sex_and_region:
        out += [pl.when(birth.is_not_null()).then(pl.when(body % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")))
                .alias(f"{p}_sex"), pl.when(is18 | is15).then(c.str.slice(0, 6)).alias(f"{p}_region")]
    # the normalised 18-character number as one integer (body * 11 + its last character's index),
    # for blocking joins: the same as keystrokes.id_key of the number, null for any other length
    key = body * 11 + pl.when(legacy).then(remainder).otherwise(last)
    return staged.with_columns(*out, key.alias(f"{p}_key")).drop(f"__{f}" for f in fields)


def _id_core(values: pl.Series, as_of: dt.date) -> pl.DataFrame:
    """`_id_parts` with the birth date (`birth`: null unless a real date, see `_birth_date`) and the
    check sum's index in CHECK_CHARS (`remainder`); a legacy number (15 digits, a real birth date)
    has its 18-digit form in `c`, built for those rows only (few)."""
    parts = _id_parts(values)
    core = parts.lazy().with_columns(_birth_date(pl.col("body") // 1000 % 10**8, as_of).alias("birth"),
                                     _check_remainder(pl.col("body")).alias("remainder")).collect()
    legacy = ((core["shape"] == 15) & core["birth"].is_not_null()).arg_true()
    if legacy.len() == 0:
        return core
    rows = core[legacy]
    converted = rows.select(pl.col("body").cast(pl.String).str.zfill(17)
                            + pl.lit(pl.Series(list(CHECK_CHARS))).gather(pl.col("remainder")))
    return core.with_columns(core["c"].clone().scatter(legacy, converted.to_series()))


def age_on(birth: pl.Expr, day: dt.date) -> pl.Expr:
    """Whole years of age on `day` for a birth-date column."""
    had_birthday = (birth.dt.month() < day.month) | (
        (birth.dt.month() == day.month) & (birth.dt.day() <= day.day)
    )
    return pl.lit(day.year) - birth.dt.year() - pl.when(had_birthday).then(0).otherwise(1)


def aged_at_least(birth: pl.Expr, day: dt.date, years: int) -> pl.Expr:
    """Whether a birth-date column's persons are `years` or older on `day` (`age_on(...) >=
    years`; null where the birth date is null), as one comparison with the latest such birth
    date instead of an age per row (the age rule's plan 19 -> 7 ms on a 100k roster). A 29
    February `years` back in a common year is its 28 February: a person born on 1 March is
    not yet that old."""
    year = day.year - years
    if not dt.MINYEAR <= year <= dt.MAXYEAR:  # nobody is that old, or everybody
        return pl.when(birth.is_not_null()).then(pl.lit(year > dt.MAXYEAR))
    try:
        latest = day.replace(year=year)
    except ValueError:
        latest = day.replace(year=year, day=28)
    return birth <= pl.lit(latest)
