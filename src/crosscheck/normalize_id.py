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

import polars as pl

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


def check_digit_expr(body17: pl.Expr) -> pl.Expr:
    """The check character of a 17-digit string column (null where the body is not 17 digits)."""
    digits = [body17.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(17)]
    total = pl.sum_horizontal([d * w for d, w in zip(digits, WEIGHTS)])
    rem = pl.when(body17.str.contains(r"^[0-9]{17}$")).then(total % 11)
    return rem.replace_strict(dict(enumerate(CHECK_CHARS)), default=None, return_dtype=pl.String)


def clean_id(raw: pl.Expr) -> pl.Expr:
    """Trim, drop inner spaces and quotes, full-width digits to ASCII, x to X. Empty -> null."""
    cleaned = (
        raw.str.replace_all(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff'\"‘’“”`]", "")
        .str.replace_many(_FULLWIDTH, _ASCII)
        .str.to_uppercase()
    )
    return pl.when(cleaned.str.len_chars() > 0).then(cleaned)


def _birth_date(digits8: pl.Expr, as_of: dt.date) -> pl.Expr:
    date = digits8.str.to_date("%Y%m%d", strict=False)
    return pl.when(date.is_between(pl.lit(_EARLIEST_BIRTH), pl.lit(as_of))).then(date)


def normalize_id(
    raw: str, *, prefix: str | None = None, excel_flag: str | None = None, as_of: dt.date | None = None
) -> list[pl.Expr]:
    """Expressions that add `{prefix}` (normalised number), `_status`, `_birth`, `_sex`, `_region`.

    `raw` names the raw string column; `excel_flag` an optional boolean column set by the reader for
    cells Excel stored as numbers; `as_of` the latest plausible birth date (default: today).
    """
    p = prefix or raw
    as_of = as_of or dt.date.today()
    c = clean_id(pl.col(raw))
    is18 = c.str.contains(r"^[0-9]{17}[0-9X]$")
    is15 = c.str.contains(r"^[0-9]{15}$")
    birth18 = _birth_date(c.str.slice(6, 8), as_of)
    birth15 = _birth_date(pl.lit("19") + c.str.slice(6, 6), as_of)
    check_ok = check_digit_expr(c.str.slice(0, 17)) == c.str.slice(17, 1)
    excel = c.str.contains(_SCIENTIFIC)
    if excel_flag is not None:
        excel = excel | pl.col(excel_flag).fill_null(False)
    status = (
        pl.when(c.is_null()).then(pl.lit("missing"))
        .when(excel).then(pl.lit("excel_number"))
        .when(is18 & birth18.is_not_null() & check_ok).then(pl.lit("valid"))
        .when(is18 & birth18.is_not_null()).then(pl.lit("bad_check"))
        .when(is15 & birth15.is_not_null()).then(pl.lit("legacy15"))
        .when(is18 | is15).then(pl.lit("bad_date"))
        .otherwise(pl.lit("malformed"))
    )
    body15 = c.str.slice(0, 6) + pl.lit("19") + c.str.slice(6, 9)
    number = pl.when(is15 & birth15.is_not_null()).then(body15 + check_digit_expr(body15)).otherwise(c)
    birth = pl.when(is18).then(birth18).when(is15).then(birth15)
    seq_digit = pl.when(is18).then(c.str.slice(16, 1)).when(is15).then(c.str.slice(14, 1))
    sex = pl.when(birth.is_not_null()).then(
        pl.when(seq_digit.cast(pl.Int32, strict=False) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F"))
    )
    region = pl.when(is18 | is15).then(c.str.slice(0, 6))
    return [
        number.alias(p),
        status.alias(f"{p}_status"),
        birth.alias(f"{p}_birth"),
        sex.alias(f"{p}_sex"),
        region.alias(f"{p}_region"),
    ]


def age_on(birth: pl.Expr, day: dt.date) -> pl.Expr:
    """Whole years of age on `day` for a birth-date column."""
    had_birthday = (birth.dt.month() < day.month) | (
        (birth.dt.month() == day.month) & (birth.dt.day() <= day.day)
    )
    return pl.lit(day.year) - birth.dt.year() - pl.when(had_birthday).then(0).otherwise(1)
