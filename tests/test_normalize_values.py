"""Dates, amounts, account numbers, phones, yes/no flags and program labels."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from crosscheck.catalog import load_catalog
from crosscheck.normalize_values import (
    BOM,
    blank_to_null,
    digits_only,
    is_unparseable,
    parse_amount,
    parse_date,
    parse_phone,
    parse_program,
    parse_yes_no,
    per_distinct,
    program_lookup,
    without_marks,
)

D = dt.date(2022, 12, 1)


def parsed(parser, raws: list[str | None], dtype: pl.DataType) -> pl.DataFrame:
    """raw, parsed value and is_unparseable for a list of raw strings."""
    frame = pl.DataFrame({"raw": raws}, schema={"raw": pl.String})
    return frame.with_columns(
        parser(pl.col("raw")).alias("value"),
        is_unparseable(pl.col("raw"), parser(pl.col("raw"))).alias("bad"),
    ).cast({"value": dtype})


def expect(raws, values, bad, dtype) -> pl.DataFrame:
    return pl.DataFrame(
        {"raw": raws, "value": values, "bad": bad},
        schema={"raw": pl.String, "value": dtype, "bad": pl.Boolean},
    )


# ------------------------------------------------------------------------------------ blank_to_null


def test_blank_to_null():
    frame = pl.DataFrame({"raw": [" a ", "", "  ", "\u3000", "\t\r\n", None, "a b", "\u3000c\u00a0", " 2022-01-01",
                                  "\u2003张三\u202f", "\x0b\x0c\x85x\u2028\u2029", "\u205f\u1680"]})
    got = frame.select(blank_to_null(pl.col("raw")).alias("v"))["v"]
    assert_series_equal(got, pl.Series("v", ["a", None, None, None, None, None, "a b", "c", "2022-01-01", "张三",
                                             "x", None]))


# Unicode's White_Space, as Rust's `str::trim` (Polars' default strip) knows it
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(WHITE_SPACE + BOM + "张a1·\u200b\x1c"),
                                             max_size=8)), max_size=30))
def test_marks_removed_then_trimmed_is_the_old_trim_of_marks_and_spaces(values):
    """A value read (marks removed by `without_marks`) and trimmed (`blank_to_null`) is the value
    with its marks dropped, trimmed of white space, null when nothing is left; the result does not
    depend on which other values hold a mark."""
    frame = pl.DataFrame({"raw": values, "other": ["\ufeff"] * len(values)}, schema={"raw": pl.String, "other": pl.String})
    cleaned = without_marks(frame, ["raw", "other"])
    got = cleaned.select(blank_to_null(pl.col("raw")))["raw"].to_list()
    expected = [None if v is None or not v.replace(BOM, "").strip(WHITE_SPACE) else v.replace(BOM, "").strip(WHITE_SPACE)
                for v in values]
    assert got == expected
    assert cleaned["other"].to_list() == [""] * len(values)
    assert without_marks(frame, ["raw"], maybe=False) is frame  # the caller knows there is none


def test_without_marks_leaves_other_columns_and_types_alone():
    frame = pl.DataFrame({"a": ["\ufeffx"], "b": ["\ufeffy"], "n": [1]})
    assert without_marks(frame, ["a", "n"]).rows() == [("x", "\ufeffy", 1)]


# ---------------------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    "raw",
    [
        "2022-12-01",
        "2022/12/1",
        "2022.12.1",
        "20221201",
        "2022年12月1日",
        "2022年12月01日",
        "2022 年 12 月 1 日",
        "2022-12-01 00:00:00",
        "2022-12-01T08:30:00",
        "2022/12/01 13:45",
        "44896",  # Excel serial number of 2022-12-01
        "44896.0",
        " 2022-12-01 ",
        "\u30002022-12-01",
        "２０２２-１２-０１",  # full-width digits
        "2022-12-1",
        "2022/12/01",
    ],
)
def test_parse_date_formats(raw):
    assert_frame_equal(parsed(parse_date, [raw], pl.Date), expect([raw], [D], [False], pl.Date))


def test_parse_date_table():
    raws = [
        "2022-02-28", "2020-02-29", "2022-02-30", "2021-02-29", "20220230", "2022-13-01", "2022-00-10",
        "2022年2月30日", "abc", "待定", "99999", "1", "", "   ", None, "1899-12-31", "2022-1-5",
        "2022-12-01 00:00:00", "36526", "2022/12/31",
    ]
    values = [
        dt.date(2022, 2, 28), dt.date(2020, 2, 29), None, None, None, None, None,
        None, None, None, None, None, None, None, None, dt.date(1899, 12, 31), dt.date(2022, 1, 5),
        D, dt.date(2000, 1, 1), dt.date(2022, 12, 31),
    ]
    bad = [
        False, False, True, True, True, True, True,
        True, True, True, True, True, False, False, False, False, False,
        False, False, False,
    ]
    assert_frame_equal(parsed(parse_date, raws, pl.Date), expect(raws, values, bad, pl.Date))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), min_size=1, max_size=50),
       st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d 00:00:00"]))
def test_parse_date_round_trips_formatted_dates(dates, fmt):
    raws = [d.strftime(fmt) for d in dates]
    assert_frame_equal(parsed(parse_date, raws, pl.Date), expect(raws, dates, [False] * len(dates), pl.Date))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.dates(dt.date(1927, 5, 19), dt.date(2119, 1, 8)), min_size=1, max_size=50))
def test_parse_date_excel_serials(dates):
    """Five-digit serials (10000..79999) count days from 1899-12-30."""
    serials = [(d - dt.date(1899, 12, 30)).days for d in dates]
    raws = [str(n) for n in serials]
    expected_dates = [d if 10000 <= n < 80000 else None for d, n in zip(dates, serials)]
    bad = [v is None for v in expected_dates]
    assert_frame_equal(parsed(parse_date, raws, pl.Date), expect(raws, expected_dates, bad, pl.Date))


# -------------------------------------------------------------------------------------- parse_amount


def test_parse_amount_table():
    raws = [
        "501", "501.00", "501元", "1,200", "￥1,200.5", "¥385", "1，200.5", " 600 ", "５０１", "501．5",
        "RMB 100", "人民币100元", "-5", "0", "待定", "abc", "5-1", "1.2.3", "", "  ", None,
    ]
    values = [
        501.0, 501.0, 501.0, 1200.0, 1200.5, 385.0, 1200.5, 600.0, 501.0, 501.5,
        100.0, 100.0, -5.0, 0.0, None, None, None, None, None, None, None,
    ]
    bad = [False] * 14 + [True] * 4 + [False] * 3
    assert_frame_equal(parsed(parse_amount, raws, pl.Float64), expect(raws, values, bad, pl.Float64))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=50),
       st.sampled_from(["{:d}", "{:d}.00", "{:d}元", "{:,d}", "￥{:,d}", "{:,d}.50"]))
def test_parse_amount_formats(amounts, fmt):
    raws = [fmt.format(a) for a in amounts]
    values = [a + (0.5 if fmt.endswith(".50") else 0.0) for a in amounts]
    assert_frame_equal(
        parsed(parse_amount, raws, pl.Float64), expect(raws, values, [False] * len(raws), pl.Float64)
    )


# -------------------------------------------------------------------------------------- digits_only


def test_digits_only_and_phone():
    raws = ["6215 0000-0000 0001", "６２１５ ０００１", "6215000000000003", "", "  ", None, "abc", "卡号:123",
            "+86 138 0013 8000", "0086-13800138000", "86 0731 1234567", "0745-2345678"]
    frame = pl.DataFrame({"raw": raws})
    got = frame.select(digits_only(pl.col("raw")).alias("d"), parse_phone(pl.col("raw")).alias("p"))
    expected_digits = ["6215000000000001", "62150001", "6215000000000003", None, None, None, None, "123",
                       "8613800138000", "008613800138000", "8607311234567", "07452345678"]
    expected_phone = expected_digits[:8] + ["13800138000", "13800138000", "8607311234567", "07452345678"]
    assert_frame_equal(
        got,
        pl.DataFrame({"d": expected_digits, "p": expected_phone}, schema={"d": pl.String, "p": pl.String}),
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="0123456789 -\u3000０１２３４５６７８９", max_size=25), min_size=1, max_size=30))
def test_digits_only_keeps_the_digits_in_order(raws):
    got = pl.DataFrame({"raw": raws}).select(digits_only(pl.col("raw")).alias("d"))["d"].to_list()
    expected = []
    for r in raws:
        ds = "".join(str(ord(c) - 0xFF10) if "\uff10" <= c <= "\uff19" else c for c in r if c.isdigit())
        expected.append(ds or None)
    assert got == expected


def test_digits_only_output_is_ascii():
    got = pl.DataFrame({"raw": ["62\u06615"]}).select(digits_only(pl.col("raw")).alias("d"))["d"].to_list()
    assert got[0] is None or got[0].isascii()


# ------------------------------------------------------------------------------------- parse_yes_no


def test_parse_yes_no():
    raws = ["是", "Y", "y", "yes", "YES", "Yes", "true", "1", "已备案", "备案", " 是 ",
            "否", "N", "no", "NO", "false", "0", "未备案", "\u3000否",
            "", "  ", None, "不知道", "2", "是否"]
    values = [True] * 11 + [False] * 8 + [None] * 6
    frame = pl.DataFrame({"raw": raws})
    got = frame.select(parse_yes_no(pl.col("raw")).alias("v"))["v"]
    assert_series_equal(got, pl.Series("v", values, dtype=pl.Boolean))


# ------------------------------------------------------------------------------------ parse_program


@pytest.fixture(scope="module")
def lookup() -> dict[str, str]:
    return program_lookup(load_catalog().programs)


def test_program_lookup_covers_every_label_alias_and_code(lookup):
    programs = load_catalog().programs
    assert len(programs) == 10
    for p in programs:
        assert lookup[p.code] == p.code
        assert lookup[p.label.replace("（", "(").replace("）", ")")] == p.code
        for alias in p.aliases:
            assert lookup[alias] == p.code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("城市低保", "urban_dibao"),
        ("农村低保", "rural_dibao"),
        ("特困供养(集中)", "tekun_centralized"),
        ("特困供养（集中）", "tekun_centralized"),
        ("特困供养(分散)", "tekun_dispersed"),
        ("特困供养（分散）", "tekun_dispersed"),
        ("特困供养 （分散）", "tekun_dispersed"),
        ("困难残疾人生活补贴", "disability_living"),
        ("重度残疾人护理补贴", "disability_care"),
        ("孤儿基本生活费", "orphan"),
        ("事实无人抚养儿童生活费", "de_facto_orphan"),
        ("高龄津贴", "elderly_allowance"),
        ("百岁老人长寿保健金", "centenarian"),
        # aliases
        ("城市居民最低生活保障", "urban_dibao"),
        ("农村最低生活保障", "rural_dibao"),
        ("分散供养", "tekun_dispersed"),
        ("集中供养特困", "tekun_centralized"),
        ("孤儿", "orphan"),
        ("长寿保健金", "centenarian"),
        # codes
        ("urban_dibao", "urban_dibao"),
        ("tekun_dispersed", "tekun_dispersed"),
        ("de_facto_orphan", "de_facto_orphan"),
        # spaces
        (" 农村 低保 ", "rural_dibao"),
        ("农村\u3000低保", "rural_dibao"),
        # unknown or empty
        ("低保", None),
        ("特困", None),
        ("城市低保2", None),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_program(lookup, raw, code):
    frame = pl.DataFrame({"raw": [raw]}, schema={"raw": pl.String})
    got = frame.select(parse_program(pl.col("raw"), lookup).alias("p"))["p"]
    assert_series_equal(got, pl.Series("p", [code], dtype=pl.String))


def test_parse_program_column(lookup):
    raws = ["城市低保", None, "特困供养（分散）", "bogus", "orphan", "城市低保"]
    frame = pl.DataFrame({"raw": raws})
    got = frame.select(parse_program(pl.col("raw"), lookup).alias("p"))["p"]
    assert_series_equal(got, pl.Series("p", ["urban_dibao", None, "tekun_dispersed", None, "orphan", "urban_dibao"]))


def test_placeholder_accounts_are_no_account():
    from crosscheck.normalize_values import account_number

    raw = pl.Series("a", ["6217 0000 1111 2222", "0", "000000", "111111111", "12345", "6.2e18", " 6217-0000-1111-2223 ",
                          None, ""])
    got = pl.select(account_number(pl.lit(raw))).to_series().to_list()
    assert got == ["6217000011112222", None, None, None, None, None, "6217000011112223", None, None]


_DATE_LIKE = st.one_of(st.none(), st.sampled_from(["2022-11-03", "2022/1/5", "20221201", "44896", "2022年12月1日", "", " ",
                                                  "2022-02-30", "abc", "１９８０-０１-０１"]),
                       st.dates(dt.date(1900, 1, 1), dt.date(2030, 1, 1)).map(str))
_AMOUNT_LIKE = st.one_of(st.none(), st.sampled_from(["385", "501.00", "385元", "￥1,200", "1，200.5", "", "abc", "-5", "1e3"]),
                         st.integers(0, 2000).map(str))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_DATE_LIKE, _AMOUNT_LIKE, st.sampled_from(["城市低保", "农村低保", "特困", "高龄津贴", "x"])),
                min_size=1, max_size=40), st.integers(1, 8))
def test_parsing_once_per_distinct_value_equals_parsing_every_row(values, repeat):
    lookup = program_lookup(load_catalog().programs)
    frame = pl.DataFrame({"raw": values * repeat}, schema={"raw": pl.String})  # repeated: the distinct path
    for parser, dtype in ((parse_date, pl.Date), (parse_amount, pl.Float64),
                          (lambda e: parse_program(e, lookup), pl.String)):
        every = frame.select(parser(pl.col("raw")).alias("v"))
        once = frame.select(per_distinct(parser, dtype)(pl.col("raw")).alias("v"))
        assert_frame_equal(once, every)


@pytest.mark.parametrize("where", [0, 1, 2_345, 4_999])
def test_marks_are_found_in_any_slice_of_a_column_joined_slice_by_slice(monkeypatch, where):
    import crosscheck.normalize_values as values

    monkeypatch.setattr(values, "_JOINED_BYTES", 1_000)  # about 110 values of 9 bytes per slice
    frame = pl.DataFrame({"name": [f"张{i:08d}" for i in range(5_000)], "other": ["x"] * 5_000})
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == where).then(pl.col("name") + BOM)
                               .otherwise(pl.col("name")).alias("name"))
    out = without_marks(frame, ["name", "other"])
    assert out["name"].to_list() == [f"张{i:08d}" for i in range(5_000)]
    assert out["other"].to_list() == ["x"] * 5_000
