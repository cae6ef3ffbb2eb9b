"""Chinese personal names: canonical written form, pinyin key, per-distinct-value normalisation, masking."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from crosscheck.normalize_name import MIDDLE_DOT, canonical_name, mask_name, normalize_names, pinyin_key

TRADITIONAL = "張偉劉德華陳東龍鳳國藝門開關"
SIMPLIFIED = "张伟刘德华陈东龙凤国艺门开关"
TRADITIONAL_ONLY = set(TRADITIONAL) - set(SIMPLIFIED)  # 德 and 华 are the same in both
DOT_VARIANTS = ["•", "・", "‧", "．", ".", "·", "∙", "⋅", "･", "·"]
SPACES = [" ", "\u3000", "\u00a0", "\t", "\u200b", "\ufeff"]

# text a clerk might type: CJK (simplified and traditional), spaces, middle dots, ASCII letters
name_chars = st.one_of(
    st.sampled_from(TRADITIONAL + SIMPLIFIED + "李王章阿卜杜热合曼买买提"),
    st.sampled_from(SPACES),
    st.sampled_from(DOT_VARIANTS),
    st.sampled_from("ABCXYZabcxyz"),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
)
names = st.lists(name_chars, max_size=12).map("".join)
# the same without arbitrary CJK code points (some rare ones have no pinyin in pypinyin's tables)
common_names = st.lists(
    st.one_of(
        st.sampled_from(TRADITIONAL + SIMPLIFIED + "李王章阿卜杜热合曼买买提"),
        st.sampled_from(SPACES),
        st.sampled_from(DOT_VARIANTS),
        st.sampled_from("ABCXYZabcxyz"),
    ),
    max_size=12,
).map("".join)


# --------------------------------------------------------------------------------- canonical_name


@settings(max_examples=300, deadline=None)
@given(names)
def test_canonical_name_is_idempotent(name):
    once = canonical_name(name)
    assert canonical_name(once) == once


@settings(max_examples=300, deadline=None)
@given(names)
def test_canonical_name_has_no_spaces_no_dot_variants_and_no_edge_dots(name):
    c = canonical_name(name)
    if c is None:
        return
    assert c != ""
    assert not any(ch.isspace() or ch in "\u3000\u200b\ufeff" for ch in c)
    assert not any(d in c for d in DOT_VARIANTS if d != MIDDLE_DOT)
    assert not c.startswith(MIDDLE_DOT) and not c.endswith(MIDDLE_DOT)
    assert MIDDLE_DOT * 2 not in c
    assert not any(ch in TRADITIONAL_ONLY for ch in c)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_canonical_name_is_idempotent_on_any_text(name):
    once = canonical_name(name)
    assert canonical_name(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("張偉", "张伟"),
        ("劉德華", "刘德华"),
        (TRADITIONAL, SIMPLIFIED),
        ("张伟", "张伟"),
        ("张 伟", "张伟"),
        (" 张伟 ", "张伟"),
        ("张\u3000伟", "张伟"),
        ("张\u200b伟", "张伟"),
        ("\ufeff张伟", "张伟"),
        ("张伟（曾用名张三）", "张伟"),
        ("张伟(曾用名张三)", "张伟"),
        ("张伟 （曾用名：张三）", "张伟"),
        ("张伟（原名张三）", "张伟"),
        ("张伟【又名张三】", "张伟"),
        ("张伟(别名张三", "张伟"),
        ("曾用名张三", "曾用名张三"),  # not a bracketed note: kept
        ("ＡＢＣ", "ABC"),  # NFKC: full-width letters
        ("·张伟·", "张伟"),
        ("", None),
        ("   ", None),
        ("\u3000", None),
        ("．", None),
        (None, None),
    ],
)
def test_canonical_name_examples(raw, expected):
    assert canonical_name(raw) == expected


@pytest.mark.parametrize("dot", ["•", "・", "‧", "．", ".", "∙", "⋅", "･", "·", "·"])
def test_every_middle_dot_variant_becomes_u00b7(dot):
    assert canonical_name(f"阿卜杜{dot}热合曼") == "阿卜杜\u00b7热合曼"
    assert canonical_name(f"阿卜杜 {dot} 热合曼") == "阿卜杜\u00b7热合曼"
    assert canonical_name(f"阿卜杜{dot}{dot}热合曼") == "阿卜杜\u00b7热合曼"


def test_mixed_traditional_spaces_and_dots():
    assert canonical_name("買買提 • 艾力（曾用名買買提）") == "买买提\u00b7艾力"


def test_canonical_name_idempotent_with_many_former_name_notes():
    raw = "张伟(曾用名张三)(曾用名张四)(曾用名张五)(曾用名张六)(曾用名张七)"
    once = canonical_name(raw)
    assert canonical_name(once) == once
    assert once == "张伟"


# ------------------------------------------------------------------------------------ pinyin_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("张伟", "zhangwei"),
        ("章伟", "zhangwei"),
        ("刘德华", "liudehua"),
        ("阿卜杜\u00b7热合曼", "abodureheman"),
        ("ABC", "abc"),
        ("", None),
        (None, None),
    ],
)
def test_pinyin_key_examples(name, key):
    assert pinyin_key(name) == key


def test_homophones_share_a_key_and_traditional_matches_simplified():
    assert pinyin_key("张伟") == pinyin_key("章伟") == pinyin_key(canonical_name("張偉")) == "zhangwei"
    assert pinyin_key("张伟") != pinyin_key("张玮x")


@settings(max_examples=200, deadline=None)
@given(common_names)
def test_pinyin_key_of_a_canonical_name_is_lowercase_ascii_without_separators(name):
    c = canonical_name(name)
    key = pinyin_key(c)
    if c is None:
        assert key is None
        return
    # every character of the test alphabet has pinyin, so the key is plain letters
    assert key is not None
    assert key.isascii() and key.isalpha() and key == key.lower(), key


# ------------------------------------------------------------------------------- normalize_names


def expected_names(raws: list[str | None], extra: list[int]) -> pl.DataFrame:
    canon = [canonical_name(r) for r in raws]
    return pl.DataFrame(
        {
            "k": extra,
            "name": raws,
            "name_norm": canon,
            "name_pinyin": [pinyin_key(c) for c in canon],
        },
        schema={"k": pl.Int64, "name": pl.String, "name_norm": pl.String, "name_pinyin": pl.String},
    )


def test_normalize_names_matches_row_by_row():
    raws = ["張偉", None, "张伟", "張偉", "章伟", "  ", None, "阿卜杜•热合曼", "张伟（曾用名张三）", "張偉", ""]
    frame = pl.LazyFrame({"k": list(range(len(raws))), "name": raws}, schema={"k": pl.Int64, "name": pl.String})
    out = normalize_names(frame, "name")
    assert isinstance(out, pl.LazyFrame)
    got = out.collect()
    assert_frame_equal(got, expected_names(raws, list(range(len(raws)))))
    assert got["name_norm"].to_list() == [
        "张伟", None, "张伟", "张伟", "章伟", None, None, "阿卜杜·热合曼", "张伟", "张伟", None,
    ]
    assert got["name_pinyin"].to_list()[:5] == ["zhangwei", None, "zhangwei", "zhangwei", "zhangwei"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["張偉", "张伟", "章伟", " 李 四", "阿卜杜・热合曼", ""]), names),
                min_size=0, max_size=60))
def test_normalize_names_property(raws):
    frame = pl.LazyFrame({"k": list(range(len(raws))), "name": raws}, schema={"k": pl.Int64, "name": pl.String})
    got = normalize_names(frame, "name").collect()
    assert_frame_equal(got, expected_names(raws, list(range(len(raws)))))


def test_normalize_names_other_column_name_and_all_null():
    frame = pl.LazyFrame({"payee_name": [None, None]}, schema={"payee_name": pl.String})
    got = normalize_names(frame, "payee_name").collect()
    assert_frame_equal(
        got,
        pl.DataFrame(
            {"payee_name": [None, None], "payee_name_norm": [None, None], "payee_name_pinyin": [None, None]},
            schema={"payee_name": pl.String, "payee_name_norm": pl.String, "payee_name_pinyin": pl.String},
        ),
    )


def test_normalize_names_large_frame_keeps_order():
    base = ["張偉", "李四", None, "章伟", "王 五"]
    raws = [base[i % 5] for i in range(50_000)]
    frame = pl.LazyFrame({"k": list(range(len(raws))), "name": raws}, schema={"k": pl.Int64, "name": pl.String})
    got = normalize_names(frame, "name").collect()
    assert_frame_equal(got, expected_names(raws, list(range(len(raws)))))


# ---------------------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张伟", "张*"),
        ("张", "张*"),
        ("刘德华", "刘**"),
        ("欧阳娜娜", "欧***"),
        ("阿卜杜·热合曼", "阿******"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked
