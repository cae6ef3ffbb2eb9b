"""The masking expressions agree with the plain functions, whatever the length of the value."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.masking import mask_id, mask_id_expr, mask_name, mask_name_expr

values = st.lists(st.one_of(st.none(), st.text(alphabet="0123456789X张王李欧阳 ab", max_size=22)), max_size=20)


@settings(max_examples=200, deadline=None)
@given(values)
def test_expressions_equal_the_functions(vals):
    frame = pl.DataFrame({"v": vals}, schema={"v": pl.String})
    out = frame.select(mask_id_expr(pl.col("v")).alias("id"), mask_name_expr(pl.col("v")).alias("name"))
    # the expressions leave a missing or empty value missing (callers fill in their own wording)
    assert out["id"].to_list() == [mask_id(v) or None for v in vals]
    assert out["name"].to_list() == [mask_name(v) or None for v in vals]


def test_id_keeps_first_six_and_last_four():
    assert mask_id("43122119800101001X") == "431221********001X"
    assert mask_id("431221800101001") == "431221*****1001"


def test_short_values_never_leak_more_than_two_characters():
    assert mask_id("1234567") == "12*****"
    assert mask_id("a") == "a"
    assert mask_name("张") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
