"""Readers: CSV (UTF-8, UTF-8 with BOM, GBK, GB18030), XLSX and Parquet into all-string frames.

Every frame gets `_file` (the path as written in the config) and `_row` (the line a clerk sees in a
spreadsheet: header = 1, first data row = 2; for Parquet the 1-based record number). Mapped columns
take their canonical names; the rest are kept as evidence in one JSON column `_extra` (unless the
caller asks for none). An ID cell that Excel stored as a number gets `_{field}_excel = true`: its
digits are already lost and it must be reported, never repaired. Byte-order marks inside mapped
values are removed (`without_marks`; for a CSV file only when its bytes hold one past the start).
"""

from __future__ import annotations

import codecs
import csv
import io
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from crosscheck.config import InputFile, MonthConfig
from crosscheck.errors import ConfigError, InputError
from crosscheck.normalize_values import without_marks
from crosscheck.tables import ID_FIELDS, MANDATORY, canonical_header, synonym_map

GB_FAMILY = {"gbk", "gb2312", "gb18030", "hz", "cp936", "euc_cn", "gb2312-80"}
ENCODING_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030"}  # a superset decodes what they wrote


@dataclass(frozen=True)
class RawTable:
    """One input file read as text: canonical columns, `_file`, `_row`, `_extra`."""

    key: str
    kind: str
    path: Path
    label: str
    frame: pl.DataFrame
    encoding: str | None


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) or gb18030 for the GB family; charset-normalizer decides others."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # only for files neither UTF-8 nor GB18030 (rare)

    best = charset_normalizer.from_bytes(data[:1_000_000]).best()
    if best is None:
        raise ValueError("cannot tell its text encoding")
    return "gb18030" if best.encoding.lower() in GB_FAMILY else best.encoding


def _detect(data: bytes, label: str) -> str:
    try:
        return detect_encoding(data)
    except ValueError as e:
        raise InputError(f"{label}: {e}; set `encoding:` for this file in month.yaml") from None


def decode(data: bytes, encoding: str, label: str) -> str:
    enc = _detect(data, label) if encoding == "auto" else ENCODING_ALIASES.get(encoding, encoding)
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"{label}: line {line}: cannot be read as {enc} (byte 0x{data[e.start]:02x}); "
            "set `encoding:` for this file in month.yaml"
        ) from None


def _parse_csv(utf8: bytes, label: str) -> pl.DataFrame:
    try:
        return pl.read_csv(io.BytesIO(utf8), infer_schema=False)
    except pl.exceptions.PolarsError as e:
        if "more fields" not in str(e):
            raise InputError(f"{label}: not a readable CSV file: {str(e).splitlines()[0]}") from None
        return _read_ragged_csv(utf8.decode("utf-8"))


def _read_csv(path: Path, spec: InputFile, label: str) -> tuple[pl.DataFrame, str, bool]:
    """The frame, the encoding and whether a byte-order mark is left in its text."""
    data = path.read_bytes()
    if spec.encoding in ("auto", "utf-8", "utf-8-sig") and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # most files are UTF-8: Polars checks the data rows' bytes while parsing, with no decoding
        # in Python. Anything else (not UTF-8, a header Polars decoded with replacement characters,
        # a ragged or broken file) goes the way below, which detects the encoding (auto) or names
        # the line that is not UTF-8, exactly as when every file went that way
        start = 0
        while data.startswith(codecs.BOM_UTF8, start):
            start += len(codecs.BOM_UTF8)
        try:
            frame = pl.read_csv(io.BytesIO(data[start:]), infer_schema=False)
        except pl.exceptions.PolarsError:
            pass
        else:
            if not any("\ufffd" in c for c in frame.columns):
                utf8 = "utf-8-sig" if start else "utf-8"
                return frame, utf8 if spec.encoding == "auto" else spec.encoding, data.find(codecs.BOM_UTF8, start) >= 0
    encoding = _detect(data, label) if spec.encoding == "auto" else spec.encoding
    if encoding in ("utf-8", "utf-8-sig") and spec.encoding == "auto":
        utf8 = data.removeprefix(codecs.BOM_UTF8)  # already checked by detect_encoding
    else:
        utf8 = decode(data, encoding, label).lstrip("\ufeff").encode("utf-8")
    return _parse_csv(utf8, label), encoding, codecs.BOM_UTF8 in utf8


def _read_ragged_csv(text: str) -> pl.DataFrame:
    """A CSV file some of whose lines have more fields than the header (a stray comma in an
    unquoted field, say): every line is kept, cut to the header's columns, and `_ragged_fields`
    holds the line's field count where it was too long, so the row goes to rejects instead of being
    read with shifted values. Only files with such lines come here (the csv module, line by line)."""
    rows = list(csv.reader(io.StringIO(text)))
    header, data = rows[0], rows[1:]
    width = len(header)
    columns = {h: [(r[i] or None) if i < len(r) else None for r in data] for i, h in enumerate(header)}
    columns["_ragged_fields"] = [len(r) if len(r) > width else None for r in data]
    return pl.DataFrame(columns, schema={**{h: pl.String for h in header}, "_ragged_fields": pl.Int64})


