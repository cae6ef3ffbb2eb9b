"""Chinese personal names: one canonical written form and a toneless pinyin key.

The canonical form: Unicode NFKC (full-width letters, compatibility forms), every kind of space
removed (U+3000 and zero-width ones too), middle-dot variants (• ・ ‧ ． . ∙ ⋅) unified to U+00B7 as
民委发〔2016〕33号 requires, trailing former-name notes such as （曾用名…） dropped, and traditional
characters converted to simplified (OpenCC t2s, character by character: a name is not a phrase).
The pinyin key is the toneless pinyin of each character's most common reading, joined without
separators (张伟 and 章伟 share `zhangwei`); characters without pinyin stay as they are.

Both are defined per character, so a county's names are normalised by looking up its few thousand
distinct characters once (OpenCC and pypinyin run per character, not per row) and rewriting whole
columns with Polars (`str.replace_many`); `canonical_name` and `pinyin_key` are the same definition
for one string, used by tests and explanations.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata

import opencc
import polars as pl

os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")  # readings are per character: skip the phrase dictionary
from pypinyin import Style, lazy_pinyin  # noqa: E402

MIDDLE_DOT = "\u00b7"
DOT_CHARS = "\u2022\u30fb\u2027\uff0e\u002e\u2219\u22c5\u00b7\uff65\u0387\u16eb\u2981\u2e31"
SPACE_CHARS = "\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"
_SPACES = re.compile(rf"[\s{SPACE_CHARS}]+")
_FORMER_NAME = r"(?:[(（\[【](?:曾用名|原名|又名|别名)[^)）\]】]*[)）\]】]?)+$"
_DOT_RUNS = "\u00b7{2,}"
_ASCII_PUNCT = r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@functools.cache
def canonical_char(ch: str) -> str:
    """The canonical form of one character (a space -> "", a dot variant -> U+00B7, traditional ->
    simplified), iterated to a fixed point so that it is idempotent."""
    s = ch
    for _ in range(4):
        nxt = "".join(
            "" if _SPACES.fullmatch(c) else MIDDLE_DOT if c in DOT_CHARS else _t2s().convert(c)
            for c in unicodedata.normalize("NFKC", s)
        )
        if nxt == s:
            break
        s = nxt
    return s


@functools.cache
def pinyin_of(ch: str) -> str:
    """Toneless pinyin of one character's most common reading; the character itself if none."""
    if ch == MIDDLE_DOT:
        return ""
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    return lazy_pinyin(ch, style=Style.NORMAL, errors=lambda chars: list(chars))[0]


def _tidy(s: str) -> str:
    s = re.sub(_FORMER_NAME, "", s)
    s = re.sub(_DOT_RUNS, MIDDLE_DOT, s)
    return s.strip(MIDDLE_DOT)


def canonical_name(name: str | None) -> str | None:
    """The canonical written form of one name (None for an empty name). Idempotent."""
    if name is None:
        return None
    s = name
    for _ in range(4):
        nxt = _tidy("".join(canonical_char(c) for c in s))
        if nxt == s:
            break
        s = nxt
    return s or None


def pinyin_key(name: str | None) -> str | None:
    """Toneless pinyin of a canonical name, letters only; characters without pinyin kept as-is."""
    if not name:
        return None
    return "".join(pinyin_of(c) for c in name) or None


def _char_map(column: pl.Series, fn) -> dict[str, str]:
    """fn over the distinct characters of a column, for those it changes."""
    chars = column.drop_nulls().str.split("").explode().unique().drop_nulls().to_list()
    return {c: m for c in chars if (m := fn(c)) != c}


def _rewrite(col: pl.Series, mapping: dict[str, str]) -> pl.Series:
    return col.str.replace_many(mapping) if mapping else col


def canonical_names(names: pl.Series) -> pl.Series:
    """`canonical_name` of every value, computed per distinct character."""
    s = names
    for _ in range(4):  # the same fixed point as canonical_name, on the whole column
        nxt = _rewrite(s, _char_map(s, canonical_char))
        nxt = nxt.str.replace(_FORMER_NAME, "").str.replace_all(_DOT_RUNS, MIDDLE_DOT).str.strip_chars(MIDDLE_DOT)
        if nxt.equals(s, check_names=False, null_equal=True):
            break
        s = nxt
    return pl.select(pl.when(s.str.len_chars() > 0).then(s)).to_series().alias(names.name)


def pinyin_keys(canonical: pl.Series) -> pl.Series:
    """`pinyin_key` of every canonical value, computed per distinct character."""
    keys = _rewrite(canonical, _char_map(canonical, pinyin_of))
    return pl.select(pl.when(keys.str.len_chars() > 0).then(keys)).to_series().alias(canonical.name)


def normalize_names(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Add `{column}_norm` (canonical name) and `{column}_pinyin`, computed once per distinct name
    and per distinct character. The raw column is kept as evidence."""
    names = frame.select(pl.col(column)).collect().to_series()
    raw = names.unique().drop_nulls()
    canon = canonical_names(raw)
    lookup = pl.DataFrame({column: raw, f"{column}_norm": canon, f"{column}_pinyin": pinyin_keys(canon)},
                          schema={column: pl.String, f"{column}_norm": pl.String, f"{column}_pinyin": pl.String})
    # joined on the name column alone, then added beside the frame's columns: a join of the whole
    # (wide) frame would copy every other column too
    added = names.to_frame().join(lookup, on=column, how="left", maintain_order="left")
    return frame.with_columns(added[f"{column}_norm"], added[f"{column}_pinyin"])


def mask_name(name: str | None) -> str:
    """Surname plus one * per remaining character (the report and log form of a name)."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
