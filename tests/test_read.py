"""Readers: real CSV / XLSX / Parquet files in a month folder, read through load_month_config + read_table."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
import json
import random
from pathlib import Path

import fastexcel
import polars as pl
import pytest
import xlsxwriter
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from crosscheck.catalog import load_catalog
from crosscheck.config import load_month_config
from crosscheck.errors import ConfigError, CrosscheckError, InputError
from crosscheck.pipeline import check_month
from crosscheck.prepare import prepare
from crosscheck.read import RawTable, detect_encoding, read_headers, read_table

ID_A = "34052419800101001X"
ID_B = "431221194503120218"
MONTH_LAST_DAY = dt.date(2022, 12, 31)
COLUMNS = {"身份证号码": "id_number", "姓名": "name", "救助类别": "program", "月发放金额(元)": "amount"}
GB18030_ONLY_NAMES = ("龚䶮", "王𠀀")  # U+4DAE and U+20000 are in GB18030, not in GBK


# ---------------------------------------------------------------------------------------- helpers


def write_month(folder: Path, roster: list[dict], sources: list[dict] | None = None, **top) -> Path:
    config = {"month": "2022-12", "roster": roster, **top}
    if sources is not None:
        config["sources"] = sources
    path = folder / "month.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def read_first(folder: Path, **entry) -> RawTable:
    """Write month.yaml with one roster entry, load it, read the roster file."""
    config = load_month_config(write_month(folder, [entry]))
    key, kind, spec = config.inputs()[0]
    assert (key, kind) == ("roster[0]", "roster")
    return read_table(config, key, kind, spec)


def csv_text(names: tuple[str, str] = ("张伟", "刘德华")) -> str:
    return (
        "身份证号码,姓名,救助类别,月发放金额(元),备注\n"
        f"{ID_A},{names[0]},农村低保,385,户主\n"
        f"{ID_B},{names[1]},特困供养（分散）,501元,\n"
    )


def expected_frame(label: str, names: tuple[str, str] = ("张伟", "刘德华"), first_row: int = 2) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_file": [label, label],
            "_row": [first_row, first_row + 1],
            "id_number": [ID_A, ID_B],
            "name": list(names),
            "program": ["农村低保", "特困供养（分散）"],
            "amount": ["385", "501元"],
            "_extra": ['{"备注":"户主"}', '{"备注":null}'],
        },
        schema={"_file": pl.String, "_row": pl.Int64, "id_number": pl.String, "name": pl.String,
                "program": pl.String, "amount": pl.String, "_extra": pl.String},
    )


def write_xlsx(path: Path, sheets: dict[str, list[list]], numeric_cells: set[tuple[str, int, int]] = frozenset()) -> None:
    """Each sheet: rows of cells; cells listed in numeric_cells are written with write_number."""
    wb = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if (name, r, c) in numeric_cells:
                    ws.write_number(r, c, float(value))
                else:
                    ws.write_string(r, c, str(value))
    wb.close()


# ------------------------------------------------------------------------------------ CSV encodings


ENCODED = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-sig": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "gbk": lambda text: text.encode("gbk"),
    "gb18030": lambda text: text.encode("gb18030"),
}
DETECTED = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}


@pytest.mark.parametrize(
    ("file_encoding", "config_encoding"),
    [
        ("utf-8", None),
        ("utf-8", "auto"),
        ("utf-8", "utf-8"),
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", None),
        ("utf-8-sig", "auto"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-8-sig", "utf-8"),  # an explicit utf-8 still drops the BOM
        ("gbk", None),
        ("gbk", "auto"),
        ("gbk", "gbk"),
        ("gbk", "gb2312"),
        ("gbk", "gb18030"),
        ("gb18030", None),
        ("gb18030", "auto"),
        ("gb18030", "gb18030"),
        ("gb18030", "gbk"),  # read as its superset
    ],
)
def test_csv_encodings(tmp_path, file_encoding, config_encoding):
    names = GB18030_ONLY_NAMES if file_encoding == "gb18030" else ("张伟", "刘德华")
    data = ENCODED[file_encoding](csv_text(names))
    if file_encoding == "gb18030":
        with pytest.raises(UnicodeEncodeError):
            csv_text(names).encode("gbk")  # the file really needs GB18030
    (tmp_path / "名册.csv").write_bytes(data)
    entry = {"path": "名册.csv", "columns": COLUMNS}
    if config_encoding is not None:
        entry["encoding"] = config_encoding
    table = read_first(tmp_path, **entry)
    assert_frame_equal(table.frame, expected_frame("名册.csv", names))
    explicit = config_encoding not in (None, "auto")
    assert table.encoding == (config_encoding if explicit else DETECTED[file_encoding])
    assert table.kind == "roster" and table.key == "roster[0]" and table.label == "名册.csv"
    assert table.path == tmp_path.resolve() / "名册.csv"


cell_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("张伟劉德華龚䶮𠀀王·,\"' 　０１２ABC123元（）"),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    ),
    min_size=1,
    max_size=8,
).filter(lambda t: t.strip(" 　") == t and t.strip())  # no edge spaces, not blank


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=20),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_csv_cells_round_trip_in_every_encoding(rows, encoding):
    """Whatever the text (commas, quotes, full-width, GB18030-only characters), it reads back as written."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["姓名", "备注"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "r.csv").write_bytes(buf.getvalue().encode(encoding))
        table = read_first(folder, path="r.csv")
    assert table.encoding == encoding  # the GB18030 header 姓名 is never valid UTF-8
    assert table.frame["name"].to_list() == [r[0] for r in rows]
    assert [json.loads(e)["备注"] for e in table.frame["_extra"]] == [r[1] for r in rows]
    assert table.frame["_row"].to_list() == list(range(2, len(rows) + 2))


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"", "utf-8"),
        (b"id_number,name\n1,a\n", "utf-8"),
        ("姓名\n张伟\n".encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + "姓名\n张伟\n".encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        ("姓名\n张伟\n".encode("gbk"), "gb18030"),
        ("姓名\n张伟\n".encode("gb2312"), "gb18030"),
        ("姓名\n龚䶮 王𠀀\n".encode("gb18030"), "gb18030"),
        (codecs.BOM_UTF16_LE + "姓名".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "姓名".encode("utf-16-be"), "utf-16"),
    ],
)
def test_detect_encoding(data, encoding):
    assert detect_encoding(data) == encoding


