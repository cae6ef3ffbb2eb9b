"""The month config: what loads, and the one-line errors (file + key) for everything that does not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from typer.testing import CliRunner

from crosscheck.cli import app
from crosscheck.config import MonthConfig, load_month_config
from crosscheck.errors import ConfigError, CrosscheckError, InputError
from crosscheck.pipeline import check_month

ROSTER_CSV = "身份证号码,姓名,救助类别,月发放金额(元)\n34052419800101001X,张伟,农村低保,385\n"
DEATHS_CSV = "身份证号码,姓名,死亡日期\n34052419800101001X,张伟,2022-11-03\n"


# ---------------------------------------------------------------------------------------- helpers


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A month folder with a roster CSV, a deaths CSV and an xlsx with two sheets."""
    (tmp_path / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "deaths.csv").write_text(DEATHS_CSV, encoding="utf-8")
    wb = xlsxwriter.Workbook(tmp_path / "roster.xlsx")
    wb.add_worksheet("封面").write_string(0, 0, "说明")
    ws = wb.add_worksheet("发放名册")
    for c, h in enumerate(["身份证号码", "姓名", "救助类别"]):
        ws.write_string(0, c, h)
    for c, v in enumerate(["34052419800101001X", "张伟", "农村低保"]):
        ws.write_string(1, c, v)
    wb.close()
    return tmp_path


