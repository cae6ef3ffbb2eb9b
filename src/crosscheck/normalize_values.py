"""Dates, amounts, bank accounts, phone numbers, yes/no flags and program labels as Polars expressions.

Every parser takes a raw string column and returns a typed column, null where the value is empty
or cannot be read; `is_unparseable` tells the two apart so a mandatory field can send its row to
rejects with a reason instead of silently becoming null.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FULLWIDTH_DIGITS = [chr(0xFF10 + i) for i in range(10)]
_ASCII_DIGITS = [str(i) for i in range(10)]


BOM = "\ufeff"


def blank_to_null(raw: pl.Expr) -> pl.Expr:
    """Trimmed text (Unicode white space at both ends: spaces, tabs, line ends, U+3000, U+00A0 ...,
    in any mix); empty (or only white space) becomes null. Byte-order marks, which are not white
    space, are gone already: `read_table` removes them (`without_marks`)."""
    # Polars' default trim is 3-4x faster than one with a set of characters (which tests each end
    # character against the set by a substring search): hence the marks apart. `replace` rather
    # than when/then: a third of the time on wide text columns
    return raw.str.strip_chars().replace("", None)


def without_marks(frame: pl.DataFrame, columns: list[str], *, maybe: bool = True) -> pl.DataFrame:
    """`frame` with every byte-order mark (U+FEFF: invisible; editors write one at the start of a
    file, and joined files or pasted cells carry them inside) removed from the text `columns`
    that hold one. `maybe=False`: the caller knows there is none (a CSV file whose bytes it
    searched), and nothing is looked at."""
    text = [c for c in columns if frame.schema[c] == pl.String]
    if not maybe or not text:
        return frame
    # one search per column, in its values joined (a mark is a whole character of valid UTF-8:
    # the join holds one exactly where a value does): half the CPU of a search per value. Joined
    # slice by slice of at most _JOINED_BYTES (a string holds 4 GB; the join is a copy)
    widest = max(frame.select(pl.col(text).str.len_bytes().sum()).row(0), default=0) or 0
    step = max(1, frame.height * _JOINED_BYTES // max(widest, 1))
    found = [False] * len(text)
    for start in range(0, frame.height, step):
        part = frame.select(pl.col(text).slice(start, step).str.join("").str.contains(BOM, literal=True)).row(0)
        found = [a or bool(b) for a, b in zip(found, part)]
    marked = [c for c, has in zip(text, found) if has]
    return frame.with_columns(pl.col(marked).str.replace_all(BOM, "", literal=True)) if marked else frame


_JOINED_BYTES = 1 << 26  # the text of a column joined for one search: 64 MB at most


def per_distinct(parse: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType) -> Callable[[pl.Expr], pl.Expr]:
    """`parse` (an elementwise parser of this module) computed once per distinct value and joined
    back, where the values repeat (a month's amounts, program labels and dates are a few dozen
    or thousand distinct values): on the 100k-row roster, amounts 22 -> 7 ms and programs
    16 -> 6 ms. A column of mostly distinct values is parsed as it is. Every parser here reads
    an empty value as null, and a null value joins nothing: it stays null."""

    def run(values: pl.Series) -> pl.Series:
        distinct = values.unique()
        if distinct.len() * 3 > values.len():
            return values.to_frame("v").select(parse(pl.col("v")).alias(values.name)).to_series()
        table = distinct.to_frame("v").with_columns(parse(pl.col("v")).alias("parsed"))
        joined = values.to_frame("v").join(table, on="v", how="left", maintain_order="left")
        return joined["parsed"].alias(values.name)

    return lambda raw: raw.map_batches(run, return_dtype=dtype)


def parse_date(raw: pl.Expr) -> pl.Expr:
    """A date from 2022-12-01, 2022/12/1, 2022.12.1, 20221201, 2022年12月1日, an Excel date cell
    read as text ("2022-12-01 00:00:00") or an Excel serial number (44896)."""
    s = blank_to_null(raw).str.replace_many(_FULLWIDTH_DIGITS, _ASCII_DIGITS)
    parts = s.str.extract_groups(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?(?:[ T].*)?$")
    compact = s.str.extract_groups(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
    year = pl.coalesce(parts.struct.field("1"), compact.struct.field("1"))
    month = pl.coalesce(parts.struct.field("2"), compact.struct.field("2")).str.zfill(2)
    day = pl.coalesce(parts.struct.field("3"), compact.struct.field("3")).str.zfill(2)
    from_text = (year + "-" + month + "-" + day).str.to_date("%Y-%m-%d", strict=False)
    serial = s.str.extract(r"^([0-9]{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    from_serial = pl.when(serial.is_between(1, 80000)).then(
        pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)
    )
    return pl.coalesce(from_text, from_serial.cast(pl.Date))


def parse_amount(raw: pl.Expr) -> pl.Expr:
    """Yuan as a float from "501", "501.00", "501元", "￥1,200", "1，200.5"."""
    s = (
        blank_to_null(raw)
        .str.replace_many(_FULLWIDTH_DIGITS, _ASCII_DIGITS)
        .str.replace_all(r"[\s,，元￥¥]|RMB|人民币|/月|每月|[(（]月[)）]", "")
        .str.replace_all("．", ".")
    )
    # the whole value as the one group: `s` used once (a when/then on it would compute it twice)
    return s.str.extract(r"^(-?[0-9]+(?:\.[0-9]+)?)$", 1).cast(pl.Float64, strict=False)


def parse_capital(raw: pl.Expr) -> pl.Expr:
    """Registered capital in 万元 from "50", "50万", "50万元", "50.5 万元" or "500000元" (yuan)."""
    s = blank_to_null(raw)
    in_yuan = s.str.contains("元") & ~s.str.contains("万")
    number = parse_amount(s.str.replace_all("万", ""))
    return pl.when(in_yuan).then(number / 10000).otherwise(number)


def account_number(raw: pl.Expr) -> pl.Expr:
    """A bank account as digits; null when Excel wrote it as a number in scientific notation (its
    digits are lost, and two different accounts would look alike), and for placeholders (fewer than
    6 digits, or one digit repeated: 0, 000000, 111111), which would tie everyone who has one."""
    scientific = raw.str.contains(r"^\s*[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+\s*$")
    digits = _digits(raw)  # "" for no digit: a placeholder too
    one_digit = "^(?:" + "|".join(f"{d}+" for d in range(10)) + ")$"
    placeholder = (digits.str.len_bytes() < 6) | digits.str.contains(one_digit)
    return pl.when(~scientific.fill_null(False) & ~placeholder.fill_null(False)).then(digits)


def _digits(raw: pl.Expr) -> pl.Expr:
    return raw.str.replace_many(_FULLWIDTH_DIGITS, _ASCII_DIGITS).str.replace_all(r"[^0-9]", "")


def digits_only(raw: pl.Expr) -> pl.Expr:
    """Bank account or card number: digits only (spaces, dashes, full-width digits dropped)."""
    return _digits(raw).replace("", None)


def parse_phone(raw: pl.Expr) -> pl.Expr:
    """A phone number as digits, without a leading +86 / 0086."""
    s = digits_only(raw)
    return s.str.replace(r"^(?:0086|86)(1[0-9]{10})$", "$1")


def parse_yes_no(raw: pl.Expr) -> pl.Expr:
    """True for 是/Y/yes/1/已备案, False for 否/N/no/0/未备案, null otherwise."""
    s = blank_to_null(raw).str.to_lowercase()
    yes = s.is_in(["是", "y", "yes", "true", "1", "已备案", "备案"])
    no = s.is_in(["否", "n", "no", "false", "0", "未备案"])
    return pl.when(yes).then(True).when(no).then(False)


def is_unparseable(raw: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """The raw value was given but could not be read."""
    return blank_to_null(raw).is_not_null() & parsed.is_null()


def program_lookup(programs) -> dict[str, str]:
    """Label, alias or code (compared without spaces or bracket width) -> program code."""
    from crosscheck.tables import canonical_header

    table: dict[str, str] = {}
    for p in programs:
        for label in (p.code, p.label, *p.aliases):
            table[canonical_header(label)] = p.code
    return table


def parse_program(raw: pl.Expr, lookup: dict[str, str]) -> pl.Expr:
    """Program code from a Chinese label, an alias or the code itself; null when unknown."""
    key = blank_to_null(raw).str.replace_all(r"\s", "").str.replace_many(["（", "）"], ["(", ")"])
    return key.replace_strict(lookup, default=None, return_dtype=pl.String)
