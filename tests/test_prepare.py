"""Normalisation stage: many files' ID numbers and names at once give what each file alone gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from crosscheck.catalog import load_catalog
from crosscheck.config import load_month_config
from crosscheck.normalize_id import normalize_id
from crosscheck.normalize_name import normalize_names, with_name_keys
from crosscheck.prepare import normalize_people, prepare, prepare_values
from crosscheck.read import read_table

COUNTY = Path(__file__).resolve().parent.parent / "fixtures" / "county-small" / "month.yaml"
LAST_DAY = dt.date(2023, 1, 31)


@pytest.fixture(scope="module")
def county_tables():
    config = load_month_config(COUNTY)
    return [read_table(config, key, kind, spec, extras=False) for key, kind, spec in config.inputs()]


def test_the_county_at_once_equals_each_file_alone(county_tables):
    catalog = load_catalog()
    alone = [prepare(t, catalog, LAST_DAY) for t in county_tables]
    values = [prepare_values(t, catalog) for t in county_tables]
    together = normalize_people([v.frame for v in values], LAST_DAY)
    assert len(together) == len(alone) == len(county_tables) > 10
    for a, v, frame in zip(alone, values, together):
        assert_frame_equal(frame, a.frame)
        assert_frame_equal(v.rejects, a.rejects)
        assert v.rows_read == a.rows_read == frame.height + a.rejects.height


def test_people_columns_follow_the_raw_number(county_tables):
    catalog = load_catalog()
    roster = next(t for t in county_tables if t.kind == "roster" and "payee_id_number" in t.frame.columns)
    frame = prepare(roster, catalog, LAST_DAY).frame
    at = frame.columns.index("id_raw")
    assert frame.columns[at + 1:at + 13] == [
        "id", "id_status", "id_birth", "id_key", "payee_id", "payee_id_status", "payee_id_birth", "payee_id_key",
        "name_norm", "name_pinyin", "payee_name_norm", "family"]
    for gone in ("id_number", "payee_id_number", "payee_name_pinyin", "id_sex", "id_region", "_id_number_excel"):
        assert gone not in frame.columns
    people = prepare(next(t for t in county_tables if t.kind == "household"), catalog, LAST_DAY).frame
    assert people.columns == ["_file", "_row", "household_no", "name", "relation", "address", "id_raw", "id",
                              "id_status", "id_birth", "id_key", "name_norm", "name_pinyin"]


def test_no_frames_and_empty_frames():
    assert normalize_people([], LAST_DAY) == []
    empty = pl.DataFrame(schema={"_file": pl.String, "_row": pl.Int64, "id_raw": pl.String, "name": pl.String})
    (out,) = normalize_people([empty], LAST_DAY)
    assert out.height == 0
    assert out.columns == ["_file", "_row", "id_raw", "id", "id_status", "id_birth", "id_key", "name_norm",
                           "name_pinyin", "name"]
    assert out.schema["id_birth"] == pl.Date and out.schema["id_key"] == pl.Int64


ID_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["43122119811220201X", "431221811220201", "4.31221E+17", " 43122119811220201x ", "abc", "",
                     "431221198102302015", "431221198112202012", "３４０５２４１９８００１０１００１Ｘ"]),
    st.text("0123456789X ", max_size=19),
)
NAMES = st.one_of(st.none(), st.sampled_from(["張偉", "李 四", "阿依古丽•买买提", "王五（曾用名王武）", ""]),
                  st.text("张伟王芳李娜劉強· （）曾用名", max_size=6))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(ID_VALUES, ID_VALUES, NAMES, NAMES), max_size=30), st.integers(0, 30), st.booleans())
def test_any_split_into_files_gives_the_same_people(rows, cut, payee_in_first):
    """Each value's result does not depend on the other values normalised with it."""
    frame = pl.DataFrame(rows, schema={"id_raw": pl.String, "payee_id_number": pl.String, "name": pl.String,
                                       "payee_name": pl.String}, orient="row")
    first, second = frame.head(cut), frame.slice(cut)
    if not payee_in_first:
        first = first.drop("payee_id_number", "payee_name")
    together = normalize_people([first, second], LAST_DAY)
    for part, got in zip((first, second), together):
        lf = normalize_id(part.lazy(), "id_raw", prefix="id", as_of=LAST_DAY, sex_and_region=False)
        if "payee_id_number" in part.columns:
            lf = normalize_id(lf, "payee_id_number", prefix="payee_id", as_of=LAST_DAY, sex_and_region=False)
        lf = normalize_names(lf, "name")
        if "payee_name" in part.columns:
            lf = normalize_names(lf, "payee_name").drop("payee_name_pinyin")
        expected = lf.drop("payee_id_number", strict=False).collect()
        assert_frame_equal(got, expected.select(got.columns))
        assert sorted(got.columns) == sorted(expected.columns)


def test_a_frame_given_twice_comes_out_twice(county_tables):
    values = prepare_values(next(t for t in county_tables if t.kind == "roster"), load_catalog()).frame
    first, second = normalize_people([values, values], LAST_DAY)
    assert_frame_equal(first, second)
    assert_frame_equal(first, normalize_people([values], LAST_DAY)[0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(ID_VALUES, NAMES), max_size=30), st.integers(0, 30))
def test_names_left_without_keys_get_the_same_keys_on_demand(rows, cut):
    """A frame flagged to keep its names without keys (户籍 in the monthly run) has none, the
    others theirs as before; the keys computed later for any of its rows are those it would have
    had (normalize_name.with_name_keys)."""
    frame = pl.DataFrame(rows, schema={"id_raw": pl.String, "name": pl.String}, orient="row")
    first, second = frame.head(cut), frame.slice(cut)
    keyed, bare = normalize_people([first, second], LAST_DAY, [True, False])
    full_first, full_second = normalize_people([first, second], LAST_DAY)
    assert_frame_equal(keyed, full_first)
    assert "name_norm" not in bare.columns and "name_pinyin" not in bare.columns
    assert_frame_equal(bare, full_second.drop("name_norm", "name_pinyin"))
    rows_reached = list(range(0, bare.height, 2))
    assert_frame_equal(with_name_keys(bare[rows_reached]).select(full_second.columns), full_second[rows_reached])
