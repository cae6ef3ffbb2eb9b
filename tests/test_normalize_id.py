"""Resident ID numbers: check character, 15 <-> 18 conversion, statuses, birth/sex/region, age."""

from __future__ import annotations

import datetime as dt
import random
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from crosscheck.normalize_id import (
    CHECK_CHARS,
    INVALID_STATUSES,
    USABLE_STATUSES,
    WEIGHTS,
    age_on,
    aged_at_least,
    check_digit,
    check_digit_expr,
    normalize_id,
    to_15,
    to_18,
)

AS_OF = dt.date(2022, 12, 31)
WORKED = "34052419800101001X"  # the contract's worked example
FIXED_VALID = [
    WORKED,
    "11010519491231002X",  # GB 11643-1999 appendix example
    "440524188001010014",  # GB 11643-1999 appendix example (born 1880)
    "431221194503120218",
    "000000190001010009",
]
STATUS_COLUMNS = ("id", "id_status", "id_birth", "id_sex", "id_region")
ASCII_ID = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


# ---------------------------------------------------------------------------------------- helpers


def normalise(values, *, as_of: dt.date = AS_OF, excel: list[bool | None] | None = None) -> pl.DataFrame:
    """normalize_id over a list of raw strings; returns raw plus the five output columns."""
    data: dict[str, list] = {"raw": list(values)}
    schema: dict[str, pl.DataType] = {"raw": pl.String}
    if excel is not None:
        data["excel"] = excel
        schema["excel"] = pl.Boolean
    frame = pl.DataFrame(data, schema=schema)
    out = normalize_id(frame, "raw", prefix="id", excel_flag="excel" if excel is not None else None, as_of=as_of)
    return out.drop("id_key")  # the integer form has tests of its own


def one(raw: str | None, **kw) -> dict:
    return normalise([raw], **kw).row(0, named=True)


