"""Chinese personal names: one canonical written form and a toneless pinyin key.

The canonical form: Unicode NFKC (full-width letters, compatibility forms), every kind of space
removed (U+3000 and zero-width ones too), middle-dot variants (• ・ ‧ ． . ∙ ⋅) unified to U+00B7 as
民委发〔2016〕33号 requires, trailing former-name notes such as （曾用名…） dropped, and traditional
characters converted to simplified (OpenCC t2s, character by character: a name is not a phrase).
The pinyin key is the toneless pinyin of each character's most common reading (pypinyin), joined
without separators (张伟 and 章伟 share `zhangwei`); characters without pinyin stay as they are.
Both libraries' per-character answers come from the committed table `hanzi.tsv` (see `hanzi`).

Both are defined per character, so a county's names are normalised by looking up its few thousand
distinct characters once (not per row) and rewriting whole columns with Polars
(`str.replace_many`); `canonical_name` and `pinyin_key` are the same definition for one string,
used by tests and explanations.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import polars as pl

from crosscheck import hanzi

MIDDLE_DOT = "\u00b7"
DOT_CHARS = "\u2022\u30fb\u2027\uff0e\u002e\u2219\u22c5\u00b7\uff65\u0387\u16eb\u2981\u2e31"
SPACE_CHARS = "\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"
_SPACES = re.compile(rf"[\s{SPACE_CHARS}]+")
_FORMER_NAME = r"(?:[(（\[【](?:曾用名|原名|又名|别名)[^)）\]】]*[)）\]】]?)+$"
_DOT_RUNS = "\u00b7{2,}"
_ASCII_PUNCT = r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"


@functools.cache
def canonical_char(ch: str) -> str:
    """The canonical form of one character (a space -> "", a dot variant -> U+00B7, traditional ->
    simplified), iterated to a fixed point so that it is idempotent."""
    s = ch
    for _ in range(4):
        nxt = "".join(
            "" if _SPACES.fullmatch(c) else MIDDLE_DOT if c in DOT_CHARS else hanzi.simplified(c)
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
    return hanzi.pinyin(ch)


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


def _distinct_chars(column: pl.Series) -> list[str]:
    """The distinct characters of a column, in code point order: the column joined into one
    string, its code points marked in a table of all of them (a third of the time of exploding
    every row into characters and taking the unique ones)."""
    import numpy as np

    text = column.drop_nulls().str.join("").item() if column.len() else ""
    seen = np.zeros(0x110000, dtype=bool)
    seen[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)] = True
    return [chr(c) for c in np.flatnonzero(seen)]


def _canonical_map(chars: list[str]) -> dict[str, str]:
    """char -> its canonical form, for the characters that change. Every character of a mapped
    form maps to itself (`canonical_char` is a fixed point), so one rewrite is final."""
    return {c: m for c in chars if (m := canonical_char(c)) != c}


def _rewrite(col: pl.Series, mapping: dict[str, str]) -> pl.Series:
    return col.str.replace_many(mapping) if mapping else col


# rows without a bracket or a middle dot are already tidy (an Aho-Corasick search for the five:
# a third of the time of a regular expression's character class)
_TIDY_TRIGGER = ["(", "（", "[", "【", MIDDLE_DOT]


def _null_if_empty(col: pl.Series) -> pl.Series:
    return col.replace("", None)


def canonical_names(names: pl.Series, chars: list[str] | None = None) -> pl.Series:
    """`canonical_name` of every value: characters rewritten once through a map of the column's
    distinct characters; former-name notes and dot runs tidied (to the same fixed point as
    `canonical_name`) only on the rows holding a bracket or a middle dot."""
    chars = _distinct_chars(names) if chars is None else chars
    s = _rewrite(names, _canonical_map(chars))
    rows = s.str.contains_any(_TIDY_TRIGGER).fill_null(False).arg_true()
    if rows.len():
        sub = s.gather(rows)
        for _ in range(4):
            nxt = sub.str.replace(_FORMER_NAME, "").str.replace_all(_DOT_RUNS, MIDDLE_DOT).str.strip_chars(MIDDLE_DOT)
            nxt = _rewrite(nxt, _canonical_map(_distinct_chars(nxt)))
            if nxt.equals(sub, check_names=False, null_equal=True):
                break
            sub = nxt
        s = s.clone().scatter(rows, sub)
    return _null_if_empty(s).alias(names.name)


def pinyin_keys(canonical: pl.Series, chars: list[str] | None = None) -> pl.Series:
    """`pinyin_key` of every canonical value, through a map of its distinct characters (`chars`, a
    superset of them, may be given)."""
    chars = _distinct_chars(canonical) if chars is None else chars
    keys = _rewrite(canonical, {c: m for c in chars if (m := pinyin_of(c)) != c})
    return _null_if_empty(keys).alias(canonical.name)


def normalize_names(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Add `{column}_norm` (canonical name) and `{column}_pinyin`, computed per distinct character
    on the whole column (cheaper than per distinct name and a join back: most names occur once or
    twice). The raw column is kept as evidence."""
    names = frame.select(pl.col(column)).collect().to_series()
    chars = _distinct_chars(names)
    canon = canonical_names(names, chars)
    # the canonical names' characters are the canonical forms' characters
    image = sorted({o for c in chars for o in canonical_char(c)})
    return frame.with_columns(canon.alias(f"{column}_norm"), pinyin_keys(canon, image).alias(f"{column}_pinyin"))


def mask_name(name: str | None) -> str:
    """Surname plus one * per remaining character (the report and log form of a name)."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def with_name_keys(frame: pl.DataFrame, column: str = "name") -> pl.DataFrame:
    """`frame` with `{column}_norm` and `{column}_pinyin` (`normalize_names`) if it lacks them: a
    table whose name keys are left to be computed on demand (户籍: `prepare.normalize_people`'s
    `name_keys`) gets them for the rows a step reaches. Each value's keys are those of the whole
    column's normalisation: they depend on the value alone."""
    if f"{column}_norm" in frame.columns or column not in frame.columns:
        return frame
    return normalize_names(frame.lazy(), column).collect()