def test_detect_encoding_of_gbk_text_decodes_it():
    text = csv_text() * 50
    data = text.encode("gbk")
    assert data.decode(detect_encoding(data)) == text


def test_wrong_explicit_encoding_raises_input_error_naming_file_and_line(tmp_path):
    # lines 1 and 2 are plain ASCII; the first GBK byte is on line 3
    text = "id_number,name,program\n" f"{ID_A},Zhang Wei,urban_dibao\n" f"{ID_B},刘德华,城市低保\n"
    (tmp_path / "roster.csv").write_bytes(text.encode("gbk"))
    with pytest.raises(InputError) as info:
        read_first(tmp_path, path="roster.csv", encoding="utf-8")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("roster.csv: line 3: cannot be read as utf-8")
    assert "encoding" in message
    # check_month decodes the start of the file too and fails the same way, before any work
    with pytest.raises(InputError) as info:
        check_month(tmp_path / "month.yaml")
    assert str(info.value) == message


def test_wrong_explicit_encoding_in_the_header_fails_check_month(tmp_path):
    (tmp_path / "roster.csv").write_bytes(csv_text().encode("gbk"))
    write_month(tmp_path, [{"path": "roster.csv", "encoding": "utf-8", "columns": COLUMNS}])
    with pytest.raises(InputError) as info:
        check_month(tmp_path / "month.yaml")
    assert str(info.value).startswith("roster.csv: line 1: cannot be read as utf-8")
    assert "\n" not in str(info.value)