def real_date(yyyymmdd: str) -> dt.date | None:
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def reference_check(body17: str) -> str:
    """An independent implementation: ISO 7064 MOD 11-2, weights 2^(17-i) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body17))
    return "0123456789X"[(12 - total % 11) % 11]


regions = st.integers(0, 999_999).map(lambda n: f"{n:06d}")
sequences = st.integers(0, 999)
births = st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31))
bodies17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@st.composite
def valid_ids(draw) -> str:
    body = draw(regions) + draw(births).strftime("%Y%m%d") + f"{draw(sequences):03d}"
    return body + check_digit(body)


@st.composite
def legacy15_ids(draw) -> str:
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)))
    return draw(regions) + birth.strftime("%y%m%d") + f"{draw(sequences):03d}"


def substitutions(id18: str) -> list[str]:
    """Every single-character substitution (digits everywhere, X too) at each of the 18 positions."""
    out = []
    for i, ch in enumerate(id18):
        for new in "0123456789X":
            if new != ch:
                out.append(id18[:i] + new + id18[i + 1 :])
    return out


def adjacent_swaps(id18: str) -> list[str]:
    return [
        id18[:i] + id18[i + 1] + id18[i] + id18[i + 2 :]
        for i in range(len(id18) - 1)
        if id18[i] != id18[i + 1]
    ]


# ---------------------------------------------------------------------------------- check character


def test_constants():
    assert WEIGHTS == tuple(pow(2, 17 - i, 11) for i in range(17))
    assert CHECK_CHARS == "10X98765432"
    assert set(USABLE_STATUSES) == {"valid", "legacy15"}
    assert set(USABLE_STATUSES).isdisjoint(INVALID_STATUSES)


@pytest.mark.parametrize("id18", FIXED_VALID)
def test_known_check_characters(id18):
    assert check_digit(id18[:17]) == id18[17]


def test_worked_example_is_valid():
    assert one(WORKED) == {
        "raw": WORKED,
        "id": WORKED,
        "id_status": "valid",
        "id_birth": dt.date(1980, 1, 1),
        "id_sex": "M",
        "id_region": "340524",
    }


@pytest.mark.parametrize("bad", ["", "1234567890123456", "123456789012345678", "1234567890123456X"])
def test_check_digit_rejects_non_bodies(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


@settings(max_examples=300, deadline=None)
@given(bodies17)
def test_check_digit_matches_reference(body):
    assert check_digit(body) == reference_check(body)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(bodies17, valid_ids().map(lambda s: s[:17])), min_size=1, max_size=100))
def test_any_body_with_its_check_digit_is_valid_or_bad_date(bodies):
    """The check character never disagrees; the status depends only on the birth date."""
    out = normalise([b + check_digit(b) for b in bodies])
    for body, (number, status, birth) in zip(bodies, out.select("id", "id_status", "id_birth").iter_rows()):
        real = real_date(body[6:14])
        plausible = real is not None and dt.date(1880, 1, 1) <= real <= AS_OF
        assert status == ("valid" if plausible else "bad_date"), body
        assert number == body + check_digit(body)
        assert birth == (real if plausible else None)


@settings(max_examples=30, deadline=None)
@given(st.lists(valid_ids(), min_size=1, max_size=100))
def test_generated_ids_are_valid(ids):
    out = normalise(ids)
    expected = pl.DataFrame(
        {
            "raw": ids,
            "id": ids,
            "id_status": ["valid"] * len(ids),
            "id_birth": [real_date(s[6:14]) for s in ids],
            "id_sex": ["M" if int(s[16]) % 2 == 1 else "F" for s in ids],
            "id_region": [s[:6] for s in ids],
        },
        schema=out.schema,
    )
    assert_frame_equal(out, expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(bodies17, min_size=1, max_size=300))
def test_check_digit_expr_agrees_with_python(bodies):
    got = pl.Series("b", bodies).to_frame().select(check_digit_expr(pl.col("b")).alias("c"))["c"]
    assert_series_equal(got, pl.Series("c", [check_digit(b) for b in bodies], dtype=pl.String))


def test_check_digit_expr_agrees_on_many_random_bodies():
    rng = random.Random(11643)
    bodies = ["".join(rng.choices("0123456789", k=17)) for _ in range(20_000)]
    got = pl.DataFrame({"b": bodies}).select(check_digit_expr(pl.col("b")).alias("c"))["c"]
    assert_series_equal(got, pl.Series("c", [check_digit(b) for b in bodies], dtype=pl.String))
    # every one of the 11 check characters occurs
    assert set(got.to_list()) == set(CHECK_CHARS)


def test_chunk_tables_hold_every_chunk_values_weighted_digit_sum():
    """The three look-up tables, built from one (the weights are powers of two), against the
    definition digit by digit, for every value of every chunk."""
    from crosscheck.normalize_id import _chunk_tables

    hi = 17
    for (divisor, modulus, table), width in zip(_chunk_tables(), (6, 6, 5)):
        lo = hi - width
        assert (divisor, modulus, table.dtype, table.len()) == (10 ** (17 - hi), 10**width, pl.UInt8, 10**width)
        x = pl.int_range(10**width, dtype=pl.Int64, eager=True)
        expected = sum((x // 10 ** (width - 1 - j) % 10) * WEIGHTS[lo + j] for j in range(width)) % 11
        assert_series_equal(table.cast(pl.Int64), expected, check_names=False)
        hi = lo


def test_check_digit_expr_null_for_non_bodies():
    frame = pl.DataFrame({"b": ["3405241980010100", "340524198001010011", "3405241980010100X", None, "", "34052419800101001"]})
    got = frame.select(check_digit_expr(pl.col("b")).alias("c"))["c"]
    assert_series_equal(got, pl.Series("c", [None, None, None, None, None, "X"], dtype=pl.String))


# ------------------------------------------------------------------------------- error detection


def assert_all_detected(ids: list[str]) -> None:
    variants = [v for id18 in ids for v in substitutions(id18) + adjacent_swaps(id18)]
    out = normalise(list(ids) + variants)
    assert out["id_status"].head(len(ids)).to_list() == ["valid"] * len(ids)
    slipped = out.slice(len(ids)).filter(pl.col("id_status") == "valid")
    assert slipped.height == 0, f"undetected variants {slipped['raw'].to_list()}"


@settings(max_examples=30, deadline=None)
@given(st.lists(valid_ids(), min_size=1, max_size=10))
def test_every_substitution_and_adjacent_swap_is_detected(ids):
    assert_all_detected(ids)


@pytest.mark.parametrize("id18", FIXED_VALID)
def test_every_substitution_and_adjacent_swap_is_detected_fixed(id18):
    assert len(substitutions(id18)) == 18 * 10
    assert_all_detected([id18])


def test_substitution_statuses_for_worked_example():
    """A digit typo in the check, region or sequence part is bad_check; X inside the body is malformed."""
    out = normalise(substitutions(WORKED)).select("raw", "id_status")
    statuses = dict(out.iter_rows())
    assert statuses["34052419800101001" + "0"] == "bad_check"
    assert statuses["44052419800101001X"] == "bad_check"  # region typo
    assert statuses["34052419800101002X"] == "bad_check"  # sequence typo
    assert statuses["34052419800131001X"] == "bad_check"  # 1980-01-31 is a real date
    assert statuses["34052419800141001X"] == "bad_date"  # 1980-01-41
    assert statuses["34052419801101001X"] == "bad_check"  # 1980-11-01 is a real date
    assert statuses["X4052419800101001X"] == "malformed"
    assert set(statuses.values()) <= {"bad_check", "bad_date", "malformed"}


# -------------------------------------------------------------------------------- 15 <-> 18 digits


@settings(max_examples=30, deadline=None)
@given(st.lists(legacy15_ids(), min_size=1, max_size=50))
def test_15_18_15_round_trip(ids15):
    ids18 = [to_18(s) for s in ids15]
    for id15, id18 in zip(ids15, ids18):
        assert len(id18) == 18
        assert id18[6:8] == "19"
        assert id18[17] == check_digit(id18[:17])
        assert to_15(id18) == id15
    out = normalise(ids15 + ids18)
    legacy, converted = out.head(len(ids15)), out.tail(len(ids18))
    expected = pl.DataFrame(
        {
            "raw": ids15,
            "id": ids18,
            "id_status": ["legacy15"] * len(ids15),
            "id_birth": [real_date("19" + s[6:12]) for s in ids15],
            "id_sex": ["M" if int(s[14]) % 2 == 1 else "F" for s in ids15],
            "id_region": [s[:6] for s in ids15],
        },
        schema=out.schema,
    )
    assert_frame_equal(legacy, expected)
    # the converted number is a valid 18-digit number with the same birth, sex and region
    assert converted["id_status"].to_list() == ["valid"] * len(ids18)
    assert_frame_equal(converted.drop("raw", "id_status"), legacy.drop("raw", "id_status"))


@settings(max_examples=200, deadline=None)
@given(valid_ids().filter(lambda s: s[6:8] == "19"))
def test_18_15_18_round_trip(id18):
    assert to_18(to_15(id18)) == id18


def test_legacy15_worked_example():
    assert to_15(WORKED) == "340524800101001"
    assert one("340524800101001")["id"] == WORKED
    assert one("340524800101001")["id_status"] == "legacy15"


def test_legacy15_with_impossible_date_is_bad_date():
    row = one("340524800230001")  # 1980-02-30
    assert row["id_status"] == "bad_date"
    assert row["id"] == "340524800230001"  # never converted
    assert row["id_birth"] is None and row["id_sex"] is None
    assert row["id_region"] == "340524"


# ------------------------------------------------------------------------------------ idempotence

noise = st.sampled_from(["", " ", "\u3000", "'", "\u00a0", "\t"])


@st.composite
def noisy_ids(draw) -> str:
    """A valid or legacy number as a clerk might type it: spaces, full-width digits, lower-case x."""
    s = draw(st.one_of(valid_ids(), legacy15_ids()))
    chars = []
    for ch in s:
        if draw(st.booleans()):
            ch = chr(0xFF10 + int(ch)) if ch.isdigit() else draw(st.sampled_from(["X", "x", "Ｘ", "ｘ"]))
        chars.append(draw(noise) + ch)
    return "".join(chars) + draw(noise)


raw_ids = st.one_of(
    valid_ids(),
    legacy15_ids(),
    noisy_ids(),
    bodies17.map(lambda b: b + "X"),
    st.text(alphabet="0123456789Xx .Ee+'\u3000", max_size=20),
    st.text(max_size=20),
    st.none(),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(raw_ids, min_size=1, max_size=40))
def test_normalising_is_idempotent(raws):
    first = normalise(raws)
    second = normalise(first["id"].to_list())
    assert_series_equal(first["id"], second["id"])
    # the 18-digit form of a legacy number is itself valid; every other status is stable
    expected = first.select(pl.col("id_status").replace("legacy15", "valid"))["id_status"]
    assert_series_equal(second["id_status"], expected)
    for col in ("id_birth", "id_sex", "id_region"):
        assert_series_equal(first[col], second[col])


@settings(max_examples=50, deadline=None)
@given(st.lists(raw_ids, min_size=1, max_size=40))
def test_every_status_is_known_and_usable_numbers_are_plain_ascii(raws):
    out = normalise(raws)
    assert set(out["id_status"].to_list()) <= set(USABLE_STATUSES) | set(INVALID_STATUSES)
    for number, status in out.select("id", "id_status").iter_rows():
        if status in USABLE_STATUSES:
            assert ASCII_ID.fullmatch(number), number


def clean_by_hand(raw: str) -> str:
    clean = re.sub(r"[\s\u3000']", "", raw)
    clean = "".join(str(ord(c) - 0xFF10) if "\uff10" <= c <= "\uff19" else c for c in clean)
    return clean.replace("x", "X").replace("ｘ", "X").replace("Ｘ", "X")


@settings(max_examples=30, deadline=None)
@given(st.lists(noisy_ids(), min_size=1, max_size=30))
def test_noisy_input_normalises_to_the_clean_number(raws):
    out = normalise(raws)
    cleaned = [clean_by_hand(r) for r in raws]
    assert out["id"].to_list() == [to_18(c) if len(c) == 15 else c for c in cleaned]
    assert out["id_status"].to_list() == ["legacy15" if len(c) == 15 else "valid" for c in cleaned]


def reference_normalise(raw: str | None, as_of: dt.date = AS_OF) -> tuple[str | None, str, dt.date | None]:
    """(number, status, birth date) of one raw value, written from the module docstring in plain
    Python: the independent oracle for the vectorised path (which reads canonical values without
    cleaning them, by an integer cast instead of a pattern)."""
    if raw is None:
        return None, "missing", None
    c = re.sub(r"[ \t\n\u3000\u00a0\u200b\u200c\u200d\ufeff'\"‘’“”`]", "", raw)
    c = "".join(str(ord(ch) - 0xFF10) if "\uff10" <= ch <= "\uff19" else ch for ch in c)
    c = c.replace("Ｘ", "X").replace("ｘ", "X").upper()
    if not c:
        return None, "missing", None
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+", c, re.ASCII):
        return c, "excel_number", None

    def birth(yyyymmdd: str) -> dt.date | None:
        day = real_date(yyyymmdd)
        return day if day is not None and dt.date(1880, 1, 1) <= day <= as_of else None

    if re.fullmatch(r"[0-9]{17}[0-9X]", c, re.ASCII):
        born = birth(c[6:14])
        if born is None:
            return c, "bad_date", None
        return c, "valid" if reference_check(c[:17]) == c[17] else "bad_check", born
    if re.fullmatch(r"[0-9]{15}", c, re.ASCII):
        born = birth("19" + c[6:12])
        return (to_18(c), "legacy15", born) if born is not None else (c, "bad_date", None)
    return c, "malformed", None


# values near the canonical forms: signs (an integer cast reads "+123"), a final x, multi-byte
# characters in an 18-byte value, full-width digits, Excel's notation, stray letters
near_canonical = st.one_of(
    valid_ids(), legacy15_ids(), noisy_ids(),
    st.tuples(st.sampled_from(["+", "-", " ", "０", "中", "a"]), valid_ids()).map(lambda t: t[0] + t[1][1:]),
    st.tuples(st.sampled_from(["+", "-", "x", "X", "e", "中"]), legacy15_ids()).map(lambda t: t[0] + t[1][1:]),
    valid_ids().map(lambda s: s[:17] + "x"), bodies17.map(lambda b: b + "x"), bodies17.map(lambda b: "+" + b),
    bodies17.map(lambda b: b[:15] + "中"), bodies17.map(lambda b: b[:16] + "E+"),
    st.text(alphabet="0123456789Xx+-.Ee '\u3000０９Ｘｘ中", min_size=14, max_size=19),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(near_canonical, min_size=1, max_size=30))
def test_numbers_statuses_and_births_agree_with_a_plain_python_reference(raws):
    out = normalise(raws)
    got = list(out.select("id", "id_status", "id_birth").iter_rows())
    assert got == [reference_normalise(r) for r in raws]


def test_signs_and_leading_zeros_agree_with_the_reference():
    """Values whose integer is below 10**17 (10**14): leading zeros, or a sign the integer cast
    reads; only these have their first byte looked at."""
    raws = ["000000190001010009", "+00000190001010009", "-00000190001010009", "00000019000101000x",
            "+0000019000101000X", "-0000019000101000X", "+1234519800101001X", "000000000000000",
            "000000500101001", "+00000500101001", "-00000500101001", "+43122119450312021",
            "431221450312021", "+43122145031202", "-43122145031202",
            "-" + "0" * 17, "+" + "0" * 17, "-" + "0" * 14, "+" + "0" * 14, "1" + "0" * 17, "1" + "0" * 14]
    got = list(normalise(raws).select("id", "id_status", "id_birth").iter_rows())
    assert got == [reference_normalise(r) for r in raws]
    assert [s for _, s, _ in got][:2] == ["valid", "malformed"]


# ----------------------------------------------------------------------------------- the statuses


@pytest.mark.parametrize(
    "raw",
    [
        WORKED,
        "34052419800101001x",
        "'34052419800101001X",
        "’34052419800101001X",
        "３４０５２４１９８００１０１００１Ｘ",
        "３４０５２４１９８００１０１００１ｘ",
        "340524 19800101 001X",
        "340524\u300019800101\u3000001X",
        "  34052419800101001X  ",
        "\ufeff34052419800101001X",
        "340524\u200b19800101001X",
        '"34052419800101001X"',
        "\t34052419800101001x\n",
    ],
)
def test_variants_normalise_to_the_same_valid_number(raw):
    row = one(raw)
    assert (row["id"], row["id_status"], row["id_birth"], row["id_sex"], row["id_region"]) == (
        WORKED, "valid", dt.date(1980, 1, 1), "M", "340524",
    )


def test_statuses_table():
    raws = [
        WORKED,                   # valid
        "34052419800101001",      # 17 digits
        "34052419800101001Y",     # letter
        "ABCDEFGHIJKLMNOPQR",     # letters
        "3405241980010100X1",     # X not last
        "340524198002300016",     # 1980-02-30
        "340524202301010010",     # born after as_of
        "34052418791231001X",     # born before 1880
        "340524198001010010",     # wrong check character
        "4.31221E+17",            # Excel scientific notation
        "4.31221e17",
        "431221194503120218",     # stored as a number (flagged by the reader)
        "340524800101001",        # legacy 15
        None,
        "",
        "  ",
        "\u3000",
    ]
    excel = [False] * 11 + [True] + [None] * 5
    out = normalise(raws, excel=excel).drop("excel")
    expected = pl.DataFrame(
        {
            "raw": raws,
            "id": [
                WORKED, "34052419800101001", "34052419800101001Y", "ABCDEFGHIJKLMNOPQR", "3405241980010100X1",
                "340524198002300016", "340524202301010010", "34052418791231001X", "340524198001010010",
                "4.31221E+17", "4.31221E17", "431221194503120218", WORKED, None, None, None, None,
            ],
            "id_status": [
                "valid", "malformed", "malformed", "malformed", "malformed", "bad_date", "bad_date", "bad_date",
                "bad_check", "excel_number", "excel_number", "excel_number", "legacy15",
                "missing", "missing", "missing", "missing",
            ],
            "id_birth": [
                dt.date(1980, 1, 1), None, None, None, None, None, None, None, dt.date(1980, 1, 1),
                None, None, dt.date(1945, 3, 12), dt.date(1980, 1, 1), None, None, None, None,
            ],
            "id_sex": ["M", None, None, None, None, None, None, None, "M", None, None, "M", "M",
                       None, None, None, None],
            "id_region": ["340524", None, None, None, None, "340524", "340524", "340524", "340524",
                          None, None, "431221", "340524", None, None, None, None],
        },
        schema={"raw": pl.String, "id": pl.String, "id_status": pl.String, "id_birth": pl.Date,
                "id_sex": pl.String, "id_region": pl.String},
    )
    assert_frame_equal(out, expected)


def test_future_birth_is_relative_to_as_of():
    born = "340524202301010010"
    assert check_digit(born[:17]) == born[17]
    assert one(born, as_of=dt.date(2022, 12, 31))["id_status"] == "bad_date"
    assert one(born, as_of=dt.date(2023, 1, 1))["id_status"] == "valid"  # born on the as_of day
    assert one(born, as_of=dt.date(2023, 6, 30))["id_birth"] == dt.date(2023, 1, 1)


def test_excel_flag_wins_over_a_valid_number_and_null_flag_is_false():
    out = normalise([WORKED, WORKED, WORKED], excel=[True, False, None])
    assert out["id_status"].to_list() == ["excel_number", "valid", "valid"]
    # the digits are kept as read, never "repaired"
    assert out["id"].to_list() == [WORKED] * 3


def test_excel_flag_does_not_hide_missing():
    assert one(None, excel=[True])["id_status"] == "missing"
    assert one("", excel=[True])["id_status"] == "missing"


def test_prefix_defaults_to_the_raw_column():
    frame = pl.DataFrame({"idno": [WORKED]})
    out = normalize_id(frame, "idno", as_of=AS_OF)
    assert out.columns == ["idno", "idno_status", "idno_birth", "idno_sex", "idno_region", "idno_key"]
    assert out.row(0) == (WORKED, "valid", dt.date(1980, 1, 1), "M", "340524", 34052419800101001 * 11 + 2)


def test_default_as_of_is_today():
    today = dt.date.today()
    tomorrow = today + dt.timedelta(days=1)
    body_today = "110105" + today.strftime("%Y%m%d") + "001"
    body_tomorrow = "110105" + tomorrow.strftime("%Y%m%d") + "001"
    out = pl.DataFrame({"raw": [body_today + check_digit(body_today), body_tomorrow + check_digit(body_tomorrow)]})
    statuses = normalize_id(out, "raw", prefix="id")["id_status"].to_list()
    assert statuses == ["valid", "bad_date"]


@pytest.mark.parametrize(
    ("seq", "sex"), [("000", "F"), ("001", "M"), ("010", "F"), ("019", "M"), ("998", "F"), ("999", "M")]
)
def test_sex_from_the_last_sequence_digit(seq, sex):
    body = "431221" + "19450312" + seq
    assert one(body + check_digit(body))["id_sex"] == sex
    assert one("431221" + "450312" + seq)["id_sex"] == sex  # legacy 15


def test_sex_of_a_bad_check_number_still_comes_from_its_digits():
    row = one("340524198001010020")  # female sequence, wrong check character
    assert (row["id_status"], row["id_sex"], row["id_birth"]) == ("bad_check", "F", dt.date(1980, 1, 1))


def test_non_ascii_digit_is_not_valid():
    raw = "34\u066052419800101001X"  # WORKED with its '0' at position 3 written as U+0660
    row = one(raw)
    assert row["id_status"] == "malformed" or (row["id_status"] == "valid" and row["id"] == WORKED)


# ------------------------------------------------------------------------------------------ age_on


def ages(births: list[dt.date], day: dt.date) -> list[int]:
    frame = pl.DataFrame({"b": births}, schema={"b": pl.Date})
    return frame.select(age_on(pl.col("b"), day).alias("age"))["age"].to_list()


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(1960, 5, 10), dt.date(2020, 5, 9), 59),   # the day before the 60th birthday
        (dt.date(1960, 5, 10), dt.date(2020, 5, 10), 60),  # on it
        (dt.date(1960, 5, 10), dt.date(2020, 5, 11), 60),  # the day after
        (dt.date(1960, 5, 10), dt.date(2020, 4, 30), 59),  # earlier month
        (dt.date(1960, 5, 10), dt.date(2020, 6, 1), 60),   # later month
        (dt.date(1960, 12, 31), dt.date(2020, 12, 30), 59),
        (dt.date(1960, 12, 31), dt.date(2020, 12, 31), 60),
        (dt.date(1961, 1, 1), dt.date(2020, 12, 31), 59),
        (dt.date(2022, 12, 31), dt.date(2022, 12, 31), 0),
        # Feb 29 births: in a common year the birthday counts from Mar 1
        (dt.date(1960, 2, 29), dt.date(2019, 2, 28), 58),
        (dt.date(1960, 2, 29), dt.date(2019, 3, 1), 59),
        (dt.date(1960, 2, 29), dt.date(2020, 2, 28), 59),
        (dt.date(1960, 2, 29), dt.date(2020, 2, 29), 60),
        (dt.date(1960, 2, 29), dt.date(2020, 3, 1), 60),
        # a Feb 28 birth in a leap year
        (dt.date(1961, 2, 28), dt.date(2020, 2, 28), 59),
        (dt.date(1961, 2, 28), dt.date(2020, 2, 27), 58),
    ],
)
def test_age_on_birthdays(birth, day, age):
    assert ages([birth], day) == [age]


def test_age_on_null_birth_is_null():
    assert ages([None, dt.date(2000, 1, 1)], dt.date(2020, 1, 1)) == [None, 20]


def python_age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.dates(dt.date(1880, 1, 1), dt.date(2020, 12, 31)), min_size=1, max_size=50),
    st.dates(dt.date(2020, 12, 31), dt.date(2040, 12, 31)),
)
def test_age_on_matches_python(births_, day):
    assert ages(births_, day) == [python_age(b, day) for b in births_]


def at_least(births: list[dt.date | None], day: dt.date, years: int) -> list[bool | None]:
    frame = pl.DataFrame({"b": births}, schema={"b": pl.Date})
    return frame.select(aged_at_least(pl.col("b"), day, years).alias("old"))["old"].to_list()


@pytest.mark.parametrize(
    ("birth", "day", "years", "old"),
    [
        (dt.date(1960, 5, 10), dt.date(2020, 5, 9), 60, False),  # the day before the 60th birthday
        (dt.date(1960, 5, 10), dt.date(2020, 5, 10), 60, True),  # on it
        (dt.date(1960, 2, 29), dt.date(2019, 2, 28), 59, False),  # a Feb 29 birth in a common year
        (dt.date(1960, 2, 29), dt.date(2019, 3, 1), 59, True),
        (dt.date(1961, 2, 28), dt.date(2020, 2, 29), 59, True),  # on a Feb 29, 59 years back is common
        (dt.date(1961, 3, 1), dt.date(2020, 2, 29), 59, False),
        (dt.date(2021, 1, 1), dt.date(2020, 1, 1), 0, False),  # born after the day
        (dt.date(2020, 1, 1), dt.date(2020, 1, 1), 0, True),
        (dt.date(1900, 1, 1), dt.date(2020, 1, 1), 2020, False),  # before year 1: nobody
        (dt.date(1900, 1, 1), dt.date(2020, 1, 1), -8000, True),  # after year 9999: everybody
    ],
)
def test_aged_at_least_birthdays(birth, day, years, old):
    assert at_least([birth], day, years) == [old]


@pytest.mark.parametrize("years", [-8000, 18, 2020])
def test_aged_at_least_null_birth_is_null(years):
    assert at_least([None], dt.date(2020, 1, 1), years) == [None]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.dates(dt.date(1880, 1, 1), dt.date(2030, 12, 31)) | st.none(), min_size=1, max_size=50),
    st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)),
    st.integers(-20, 130),
)
def test_aged_at_least_is_age_on_at_least(births_, day, years):
    """The comparison of dates says what the age per row says, null for a null birth date."""
    assert at_least(births_, day, years) == [None if b is None else python_age(b, day) >= years for b in births_]


@settings(max_examples=80, deadline=None)
@given(st.lists(raw_ids, min_size=1, max_size=40), st.lists(st.booleans() | st.none(), min_size=40, max_size=40))
def test_integer_key_is_the_normalised_numbers_key(raws, flags):
    """`id_key` is keystrokes.id_key of the normalised number for every status (legacy numbers by
    their 18-digit form, Excel-flagged 18-digit numbers too), null for anything not 18 characters."""
    from crosscheck.keystrokes import id_key

    frame = pl.DataFrame({"raw": raws, "excel": flags[: len(raws)]}, schema={"raw": pl.String, "excel": pl.Boolean})
    out = normalize_id(frame, "raw", prefix="id", excel_flag="excel", as_of=AS_OF)
    assert_series_equal(out["id_key"], out.select(id_key(pl.col("id")).alias("id_key"))["id_key"])


def test_integer_key_examples():
    out = normalise_with_key([WORKED, to_15(WORKED[:-1] + check_digit(WORKED[:17])), "34052419800101001", None])
    assert out["id_key"].to_list()[:2] == [34052419800101001 * 11 + CHECK_CHARS.index("X")] * 2
    assert out["id_key"].to_list()[2:] == [None, None]


def normalise_with_key(values) -> pl.DataFrame:
    return normalize_id(pl.DataFrame({"raw": values}, schema={"raw": pl.String}), "raw", prefix="id", as_of=AS_OF)


@pytest.mark.parametrize("birth", ["01881027", "00011231", "09991231"])
def test_a_year_written_with_a_leading_zero_is_no_birth_date(birth):
    """18-digit numbers whose birth digits start with 0 (year 0188, typed for 1988 or shifted): the
    date is impossible, so the number is bad_date with no birth date, never a valid number born in
    1881 (the digits read as an integer lose their leading zero)."""
    body = "431221" + birth + "001"
    row = one(body + check_digit(body))
    assert (row["id_status"], row["id_birth"], row["id_sex"]) == ("bad_date", None, None)


@given(st.lists(st.one_of(st.none(), st.text("0123456789Xx ", max_size=19), st.sampled_from(FIXED_VALID)), max_size=40))
def test_without_sex_and_region_the_other_columns_are_the_same(raws):
    frame = pl.DataFrame({"raw": raws}, schema={"raw": pl.String})
    full = normalize_id(frame, "raw", prefix="id", as_of=AS_OF)
    lean = normalize_id(frame, "raw", prefix="id", as_of=AS_OF, sex_and_region=False)
    assert lean.columns == ["raw", "id", "id_status", "id_birth", "id_key"]
    assert_frame_equal(lean, full.drop("id_sex", "id_region"))
