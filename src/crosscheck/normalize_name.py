"""Chinese personal names: one canonical written form and a toneless pinyin key.

Names are normalised per distinct value (a county has far fewer distinct names than rows) and the
result joined back, so the Python work is proportional to the vocabulary, not the table.

The canonical form: Unicode NFKC (full-width letters, compatibility forms), every kind of space
removed (U+3000 and zero-width ones too), middle-dot variants (• ・ ‧ ． . ∙ ⋅) unified to U+00B7 as
民委发〔2016〕33号 requires, a trailing former-name note such as （曾用名…） dropped, and traditional
characters converted to simplified (OpenCC t2s). The pinyin key is the toneless pinyin of the
canonical form without separators (张伟 and 章伟 share `zhangwei`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc
import polars as pl
from pypinyin import Style, lazy_pinyin

MIDDLE_DOT = "\u00b7"
_DOTS = re.compile(r"[\u2022\u30fb\u2027\uff0e\u002e\u2219\u22c5\u00b7\uff65\u0387\u16eb\u2981\u2e31]+")
_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff]+")
_FORMER_NAME = re.compile(r"(?:[(（\[【](?:曾用名|原名|又名|别名)[^)）\]】]*[)）\]】]?)+$")
_PINYIN_DROP = re.compile(r"[^a-z0-9]")


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _canonical_once(name: str) -> str:
    s = unicodedata.normalize("NFKC", name)
    s = _SPACES.sub("", s)
    s = _FORMER_NAME.sub("", s)
    s = _DOTS.sub(MIDDLE_DOT, s).strip(MIDDLE_DOT)
    return _t2s().convert(s)


def canonical_name(name: str | None) -> str | None:
    """The canonical written form of one name (None for an empty name). Idempotent."""
    if name is None:
        return None
    s = name
    for _ in range(4):  # converge: conversions can expose another convertible form
        nxt = _canonical_once(s)
        if nxt == s:
            break
        s = nxt
    return s or None


def pinyin_key(name: str | None) -> str | None:
    """Toneless pinyin of a canonical name, letters only; characters without pinyin kept as-is."""
    if not name:
        return None
    syllables = lazy_pinyin(name.replace(MIDDLE_DOT, ""), style=Style.NORMAL, errors=lambda chars: list(chars))
    key = "".join(_PINYIN_DROP.sub("", s.lower()) if s.isascii() else s for s in syllables)
    return key or None


def normalize_names(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Add `{column}_norm` (canonical name) and `{column}_pinyin`, computed once per distinct name.

    The raw column is kept as evidence.
    """
    p = f"{column}_norm"
    k = f"{column}_pinyin"
    distinct = frame.select(pl.col(column).unique()).collect().to_series()
    raw = distinct.drop_nulls().to_list()
    canon = [canonical_name(n) for n in raw]
    keys = [pinyin_key(c) for c in canon]
    lookup = pl.LazyFrame(
        {column: raw, p: canon, k: keys},
        schema={column: pl.String, p: pl.String, k: pl.String},
    )
    return frame.join(lookup, on=column, how="left", maintain_order="left", nulls_equal=False)


def mask_name(name: str | None) -> str:
    """Surname plus one * per remaining character (the report and log form of a name)."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