def test_undecodable_csv_with_auto_encoding_raises_input_error(tmp_path):
    rng = random.Random(1)
    (tmp_path / "roster.csv").write_bytes(bytes(rng.randrange(256) for _ in range(2000)))
    with pytest.raises(InputError, match="roster.csv"):
        read_first(tmp_path, path="roster.csv")


def test_corrupt_xlsx_raises_crosscheck_error(tmp_path):
    (tmp_path / "roster.xlsx").write_text(csv_text(), encoding="utf-8")
    write_month(tmp_path, [{"path": "roster.xlsx"}])
    with pytest.raises(CrosscheckError, match="roster.xlsx"):
        check_month(tmp_path / "month.yaml")


def test_corrupt_parquet_raises_crosscheck_error(tmp_path):
    (tmp_path / "roster.parquet").write_text(csv_text(), encoding="utf-8")
    write_month(tmp_path, [{"path": "roster.parquet"}])
    with pytest.raises(CrosscheckError, match="roster.parquet"):
        check_month(tmp_path / "month.yaml")


# ------------------------------------------------------------------------------- rows and headers


def test_row_numbers_csv_header_is_row_1(tmp_path):
    lines = ["姓名,身份证号码"] + [f"人{i},{ID_A}" for i in range(5)]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_first(tmp_path, path="r.csv")
    assert table.frame["_row"].to_list() == [2, 3, 4, 5, 6]
    assert table.frame["name"].to_list() == [f"人{i}" for i in range(5)]


def test_row_numbers_count_blank_lines_like_a_spreadsheet(tmp_path):
    (tmp_path / "r.csv").write_text(f"姓名,身份证号码\n甲,{ID_A}\n\n乙,{ID_B}\n", encoding="utf-8")
    frame = read_first(tmp_path, path="r.csv").frame
    assert frame.filter(pl.col("name") == "乙")["_row"].to_list() == [4]


def test_header_synonyms_when_columns_omitted(tmp_path):
    text = (
        "序号, 公民身份号码 ,姓名,保障类别,月发放金额（元）,银行账号,代领人身份证号,村干部近亲属备案,家庭编号,备注\n"
        f"1,{ID_A},张伟,农村低保,385,6215 0000,{ID_B},否,H001,无\n"
    )
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    frame = read_first(tmp_path, path="r.csv").frame
    assert frame.columns == [
        "_file", "_row", "id_number", "name", "program", "amount", "bank_account", "payee_id_number",
        "cadre_relative_filed", "household_id", "_extra",
    ]
    assert frame.row(0) == ("r.csv", 2, ID_A, "张伟", "农村低保", "385", "6215 0000", ID_B, "否", "H001",
                            '{"序号":"1","备注":"无"}')


@pytest.mark.parametrize("header", ["身份证号码", "公民身份号码", "证件号码", "身份证明号码", "身份证号", "id_number"])
def test_each_id_synonym_maps_to_id_number(tmp_path, header):
    (tmp_path / "r.csv").write_text(f"{header},姓名\n{ID_A},张伟\n", encoding="utf-8")
    frame = read_first(tmp_path, path="r.csv").frame
    assert frame.select("id_number", "name", "_extra").row(0) == (ID_A, "张伟", None)


def test_first_synonym_wins_when_two_headers_map_to_one_field(tmp_path):
    (tmp_path / "r.csv").write_text(f"身份证号码,证件号码,姓名\n{ID_A},{ID_B},张伟\n", encoding="utf-8")
    frame = read_first(tmp_path, path="r.csv").frame
    assert frame["id_number"].to_list() == [ID_A]
    assert json.loads(frame["_extra"][0]) == {"证件号码": ID_B}


def test_no_id_or_name_header_is_a_config_error(tmp_path):
    (tmp_path / "r.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^month\.yaml: roster\[0\]: no ID number or name column recognised in r\.csv"):
        read_first(tmp_path, path="r.csv")