def write_yaml(folder: Path, text: str, name: str = "month.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path, *, via_check: bool = False) -> str:
    with pytest.raises(ConfigError) as info:
        (check_month if via_check else load_month_config)(path)
    message = str(info.value)
    assert "\n" not in message, f"not one line: {message!r}"
    assert info.value.exit_code == 2
    return message


GOOD = """\
month: 2022-12
county: 431221
roster:
  - path: roster.csv
    columns: {身份证号码: id_number, 姓名: name, 救助类别: program, 月发放金额(元): amount}
  - path: roster.xlsx
    sheet: 发放名册
    encoding: auto
sources:
  - kind: deaths
    path: sources/deaths.csv
    columns: {身份证号码: id_number, 姓名: name, 死亡日期: death_date}
"""


# ------------------------------------------------------------------------------------ good configs


def test_good_config_loads(folder):
    config = load_month_config(write_yaml(folder, GOOD))
    assert isinstance(config, MonthConfig)
    assert config.month == "2022-12"
    assert config.county == "431221"  # an unquoted number is read as text
    assert config.first_day == dt.date(2022, 12, 1)
    assert config.last_day == dt.date(2022, 12, 31)
    assert config.base_dir == folder.resolve()
    assert [(k, kind, str(f.path)) for k, kind, f in config.inputs()] == [
        ("roster[0]", "roster", "roster.csv"),
        ("roster[1]", "roster", "roster.xlsx"),
        ("sources[0]", "deaths", "sources/deaths.csv"),
    ]
    assert config.roster[0].encoding == "auto"
    assert config.roster[1].sheet == "发放名册"
    assert config.roster[0].columns["月发放金额(元)"] == "amount"
    assert config.resolve(Path("sources/deaths.csv")) == folder.resolve() / "sources" / "deaths.csv"
    assert config.rules is None


def test_good_config_passes_check_month(folder):
    config, catalog = check_month(write_yaml(folder, GOOD))
    assert config.month == "2022-12"
    assert {p.code for p in catalog.programs} >= {"urban_dibao", "tekun_dispersed"}


def test_config_from_another_working_directory(folder, monkeypatch, tmp_path_factory):
    path = write_yaml(folder, GOOD)
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    config = load_month_config(path)
    assert config.resolve(config.roster[0].path).is_file()


@pytest.mark.parametrize(
    ("month", "normalised", "last_day"),
    [
        ("2022-12", "2022-12", dt.date(2022, 12, 31)),
        ("2022-1", "2022-01", dt.date(2022, 1, 31)),
        ("'2024-02'", "2024-02", dt.date(2024, 2, 29)),
        ("2023-02", "2023-02", dt.date(2023, 2, 28)),
        ("2022-04", "2022-04", dt.date(2022, 4, 30)),
    ],
)
def test_month_forms(folder, month, normalised, last_day):
    config = load_month_config(write_yaml(folder, f"month: {month}\nroster:\n  - path: roster.csv\n"))
    assert config.month == normalised
    assert config.last_day == last_day
    assert config.first_day == last_day.replace(day=1)


def test_yaml_with_bom_loads(folder):
    path = folder / "month.yaml"
    path.write_bytes("\ufeffmonth: 2022-12\nroster:\n  - path: roster.csv\n".encode("utf-8"))
    assert load_month_config(path).month == "2022-12"


def test_rules_folder(folder):
    import shutil

    from crosscheck.catalog import default_rules_dir

    shutil.copytree(default_rules_dir(), folder / "rules")
    config, catalog = check_month(write_yaml(folder, "month: 2022-12\nroster:\n  - path: roster.csv\nrules: rules/\n"))
    assert config.rules == Path("rules")
    assert catalog.folder == folder.resolve() / "rules"


# ----------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nfoo: 1\n",
            "month.yaml: foo: unknown key",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nbase_dir: /etc\n",
            "month.yaml: base_dir: unknown key",
            id="base_dir-is-not-a-user-key",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\n  - path: roster.csv\n    colums: {姓名: name}\n",
            "month.yaml: roster[1].colums: unknown key",
            id="unknown-key-in-roster-entry",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nsources:\n  - kind: deaths\n    path: sources/deaths.csv\n"
            "    sheet_name: x\n",
            "month.yaml: sources[0].sheet_name: unknown key",
            id="unknown-key-in-source-entry",
        ),
        pytest.param(
            "month: 2022-13\nroster:\n  - path: roster.csv\n",
            "month.yaml: month: '2022-13' is not a month in the form YYYY-MM",
            id="month-13",
        ),
        pytest.param(
            "month: 2022-00\nroster:\n  - path: roster.csv\n",
            "month.yaml: month: '2022-00' is not a month in the form YYYY-MM",
            id="month-00",
        ),
        pytest.param(
            "month: 2022/12\nroster:\n  - path: roster.csv\n",
            "month.yaml: month: '2022/12' is not a month in the form YYYY-MM",
            id="month-slash",
        ),
        pytest.param(
            "month: 2022-12-01\nroster:\n  - path: roster.csv\n",
            "month.yaml: month: '2022-12-01' is not a month in the form YYYY-MM",
            id="month-is-a-date",
        ),
        pytest.param(
            "roster:\n  - path: roster.csv\n",
            "month.yaml: month: required key is missing",
            id="missing-month",
        ),
        pytest.param(
            "month: 2022-12\n",
            "month.yaml: roster: required key is missing",
            id="missing-roster",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - sheet: x\n",
            "month.yaml: roster[0].path: required key is missing",
            id="missing-path",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nsources:\n  - path: sources/deaths.csv\n",
            "month.yaml: sources[0].kind: required key is missing",
            id="missing-kind",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: nope.csv\n",
            "month.yaml: roster[0].path: file not found: nope.csv",
            id="missing-roster-file",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nsources:\n  - kind: deaths\n    path: sources/deaths.csv\n"
            "  - kind: deaths\n    path: sources/火化.csv\n",
            "month.yaml: sources[1].path: file not found: sources/火化.csv",
            id="missing-source-file",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\n    sheet: 名册\n",
            "month.yaml: roster[0].sheet: only an xlsx file has sheets (roster.csv)",
            id="sheet-on-csv",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nrules: myrules/\n",
            "month.yaml: rules: folder not found: myrules",
            id="missing-rules-folder",
        ),
        pytest.param(
            "- month: 2022-12\n",
            "month.yaml: expected a mapping with month, roster and sources",
            id="not-a-mapping",
        ),
        pytest.param(
            "",
            "month.yaml: expected a mapping with month, roster and sources",
            id="empty-file",
        ),
    ],
)
def test_config_errors_exact(folder, text, expected):
    assert config_error(write_yaml(folder, text)) == expected


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nsources:\n  - kind: vehicle\n    path: sources/deaths.csv\n",
            "sources[0].kind",
            ["unknown source kind 'vehicle'", "vehicles", "deaths", "rosters_elsewhere"],
            id="unknown-source-kind",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\nsources:\n  - kind: deaths\n    path: sources/deaths.csv\n"
            "  - kind: 死亡\n    path: sources/deaths.csv\n",
            "sources[1].kind",
            ["unknown source kind '死亡'"],
            id="unknown-source-kind-second-entry",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.csv\n    encoding: latin-1\n",
            "roster[0].encoding",
            ["'gb18030'", "'auto'"],
            id="bad-encoding",
        ),
        pytest.param(
            "month: 2022-12\nroster: []\n",
            "roster",
            ["at least 1"],
            id="empty-roster",
        ),
        pytest.param(
            "month: 2022-12\nroster:\n  - path: roster.xls\n",
            "roster[0].path",
            ["file not found: roster.xls"],
            id="missing-xls",
        ),
        pytest.param(
            "month: [2022\n",
            "",
            ["not valid YAML"],
            id="invalid-yaml",
        ),
    ],
)
def test_config_errors_name_file_and_key(folder, text, key, words):
    message = config_error(write_yaml(folder, text))
    assert message.startswith(f"month.yaml: {key}: " if key else "month.yaml: ")
    for w in words:
        assert w in message


