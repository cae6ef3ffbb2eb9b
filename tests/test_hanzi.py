"""The committed character table is what OpenCC and pypinyin say, character by character."""

from __future__ import annotations

import os

import pytest

from crosscheck import hanzi
from crosscheck.normalize_name import canonical_name, pinyin_key


@pytest.fixture(scope="module")
def generated():
    return hanzi.generate()


def test_table_matches_the_installed_libraries(generated):
    """Fails when a new OpenCC or pypinyin release answers differently: regenerate the table with
    `python -m crosscheck.hanzi` and commit it."""
    simple, readings = generated
    committed = hanzi.tables()
    assert committed[0] == simple
    assert committed[1] == readings


def test_rendered_table_is_the_committed_file(generated):
    """Byte for byte but the version line (a library release may change nothing)."""
    assert hanzi.render(*generated).split("\n")[1:] == hanzi.TABLE.read_text(encoding="utf-8").split("\n")[1:]


def test_lookups_agree_with_the_libraries_on_names():
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    import opencc
    from pypinyin import Style, lazy_pinyin

    t2s = opencc.OpenCC("t2s")
    for ch in "張偉陳劉趙灣龍〇丢㐀𠀀a·":
        assert hanzi.simplified(ch) == t2s.convert(ch)
    for ch in "张伟陈刘赵湾龙〇㐀𠀀":
        assert hanzi.pinyin(ch) == lazy_pinyin(ch, style=Style.NORMAL, errors=lambda chars: list(chars))[0]
    assert canonical_name("張 偉") == "张伟"
    assert pinyin_key("张伟") == pinyin_key("章伟") == "zhangwei"


def test_the_run_does_not_import_the_libraries():
    """The point of the table: names are normalised without importing pypinyin or OpenCC."""
    import subprocess
    import sys

    code = ("import sys, polars as pl; from crosscheck.normalize_name import normalize_names; "
            "normalize_names(pl.LazyFrame({'n': ['張偉', '李·娜']}), 'n').collect(); "
            "print(any(m.split('.')[0] in ('pypinyin', 'opencc') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_code_point_reads_as_the_libraries_say():
    """Not only the characters `generate` looks at: every non-ASCII code point but the surrogates
    gets pypinyin's reading (or itself), so no character outside pypinyin's dictionary is missed."""
    from pypinyin import Style, lazy_pinyin

    def reading(ch: str) -> str:
        return lazy_pinyin(ch, style=Style.NORMAL, errors=lambda chars: list(chars))[0]

    differ = [hex(cp) for cp in range(0x80, 0x110000)
              if not 0xD800 <= cp <= 0xDFFF and hanzi.pinyin(chr(cp)) != reading(chr(cp))]
    assert differ == []