def test_unmapped_columns_kept_in_extra_as_json(tmp_path):
    text = f"身份证号码,姓名,备注,联系人,空列\n{ID_A},张伟,\"有\"\"引号\"\", 和逗号\",李四,\n"
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    frame = read_first(tmp_path, path="r.csv", columns={"身份证号码": "id_number", "姓名": "name"}).frame
    assert frame.columns == ["_file", "_row", "id_number", "name", "_extra"]
    assert json.loads(frame["_extra"][0]) == {"备注": '有"引号", 和逗号', "联系人": "李四", "空列": None}


def test_values_stay_text_with_leading_zeros(tmp_path):
    (tmp_path / "r.csv").write_text("身份证号码,姓名,银行账号\n012345678901234567,张伟,0001\n", encoding="utf-8")
    frame = read_first(tmp_path, path="r.csv").frame
    assert frame.select("id_number", "bank_account").row(0) == ("012345678901234567", "0001")
    assert all(frame.schema[c] == pl.String for c in frame.columns if c != "_row")


def test_read_headers_returns_the_mapping(tmp_path):
    (tmp_path / "r.csv").write_bytes(csv_text().encode("gbk"))
    config = load_month_config(write_month(tmp_path, [{"path": "r.csv"}]))
    key, kind, spec = config.inputs()[0]
    assert read_headers(config, key, kind, spec) == {
        "身份证号码": "id_number", "姓名": "name", "救助类别": "program", "月发放金额(元)": "amount",
    }


# -------------------------------------------------------------------------------------------- XLSX


def roster_sheet() -> list[list]:
    return [
        ["身份证号码", "姓名", "救助类别", "月发放金额(元)", "备注"],
        [ID_B, "张伟", "农村低保", "385", "户主"],   # ID written as a number
        [ID_A, "刘德华", "城市低保", "600", None],    # ID written as text
        [None, "李四", "城市低保", "600", "无证"],     # no ID
    ]


def test_xlsx_numeric_id_cell_is_flagged(tmp_path):
    write_xlsx(tmp_path / "r.xlsx", {"Sheet1": roster_sheet()}, numeric_cells={("Sheet1", 1, 0)})
    table = read_first(tmp_path, path="r.xlsx")
    frame = table.frame
    assert table.encoding is None
    assert frame.columns == ["_file", "_row", "id_number", "name", "program", "amount", "_extra", "_id_number_excel"]
    assert frame["_row"].to_list() == [2, 3, 4]
    assert frame["_id_number_excel"].to_list() == [True, False, False]
    assert frame["id_number"][1:].to_list() == [ID_A, None]
    # the number lost its last digits in Excel: whatever text it reads as, it is not the real ID
    assert frame["id_number"][0] != ID_B
    assert frame["name"].to_list() == ["张伟", "刘德华", "李四"]
    assert [json.loads(e) for e in frame["_extra"]] == [{"备注": "户主"}, {"备注": None}, {"备注": "无证"}]

    prepared = prepare(table, load_catalog(), MONTH_LAST_DAY)
    assert prepared.rejects.height == 0
    statuses = prepared.frame.select("_row", "name", "id_status").sort("_row")
    assert_frame_equal(
        statuses,
        pl.DataFrame({"_row": [2, 3, 4], "name": ["张伟", "刘德华", "李四"],
                      "id_status": ["excel_number", "valid", "missing"]}),
    )
    assert prepared.frame.filter(pl.col("_row") == 3)["id"].to_list() == [ID_A]


def test_xlsx_numeric_payee_id_is_flagged(tmp_path):
    rows = [["身份证号码", "姓名", "救助类别", "代领人身份证号"], [ID_A, "张伟", "农村低保", ID_B], [ID_A, "张伟", "城市低保", ID_B]]
    write_xlsx(tmp_path / "r.xlsx", {"名册": rows}, numeric_cells={("名册", 2, 3)})
    table = read_first(tmp_path, path="r.xlsx")
    assert table.frame["_id_number_excel"].to_list() == [False, False]
    assert table.frame["_payee_id_number_excel"].to_list() == [False, True]
    prepared = prepare(table, load_catalog(), MONTH_LAST_DAY)
    assert prepared.frame.sort("_row")["payee_id_status"].to_list() == ["valid", "excel_number"]


