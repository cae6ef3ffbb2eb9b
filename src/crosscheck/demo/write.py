"""Writing the month folder: CSV in its encoding, XLSX (named sheet, real date cells, numbers
where a county's export would hold numbers, a fixed creation date), Parquet (all strings), then
month.yaml, expected.csv and expected_rejects.csv. Output is byte-identical for the same input.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import xlsxwriter

from crosscheck.demo.files import FileSpec

_NUMERIC = re.compile(r"^\d+(\.\d+)?$")


def write_file(df: pl.DataFrame, out_dir: Path, spec: FileSpec, created: dt.datetime) -> list[tuple[int, str]]:
    """Write the file; return (row, tag) of its reject rows: the spreadsheet line for CSV and XLSX
    (header = row 1), the 1-based record number for Parquet (no header line), as the engine reports."""
    first = 1 if spec.fmt == "parquet" else 2
    tags = [(i + first, t) for i, t in enumerate(df["_tag"].to_list()) if t]
    numeric_id = df["_numeric_id"].to_list()
    data = df.drop("_tag", "_numeric_id")
    path = out_dir / spec.path
    path.parent.mkdir(parents=True, exist_ok=True)
    if spec.fmt == "xlsx":
        _write_xlsx(data, path, spec, created, numeric_id)
        return tags
    data = data.select(pl.when(pl.all().cast(pl.String) != "").then(pl.all().cast(pl.String)))   # empty -> blank
    if spec.fmt == "parquet":
        data.write_parquet(path, compression="zstd", statistics=False)
    elif spec.encoding in ("utf-8", "utf-8-sig"):
        data.write_csv(path, include_bom=spec.encoding == "utf-8-sig", line_terminator="\r\n" if spec.crlf else "\n")
    else:
        text = data.write_csv(line_terminator="\r\n" if spec.crlf else "\n")
        path.write_bytes(text.encode(spec.encoding))
    return tags


def _write_xlsx(data: pl.DataFrame, path: Path, spec: FileSpec, created: dt.datetime, numeric_id: list[bool]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": created, "author": "中方县民政局"})
    ws = wb.add_worksheet(spec.sheet or "Sheet1")
    date_fmt = wb.add_format({"num_format": "yyyy/m/d"})
    head_fmt = wb.add_format({"bold": True})
    headers = [h for h, _ in spec.headers]
    cols = [c for _, c in spec.headers]
    ws.write_row(0, 0, headers, head_fmt)
    kinds = ["date" if c in spec.excel_dates else "num" if (c in spec.excel_numbers or c == "seq") else
             "id" if c == "id" else "str" for c in cols]
    for r, row in enumerate(data.iter_rows(), start=1):
        for c, (v, kind) in enumerate(zip(row, kinds, strict=True)):
            if v is None or v == "":
                continue
            if kind == "date" and isinstance(v, dt.date):
                ws.write_datetime(r, c, v, date_fmt)
            elif kind == "num" and _NUMERIC.match(v):
                ws.write_number(r, c, float(v))
            elif kind == "id" and numeric_id[r - 1]:
                ws.write_number(r, c, float(v))          # what Excel does to a long number typed in
            else:
                ws.write_string(r, c, str(v))
    wb.close()


def _q(s: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def month_yaml(specs: list[FileSpec], month: str, county: str) -> str:
    lines = [f"month: {_q(month)}", f"county: {_q(county)}"]
    for section, items in (("roster", [s for s in specs if s.kind == "roster"]),
                           ("sources", [s for s in specs if s.kind != "roster"])):
        lines.append(f"{section}:")
        for s in items:
            first = f"  - kind: {s.kind}\n    path: {_q(s.path)}" if section == "sources" else f"  - path: {_q(s.path)}"
            lines.append(first)
            if s.sheet and s.fmt == "xlsx":
                lines.append(f"    sheet: {_q(s.sheet)}")
            if s.fmt == "csv" and s.declare_encoding:
                lines.append(f"    encoding: {s.encoding}")
            if s.mapping:
                lines.append("    columns:")
                lines += [f"      {_q(h)}: {f}" for h, f in s.mapping.items()]
    return "\n".join(lines) + "\n"


def write_expected(out_dir: Path, expected: pl.DataFrame, rejects: pl.DataFrame) -> None:
    expected.write_csv(out_dir / "expected.csv")
    rejects.write_csv(out_dir / "expected_rejects.csv")