def _open_xlsx(path: Path, label: str):
    try:
        return fastexcel.read_excel(path)
    except Exception as e:  # fastexcel raises its own error types for corrupt or foreign files
        raise InputError(f"{label}: not a readable xlsx workbook ({type(e).__name__})") from None


# sheets loaded whole by the header checks (two threads: hence the lock), for the read that
# follows: calamine parses the whole sheet even for its first row, so the check's parse is kept
# instead of done twice (keyed by path, sheet, size and mtime; taken out by the read; a few at most)
_LOADED_SHEETS: dict[tuple, pl.DataFrame] = {}
_SHEETS_LOCK = threading.Lock()


def forget_loaded_sheets() -> None:
    """Drop the sheets kept by header checks whose reads did not come (a run stopped early)."""
    _LOADED_SHEETS.clear()


def _sheet_key(path: Path, sheet: str | int | None) -> tuple:
    stat = path.stat()
    return (str(path.resolve()), sheet, stat.st_size, stat.st_mtime_ns)


def _sheet(spec: InputFile) -> str | int:
    """The sheet named in the config, else the first."""
    return spec.sheet if spec.sheet is not None else 0


def _read_xlsx(path: Path, spec: InputFile, label: str) -> pl.DataFrame:
    loaded = _LOADED_SHEETS.pop(_sheet_key(path, spec.sheet), None)
    if loaded is not None:
        return loaded
    reader = _open_xlsx(path, label)
    try:
        return reader.load_sheet(_sheet(spec), dtypes="string").to_polars()
    except Exception as e:
        raise InputError(f"{label}: sheet cannot be read ({type(e).__name__}: {str(e).splitlines()[0]})") from None


def _read_parquet(path: Path, label: str, columns: list[str] | None = None, *, schema_only: bool = False):
    """The file's frame (only `columns`, if given), or with `schema_only` its schema as a dict."""
    try:
        return dict(pl.read_parquet_schema(path)) if schema_only else pl.read_parquet(path, columns=columns)
    except Exception as e:
        raise InputError(f"{label}: not a readable Parquet file ({type(e).__name__})") from None


def _excel_number_flags(path: Path, spec: InputFile, headers: dict[str, str]) -> pl.DataFrame | None:
    """For ID columns of an xlsx sheet: which cells Excel holds as numbers.

    fastexcel coerces a numeric cell to a boolean and leaves a text cell null when a column is
    loaded as booleans; that tells the cell types apart without parsing the sheet XML ourselves.
    """
    id_headers = {h: f for h, f in headers.items() if f in (*ID_FIELDS, "bank_account")}
    if not id_headers:
        return None
    reader = fastexcel.read_excel(path)
    sheet = spec.sheet if spec.sheet is not None else 0
    loaded = reader.load_sheet(
        sheet, use_columns=list(id_headers), dtypes={h: "boolean" for h in id_headers}
    ).to_polars()
    return loaded.select(pl.col(h).is_not_null().alias(f"_{f}_excel") for h, f in id_headers.items())


def header_mapping(columns: list[str], spec: InputFile, kind: str, label: str, where: str) -> dict[str, str]:
    """File header -> canonical field, from the config's `columns` or from the usual headers.
    `where` names the config file and key for errors ("month.yaml: roster[0]")."""
    if spec.columns:
        missing = [h for h in spec.columns if h not in columns]
        if missing:
            raise ConfigError(
                f"{where}.columns.{missing[0]}: column not in {label} (headers: {', '.join(columns)})"
            )
        return dict(spec.columns)
    synonyms = synonym_map(kind)
    mapping: dict[str, str] = {}
    for h in columns:
        field = synonyms.get(canonical_header(h))
        if field is not None and field not in mapping.values():
            mapping[h] = field
    if not {"id_number", "name"} & set(mapping.values()):
        raise ConfigError(
            f"{where}: no ID number or name column recognised in {label} (headers: {', '.join(columns)}); "
            "add a `columns:` mapping"
        )
    return mapping