def test_xlsx_first_sheet_by_default_and_named_sheet(tmp_path):
    other = [["姓名", "身份证号码"], ["封面人", ID_B]]
    write_xlsx(tmp_path / "r.xlsx", {"说明": other, "发放名册": roster_sheet()})
    first = read_first(tmp_path, path="r.xlsx").frame
    assert first.select("name", "id_number", "_row").rows() == [("封面人", ID_B, 2)]
    named = read_first(tmp_path, path="r.xlsx", sheet="发放名册").frame
    assert named["name"].to_list() == ["张伟", "刘德华", "李四"]
    assert named["id_number"].to_list() == [ID_B, ID_A, None]
    assert named["_id_number_excel"].to_list() == [False, False, False]


def test_xlsx_with_columns_mapping(tmp_path):
    write_xlsx(tmp_path / "r.xlsx", {"Sheet1": roster_sheet()})
    frame = read_first(tmp_path, path="r.xlsx", columns=COLUMNS).frame
    assert frame.select("id_number", "name", "program", "amount").rows()[1] == (ID_A, "刘德华", "城市低保", "600")


# ----------------------------------------------------------------------------------------- Parquet


def test_parquet_columns_come_back_as_strings(tmp_path):
    pl.DataFrame(
        {
            "身份证号码": [ID_A, ID_B, None],
            "姓名": ["张伟", "刘德华", "李四"],
            "月发放金额": [385, 600, None],
            "序号": [1, 2, 3],
            "比例": [0.5, None, 1.25],
        },
        schema={"身份证号码": pl.String, "姓名": pl.String, "月发放金额": pl.Int64, "序号": pl.Int32,
                "比例": pl.Float64},
    ).write_parquet(tmp_path / "r.parquet")
    table = read_first(tmp_path, path="r.parquet")
    assert table.encoding is None
    expected = pl.DataFrame(
        {
            "_file": ["r.parquet"] * 3,
            "_row": [1, 2, 3],  # Parquet: 1-based record number
            "id_number": [ID_A, ID_B, None],
            "name": ["张伟", "刘德华", "李四"],
            "amount": ["385", "600", None],
            "_extra": ['{"序号":"1","比例":"0.5"}', '{"序号":"2","比例":null}', '{"序号":"3","比例":"1.25"}'],
        },
        schema={"_file": pl.String, "_row": pl.Int64, "id_number": pl.String, "name": pl.String,
                "amount": pl.String, "_extra": pl.String},
    )
    assert_frame_equal(table.frame, expected)


def test_parquet_integer_id_column(tmp_path):
    pl.DataFrame({"id_number": [431221194503120218], "name": ["张伟"]}).write_parquet(tmp_path / "r.parquet")
    frame = read_first(tmp_path, path="r.parquet").frame
    assert frame.select("id_number", "name", "_row", "_extra").row(0) == (ID_B, "张伟", 1, None)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
@pytest.mark.parametrize("extras", [True, False])
def test_unread_fields_are_left_out_and_never_extra(tmp_path, suffix, extras):
    frame = pl.DataFrame({"户号": ["H1", "H2"], "姓名": ["张伟", "刘德华"], "公民身份号码": [ID_A, ID_B],
                          "与户主关系": ["户主", "子"], "住址": ["老垅村1组", "老垅村2组"], "民族": ["汉", "汉"]})
    path = tmp_path / f"hukou{suffix}"
    {".csv": lambda: frame.write_csv(path), ".xlsx": lambda: frame.write_excel(path),
     ".parquet": lambda: frame.write_parquet(path)}[suffix]()
    (tmp_path / "r.csv").write_text(csv_text(), encoding="utf-8")
    config = load_month_config(write_month(tmp_path, [{"path": "r.csv"}], [{"kind": "household", "path": path.name}]))
    key, kind, spec = config.inputs()[1]
    table = read_table(config, key, kind, spec, extras=extras, unread=("relation", "address"))
    expected = ["_file", "_row", "household_no", "name", "id_number", *(["_extra"] if extras else []),
                *(["_id_number_excel"] if suffix == ".xlsx" else [])]
    assert table.frame.columns == expected
    assert table.frame["household_no"].to_list() == ["H1", "H2"]
    if extras:  # the unmapped column only: an unread field is not an extra
        assert table.frame["_extra"].to_list() == ['{"民族":"汉"}'] * 2
    everything = read_table(config, key, kind, spec, extras=extras)
    assert_frame_equal(table.frame, everything.frame.drop("relation", "address"))