def test_unsupported_file_type(folder):
    (folder / "roster.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    message = config_error(write_yaml(folder, "month: 2022-12\nroster:\n  - path: roster.xls\n"))
    assert message == "month.yaml: roster[0].path: unsupported file type '.xls' (roster.xls)"


@pytest.mark.parametrize(
    ("entry", "key", "kind", "field"),
    [
        ("roster:\n  - path: roster.csv\n    columns: {身份证号码: idnumber}\n", "roster[0]", "roster", "idnumber"),
        ("roster:\n  - path: roster.csv\nsources:\n  - kind: deaths\n    path: sources/deaths.csv\n"
         "    columns: {身份证号码: id_number, 死亡日期: date_of_death}\n", "sources[0]", "deaths", "date_of_death"),
        ("roster:\n  - path: roster.csv\nsources:\n  - kind: deaths\n    path: sources/deaths.csv\n"
         "    columns: {号牌号码: plate}\n", "sources[0]", "deaths", "plate"),  # a field of another kind
    ],
)
def test_unknown_canonical_field_in_columns(folder, entry, key, kind, field):
    message = config_error(write_yaml(folder, "month: 2022-12\n" + entry))
    assert message.startswith(f"month.yaml: {key}")
    assert "columns." in message
    assert f"unknown {kind} field '{field}'" in message
    assert "id_number" in message  # lists the expected fields


def test_unknown_canonical_field_in_columns_names_the_full_key_path(folder):
    text = "month: 2022-12\nroster:\n  - path: roster.csv\n    columns: {身份证号码: idnumber}\n"
    message = config_error(write_yaml(folder, text))
    assert message.startswith("month.yaml: roster[0].columns.身份证号码: ")


def test_missing_config_file(tmp_path):
    path = tmp_path / "nope.yaml"
    message = config_error(path)
    assert message == f"{path}: config file not found"


def test_sheet_that_does_not_exist_via_check_month(folder):
    path = write_yaml(folder, "month: 2022-12\nroster:\n  - path: roster.xlsx\n    sheet: 名册\n")
    load_month_config(path)  # the file exists: the config itself is fine
    message = config_error(path, via_check=True)
    assert "roster.xlsx" in message
    assert "'名册'" in message and "not found" in message
    assert "封面, 发放名册" in message  # lists the sheets there are


def test_sheet_that_does_not_exist_names_the_key(folder):
    path = write_yaml(folder, "month: 2022-12\nroster:\n  - path: roster.xlsx\n    sheet: 名册\n")
    message = config_error(path, via_check=True)
    assert "roster[0].sheet" in message


def test_mapped_header_missing_via_check_month(folder):
    text = "month: 2022-12\nroster:\n  - path: roster.csv\n    columns: {身份证号: id_number, 姓名: name}\n"
    path = write_yaml(folder, text)
    load_month_config(path)
    message = config_error(path, via_check=True)
    assert message.startswith("month.yaml: roster[0].columns.身份证号: column not in roster.csv")
    assert "身份证号码, 姓名, 救助类别, 月发放金额(元)" in message  # lists the headers there are


def test_mapped_header_missing_in_a_source_xlsx(folder):
    text = (
        "month: 2022-12\nroster:\n  - path: roster.csv\nsources:\n  - kind: deaths\n    path: roster.xlsx\n"
        "    sheet: 发放名册\n    columns: {身份证号码: id_number, 死亡日期: death_date}\n"
    )
    message = config_error(write_yaml(folder, text), via_check=True)
    assert message.startswith("month.yaml: sources[0].columns.死亡日期: column not in roster.xlsx")


def test_mapped_header_missing_names_the_key(folder):
    text = "month: 2022-12\nroster:\n  - path: roster.csv\n    columns: {身份证号: id_number, 姓名: name}\n"
    message = config_error(write_yaml(folder, text), via_check=True)
    assert "roster[0].columns" in message


def test_every_crosscheck_error_exits_2():
    assert ConfigError("x").exit_code == InputError("x").exit_code == CrosscheckError("x").exit_code == 2


# -------------------------------------------------------------------------------------------- CLI


def one_line_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    err = result.stderr
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    assert result.stdout == ""
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return err.rstrip("\n")


def test_cli_check_missing_config(tmp_path):
    bad = tmp_path / "a-rather-long-folder-name-so-that-a-wrapping-console-would-split-it" / "bad.yaml"
    result = CliRunner().invoke(app, ["check", "--config", str(bad)])
    line = one_line_error(result)
    assert line == f"error: {bad}: config file not found"


def test_cli_check_bad_config(folder):
    text = "month: 2022-12\nroster:\n  - path: roster.csv\nsources:\n  - kind: vehicle\n    path: sources/deaths.csv\n"
    path = write_yaml(folder, text, "bad.yaml")
    result = CliRunner().invoke(app, ["check", "--config", str(path)])
    line = one_line_error(result)
    assert line.startswith("error: bad.yaml: sources[0].kind: unknown source kind 'vehicle'")


def test_cli_check_missing_sheet(folder):
    path = write_yaml(folder, "month: 2022-12\nroster:\n  - path: roster.xlsx\n    sheet: 名册\n", "bad.yaml")
    line = one_line_error(CliRunner().invoke(app, ["check", "-c", str(path)]))
    assert "roster.xlsx" in line and "名册" in line


def test_cli_run_bad_config_exits_2_before_writing(folder):
    path = write_yaml(folder, "month: 2022-13\nroster:\n  - path: roster.csv\n", "bad.yaml")
    out = folder / "out"
    line = one_line_error(CliRunner().invoke(app, ["run", "--config", str(path), "--out", str(out), "--quiet"]))
    assert line == "error: bad.yaml: month: '2022-13' is not a month in the form YYYY-MM"
    assert not out.exists()


def test_cli_check_good_config(folder):
    path = write_yaml(folder, GOOD)
    result = CliRunner().invoke(app, ["check", "--config", str(path)])
    assert result.exit_code == 0, result.output
    # the success line may be wrapped by the console: compare with whitespace collapsed
    assert "OK: month 2022-12, 2 roster file(s), 1 source file(s)" in " ".join(result.stdout.split())
    assert result.stderr == ""


@pytest.mark.parametrize("name", ["data[final].csv", "data[/old].csv"])
def test_cli_error_text_is_printed_verbatim(folder, name):
    path = write_yaml(folder, f"month: 2022-12\nroster:\n  - path: {name}\n", "bad.yaml")
    line = one_line_error(CliRunner().invoke(app, ["check", "--config", str(path)]))
    assert line == f"error: bad.yaml: roster[0].path: file not found: {name}"