def read_headers(config: MonthConfig, key: str, kind: str, spec: InputFile) -> dict[str, str]:
    """Check that a file opens, its headers map and its kind's mandatory fields have a column;
    cheap (reads only the header)."""
    path = config.resolve(spec.path)
    label = str(spec.path)
    suffix = path.suffix.lower()
    where = f"{config.config_name}: {key}"
    if suffix == ".parquet":
        columns = list(_read_parquet(path, label, schema_only=True))
    elif suffix in (".xlsx", ".xlsm"):
        reader = _open_xlsx(path, label)
        if spec.sheet is not None and spec.sheet not in reader.sheet_names:
            raise ConfigError(f"{where}.sheet: sheet '{spec.sheet}' not found in {label} "
                              f"(sheets: {', '.join(reader.sheet_names)})")
        try:  # the whole sheet, kept for the read (the first row costs as much)
            whole = reader.load_sheet(_sheet(spec), dtypes="string").to_polars()
            columns = whole.columns
            with _SHEETS_LOCK:
                while len(_LOADED_SHEETS) >= 8:
                    _LOADED_SHEETS.pop(next(iter(_LOADED_SHEETS)))
                _LOADED_SHEETS[_sheet_key(path, spec.sheet)] = whole
        except Exception:  # what cannot be loaded whole is reported by the read, with its reason
            try:
                sheet = reader.load_sheet(_sheet(spec), n_rows=1, dtypes="string")
            except Exception as e:
                raise InputError(f"{label}: sheet cannot be read ({type(e).__name__})") from None
            columns = [c.name for c in sheet.available_columns()]
    else:
        with path.open("rb") as fh:
            head = fh.read(65536)
        text = decode(head.rsplit(b"\n", 1)[0] if b"\n" in head else head, spec.encoding, label)
        columns = pl.read_csv(io.BytesIO(text.lstrip("\ufeff").encode()), n_rows=0, infer_schema=False).columns
    mapping = header_mapping(columns, spec, kind, label, where)
    for field in MANDATORY.get(kind, ()):
        if field not in mapping.values():
            raise ConfigError(f"{where}: no column for the mandatory field '{field}' in {label} "
                              f"(headers: {', '.join(columns)}); map one under `columns:`")
    return mapping


def read_table(config: MonthConfig, key: str, kind: str, spec: InputFile, *, extras: bool = True,
               unread: Collection[str] = ()) -> RawTable:
    """Read one input file into a RawTable with canonical text columns; with `extras`, the unmapped
    columns in `_extra` (the monthly run, which reads none of them, leaves them out: encoding them
    costs a tenth of reading a wide file). The canonical fields in `unread` are left out too (the
    monthly run's `tables.UNREAD_BY_RUN`); from a Parquet file, neither they nor (without
    `extras`) the unmapped columns are read at all."""
    path = config.resolve(spec.path)
    label = str(spec.path)
    suffix = path.suffix.lower()
    where = f"{config.config_name}: {key}"
    encoding, flags, marks = None, None, True
    if suffix == ".parquet":
        schema = _read_parquet(path, label, schema_only=True)
        mapping = header_mapping(list(schema), spec, kind, label, where)
        wanted = [h for h in schema if (extras and h not in mapping) or mapping.get(h) not in (None, *unread)]
        # no column at all would read no rows: then one column (left out below), for the row count
        frame = _read_parquet(path, label, wanted or list(schema)[:1])
        floats = [c for c in frame.columns if schema[c].is_float()]
        frame = frame.select(pl.all().cast(pl.String))
        first_row = 1
    elif suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path, spec, label)
        first_row = 2
    else:
        frame, encoding, marks = _read_csv(path, spec, label)
        first_row = 2
    if suffix != ".parquet":
        mapping = header_mapping(frame.columns, spec, kind, label, where)
    mapped = set(mapping)  # the mapped headers, unread fields' among them: none goes to `_extra`
    mapping = {h: f for h, f in mapping.items() if f not in unread}
    if suffix in (".xlsx", ".xlsm"):
        flags = _excel_number_flags(path, spec, mapping)
    elif suffix == ".parquet":  # a float column cannot hold 18 digits: same loss as an Excel number
        lost = [(h, f) for h, f in mapping.items() if f in (*ID_FIELDS, "bank_account") and h in floats]
        flags = frame.select(pl.repeat(True, pl.len()).alias(f"_{f}_excel") for _, f in lost) if lost else None
    unmapped = [c for c in frame.columns if c not in mapped and c != "_ragged_fields"] if extras else []
    extra = (
        pl.struct(unmapped).struct.json_encode() if unmapped else pl.lit(None, dtype=pl.String)
    ).alias("_extra")
    out = frame.select(
        pl.lit(label).alias("_file"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias("_row"),
        *[pl.col(h).alias(f) for h, f in mapping.items()],
        *([extra] if extras else []),
        *([pl.col("_ragged_fields")] if "_ragged_fields" in frame.columns else []),
    )
    out = without_marks(out, list(mapping.values()), maybe=marks)
    if flags is not None:
        out = pl.concat([out, flags], how="horizontal")
    return RawTable(key=key, kind=kind, path=path, label=label, frame=out, encoding=encoding)