def test_a_parquet_file_whose_mapped_fields_are_all_unread_keeps_its_rows(tmp_path):
    pl.DataFrame({"初次登记日期": ["2020-01-01", None, "2021-05-06"], "号牌": ["湘N1", "湘N2", "湘N3"]}).write_parquet(
        tmp_path / "v.parquet")
    (tmp_path / "r.csv").write_text(csv_text(), encoding="utf-8")
    config = load_month_config(write_month(tmp_path, [{"path": "r.csv"}], [
        {"kind": "vehicles", "path": "v.parquet", "columns": {"初次登记日期": "registered_on"}}]))
    key, kind, spec = config.inputs()[1]
    for extras in (False, True):
        frame = read_table(config, key, kind, spec, extras=extras, unread=("registered_on",)).frame
        assert frame["_row"].to_list() == [1, 2, 3]  # the rows are read (and will be rejected: no ID, no name)
        assert "registered_on" not in frame.columns


# -------------------------------------------------------------------------------- sources and kinds


def test_source_file_with_its_kind(tmp_path):
    (tmp_path / "r.csv").write_text(csv_text(), encoding="utf-8")
    (tmp_path / "deaths.csv").write_bytes(f"死者身份证号码,死者姓名,火化日期,殡仪馆\n{ID_A},张伟,2022-11-03,县殡仪馆\n".encode("gbk"))
    config = load_month_config(write_month(tmp_path, [{"path": "r.csv"}], [{"kind": "deaths", "path": "deaths.csv"}]))
    key, kind, spec = config.inputs()[1]
    assert (key, kind) == ("sources[0]", "deaths")
    table = read_table(config, key, kind, spec)
    assert table.encoding == "gb18030"
    assert table.frame.row(0, named=True) == {
        "_file": "deaths.csv", "_row": 2, "id_number": ID_A, "name": "张伟", "death_date": "2022-11-03",
        "_extra": '{"殡仪馆":"县殡仪馆"}',
    }


# ------------------------------------- UTF-8 read straight by Polars, everything else as before


@pytest.mark.parametrize("rows", [f"{ID_A},2022-11-01\n", ""])
def test_gbk_file_whose_only_chinese_is_the_header_is_detected(tmp_path, rows):
    """Polars checks UTF-8 in the data rows but decodes a header loosely: a GBK file with ASCII rows
    (or none) must still be detected as GB18030, not read with garbled headers."""
    (tmp_path / "deaths.csv").write_bytes(("身份证号码,死亡日期\n" + rows).encode("gbk"))
    table = read_first(tmp_path, path="deaths.csv")
    assert table.encoding == "gb18030"
    assert table.frame.columns[:3] == ["_file", "_row", "id_number"]
    assert table.frame.height == (1 if rows else 0)


def test_explicit_utf8_with_gbk_bytes_only_in_the_header_names_line_1(tmp_path):
    (tmp_path / "roster.csv").write_bytes(("身份证号码,姓名\n" f"{ID_A},Zhang Wei\n").encode("gbk"))
    with pytest.raises(InputError) as info:
        read_first(tmp_path, path="roster.csv", encoding="utf-8")
    assert str(info.value).startswith("roster.csv: line 1: cannot be read as utf-8")


