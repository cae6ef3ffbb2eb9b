"""Generic comparison levels and blocking: symmetric, null first, the same pairs as a brute-force join."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from crosscheck.candidates import BlockingExplosion
from crosscheck.field_blocking import block_pairs, rule_columns
from crosscheck.field_compare import FieldSpec, clean_values, compare_fields

SPECS = [
    FieldSpec(name="name"),
    FieldSpec(name="code", measure="damerau_levenshtein", thresholds=[1, 2]),
    FieldSpec(name="dob", kind="date"),
    FieldSpec(name="num", kind="number", thresholds=[1, 5]),
    FieldSpec(name="flag", kind="exact"),
]

texts = st.one_of(st.none(), st.text(alphabet="abcde ", max_size=6))
dates = st.one_of(st.none(), st.sampled_from(["19800101", "19800102", "19810101", "19800201", "19800112",
                                              "19801201", "20010101", "bad", "1980011"]))
numbers = st.one_of(st.none(), st.sampled_from(["1", "2", "5", "7", "100", "x", "2.5"]))
rows = st.tuples(texts, texts, dates, numbers, st.one_of(st.none(), st.sampled_from(["y", "n"])))


def _pairs(left: list[tuple], right: list[tuple]) -> pl.DataFrame:
    cols = [s.name for s in SPECS]
    lf = clean_values(pl.DataFrame(left, schema=cols, orient="row"), cols)
    rf = clean_values(pl.DataFrame(right, schema=cols, orient="row"), cols)
    return pl.concat([lf.rename({c: f"l_{c}" for c in cols}), rf.rename({c: f"r_{c}" for c in cols})], how="horizontal")


def _levels(left: list[tuple], right: list[tuple]) -> list[tuple]:
    return compare_fields(_pairs(left, right), SPECS).select(f"{s.name}_level" for s in SPECS).rows()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(rows, rows), min_size=1, max_size=20))
def test_levels_are_symmetric_and_null_first(pairs) -> None:
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    forward, backward = _levels(left, right), _levels(right, left)
    assert forward == backward
    cleaned = _pairs(left, right)
    for i, levels in enumerate(forward):
        for spec, level in zip(SPECS, levels):
            assert level in spec.levels
            a, b = cleaned[f"l_{spec.name}"][i], cleaned[f"r_{spec.name}"][i]
            if spec.kind == "number":  # values that are not numbers are null
                a, b = (None if v is None or not v.replace(".", "", 1).isdigit() else float(v) for v in (a, b))
            if a is None or b is None:
                assert level == "null"
            elif a == b:
                assert level == "exact"


def test_levels_by_kind() -> None:
    left = [("michaela", "5304218", "19151111", "8", "y"), ("  Anna ", "1234567", "19800112", "10", None),
            ("john", "1234567", "19800102", "3", "y")]
    right = [("michafla", "5304281", "19151112", "9", "n"), ("anna", "1234576", "19801201", "x", "y"),
             ("zoe", "7654321", "19990102", "7", "y")]
    assert _levels(left, right) == [
        ("jw>=0.92", "dl<=1", "near", "diff<=1", "different"),
        ("exact", "dl<=1", "near", "null", "null"),          # strip + lower case; day and month swapped
        ("different", "different", "near", "diff<=5", "exact"),  # only the year differs
    ]
    assert SPECS[0].levels == ("null", "exact", "jw>=0.92", "jw>=0.8", "different")
    assert SPECS[2].levels == ("null", "exact", "near", "different")


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match="descending"):
        FieldSpec(name="a", thresholds=[0.8, 0.9])
    with pytest.raises(ValidationError, match="ascending"):
        FieldSpec(name="a", measure="damerau_levenshtein", thresholds=[2, 1])


keys = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
records = st.lists(st.tuples(keys, keys), max_size=12)
RULES = [["x"], ["x", "y"], ["x=y", "y=x"], ["y"]]


def _brute(left: list[tuple], right: list[tuple], rules: list[list[str]], self_link: bool) -> dict:
    out = {}
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            if self_link and i >= j:
                continue
            for rule in rules:
                lc, rc = rule_columns(rule)
                la = [dict(zip("xy", a))[c] for c in lc]
                rb = [dict(zip("xy", b))[c] for c in rc]
                la2 = [dict(zip("xy", b))[c] for c in lc]
                ra2 = [dict(zip("xy", a))[c] for c in rc]
                hit = None not in la and la == rb
                if self_link:  # a pair found either way round
                    hit = hit or (None not in la2 and la2 == ra2)
                if hit:
                    out[(i, j)] = "+".join(rule)
                    break
    return out


@settings(max_examples=150, deadline=None)
@given(records, records, st.permutations(RULES), st.booleans())
def test_blocking_equals_a_brute_force_join(left, right, rules, self_link) -> None:
    right = left if self_link else right
    frame = lambda rows: pl.DataFrame(rows, schema={"x": pl.String, "y": pl.String}, orient="row").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))
    got = block_pairs(frame(left), None if self_link else frame(right), rules)
    assert dict(zip(zip(got["l_key"], got["r_key"]), got["blocked_by"])) == _brute(left, right, rules, self_link)


def test_blocking_refuses_a_rule_over_the_limit() -> None:
    frame = pl.DataFrame({"x": ["same"] * 50, "_key": range(50)}, schema={"x": pl.String, "_key": pl.Int64})
    with pytest.raises(BlockingExplosion, match="'x' would build 2,500 candidate pairs"):
        block_pairs(frame, frame, [["x"]], max_pairs=1000)


def test_dates_with_separators_and_date_types() -> None:
    import datetime as dt

    spec = FieldSpec(name="d", kind="date")
    left = clean_values(pl.DataFrame({"d": [dt.date(1980, 1, 2), dt.date(1980, 1, 2), None]}), ["d"])
    right = pl.DataFrame({"d": ["1980-01-02", "1980/02/01", "19800102"]})
    pairs = pl.concat([left.rename({"d": "l_d"}), right.rename({"d": "r_d"})], how="horizontal")
    assert compare_fields(pairs, [spec])["d_level"].to_list() == ["exact", "near", "null"]


def test_link_settings_are_checked() -> None:
    from crosscheck.field_link import FieldLinkSettings

    with pytest.raises(ValidationError, match="named twice"):
        FieldLinkSettings(fields=[{"name": "a"}, {"name": "a"}], blocking=[["a"]])
    with pytest.raises(ValidationError, match="at least one column"):
        FieldLinkSettings(fields=[{"name": "a"}], blocking=[[]])
    with pytest.raises(ValidationError, match="at least one column"):
        FieldLinkSettings(fields=[{"name": "a"}], blocking=[["a="]])