@pytest.mark.parametrize("encoding", ["auto", "utf-8", "utf-8-sig"])
def test_every_leading_bom_is_dropped(tmp_path, encoding):
    (tmp_path / "roster.csv").write_bytes(b"\xef\xbb\xbf" * 3 + csv_text().encode("utf-8"))
    table = read_first(tmp_path, path="roster.csv", encoding=encoding, columns=COLUMNS)
    assert "id_number" in table.frame.columns and table.frame.height == 2


def _with_marks(folder: Path, suffix: str, encoding: str | None) -> Path:
    rows = [(ID_A, "\ufeff张伟", "\ufeff 农村低保 \ufeff"), (ID_B, "刘\ufeff德华", "城市低保"), ("\ufeff" + ID_B, " 李四\ufeff", None)]
    header = ["身份证号码", "姓名", "救助类别"]
    path = folder / f"r{suffix}"
    if suffix == ".csv":
        body = "\n".join(",".join(c or "" for c in r) for r in [header, *rows]) + "\n"
        path.write_bytes(body.encode(encoding))
    elif suffix == ".parquet":
        pl.DataFrame(rows, schema=header, orient="row").write_parquet(path)
    else:
        with xlsxwriter.Workbook(path) as wb:
            ws = wb.add_worksheet()
            for i, r in enumerate([header, *rows]):
                for j, c in enumerate(r):
                    if c is not None:
                        ws.write_string(i, j, c)
    return path


@pytest.mark.parametrize(("suffix", "encoding"), [(".csv", "utf-8"), (".csv", "utf-8-sig"), (".csv", "gb18030"),
                                                  (".parquet", None), (".xlsx", None)])
def test_byte_order_marks_inside_values_are_removed(tmp_path, suffix, encoding):
    """A mark inside a file (joined files, pasted cells) is invisible; the values come without it, so
    that trimming needs only Polars' white-space trim (blank_to_null)."""
    path = _with_marks(tmp_path, suffix, encoding)
    frame = read_first(tmp_path, path=path.name).frame
    assert frame["id_number"].to_list() == [ID_A, ID_B, ID_B]
    assert frame["name"].to_list() == ["张伟", "刘德华", " 李四"]
    assert frame["program"].to_list() == [" 农村低保 ", "城市低保", None]


def test_xlsx_checked_then_read_is_parsed_once_and_never_stale(tmp_path, monkeypatch):
    """The header check loads the sheet whole and the read takes that frame; a file changed after
    the check is read again."""
    import os

    import fastexcel

    from crosscheck import read as read_module

    write_xlsx(tmp_path / "r.xlsx", {"Sheet1": roster_sheet()})
    config = load_month_config(write_month(tmp_path, [{"path": "r.xlsx"}]))
    key, kind, spec = config.inputs()[0]
    fresh = read_table(config, key, kind, spec).frame  # nothing kept: loaded by the read itself
    loads = []
    real = fastexcel.ExcelReader.load_sheet
    monkeypatch.setattr(fastexcel.ExcelReader, "load_sheet", lambda self, *a, **k: loads.append(k) or real(self, *a, **k))
    read_headers(config, key, kind, spec)
    assert_frame_equal(read_table(config, key, kind, spec).frame, fresh)
    assert [k.get("dtypes") for k in loads if k.get("dtypes") == "string"] == ["string"]  # one parse of the values
    assert read_module._sheet_key(tmp_path / "r.xlsx", spec.sheet) not in read_module._LOADED_SHEETS  # taken by the read

    read_headers(config, key, kind, spec)
    rows = roster_sheet()
    rows[1][1] = "王芳"
    write_xlsx(tmp_path / "r.xlsx", {"Sheet1": rows})
    os.utime(tmp_path / "r.xlsx", ns=(1, 1))  # a different modification time, whatever the clock
    assert read_table(config, key, kind, spec).frame["name"].to_list() == ["王芳", "刘德华", "李四"]
