"""Normalisation stage: raw text tables -> typed, normalised frames, and the rows that cannot be used.

A row goes to rejects (with file, row, field and reason) when it has neither an ID number nor a
name, or a mandatory field is empty or unreadable (the roster's program, a death date ...). Every
other oddity stays on the row and is visible downstream (an invalid ID number is a finding of its
own, not a reject). Rows read = rows kept + rows rejected, always.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import polars as pl

from crosscheck.catalog import Catalog
from crosscheck.normalize_id import normalize_id
from crosscheck.normalize_name import normalize_names
from crosscheck.normalize_values import (
    account_number,
    blank_to_null,
    is_unparseable,
    parse_amount,
    parse_capital,
    parse_date,
    parse_phone,
    parse_program,
    parse_yes_no,
    per_distinct,
    program_lookup,
)
from crosscheck.read import RawTable
from crosscheck.tables import DATE_FIELDS, FIELDS, MANDATORY, MUST_PARSE

REJECT_SCHEMA = {
    "file": pl.String, "row": pl.Int64, "kind": pl.String, "field": pl.String,
    "value": pl.String, "reason": pl.String,
}
TEXT_FIELDS = ("household_id", "relation", "town", "village", "payee_name", "address", "household_no",
               "plate", "vehicle_type", "status", "company", "credit_code", "entity_type", "role",
               "employer", "position", "county")


@dataclass(frozen=True)
class Prepared:
    """One input file after normalisation."""

    table: RawTable  # the file's description; its frame is emptied once normalised
    frame: pl.DataFrame
    rejects: pl.DataFrame
    rows_read: int


_PARSED_ONCE = {"amount", "registered_capital", "program", *DATE_FIELDS}


def _parsers(catalog: Catalog) -> dict[str, object]:
    """The fields whose parsed value both the rejects and the typed frame may need: parsed once,
    and once per distinct value (they repeat: `per_distinct`)."""
    lookup = program_lookup(catalog.programs)
    return {"amount": per_distinct(parse_amount, pl.Float64),
            "registered_capital": per_distinct(parse_capital, pl.Float64),
            "program": per_distinct(lambda e: parse_program(e, lookup), pl.String),
            **{field: per_distinct(parse_date, pl.Date) for field in DATE_FIELDS}}


def _typed_columns(kind: str, present: set[str], catalog: Catalog) -> list[pl.Expr]:
    """Typed columns; the fields of _PARSED_ONCE (amounts, programs, dates) come from their `__p_`
    columns (see `prepare_values`)."""
    exprs = [pl.col(f"__p_{field}").alias(field) for field in present & _PARSED_ONCE]
    for field in present & set(TEXT_FIELDS):
        exprs.append(blank_to_null(pl.col(field)).alias(field))
    if "bank_account" in present:
        exprs.append(account_number(pl.col("bank_account")).alias("bank_account"))
    if "phone" in present:
        exprs.append(parse_phone(pl.col("phone")).alias("phone"))
    if "cadre_relative_filed" in present:
        exprs.append(parse_yes_no(pl.col("cadre_relative_filed")).alias("cadre_relative_filed"))
    return exprs


def _reject_checks(kind: str, present: set[str]) -> list[tuple[str, pl.Expr, str]]:
    """(field, bad-row condition on the raw text, reason) in the order they are reported."""
    id_raw = blank_to_null(pl.col("id_number")) if "id_number" in present else pl.lit(None, pl.String)
    name_raw = pl.col("__p_name")  # the trimmed name, kept for the typed frame
    checks = [("id_number", id_raw.is_null() & name_raw.is_null(), "no ID number and no name")]
    for field in MANDATORY.get(kind, ()):
        if field not in present:
            continue
        raw = blank_to_null(pl.col(field))
        checks.append((field, raw.is_null(), f"{field} is empty"))
        if field == "program":
            continue  # unknown labels are checked after parsing
        # every mandatory field but the program is a date, parsed once (`_PARSED_ONCE`)
        checks.append((field, is_unparseable(pl.col(field), pl.col(f"__p_{field}")), f"{field} is not a date"))
    what = {"amount": "a number", "registered_capital": "a number", "released_on": "a date"}
    for field in MUST_PARSE.get(kind, ()):
        if field in present:
            checks.append((field, is_unparseable(pl.col(field), pl.col(f"__p_{field}")), f"{field} is not {what[field]}"))
    return checks


def prepare_values(table: RawTable, catalog: Catalog) -> Prepared:
    """One raw table's unusable rows split off and its other fields typed (`normalize_values`); its
    ID numbers and names are left for `normalize_people`, which does many files' at once."""
    kind = table.kind
    present = set(table.frame.columns) & set(FIELDS[kind])
    raw = table.frame
    for field in ("id_number", "name"):
        if field not in present:
            raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(field))
    parse = _parsers(catalog)
    checks = _reject_checks(kind, present)
    if "_ragged_fields" in raw.columns:  # a CSV line longer than its header: its values may be shifted
        checks.insert(0, ("line", pl.col("_ragged_fields").is_not_null(),
                          pl.format("the line has {} fields, more than its header: values may be shifted",
                                    pl.col("_ragged_fields"))))
    if "program" in present:
        unknown = blank_to_null(pl.col("program")).is_not_null() & pl.col("__p_program").is_null()
        checks.append(("program", unknown, "unknown program label"))
    reason = pl.lit(None, dtype=pl.String)
    field = pl.lit(None, dtype=pl.String)
    for i, (f, _, why) in reversed(list(enumerate(checks))):  # the first failing check wins
        bad = pl.col(f"__bad{i}")
        reason = pl.when(bad).then(pl.lit(why) if isinstance(why, str) else why).otherwise(reason)
        field = pl.when(bad).then(pl.lit(f)).otherwise(field)
    # one plan: the parsed fields, each check once, then the first failing one's reason
    flagged = (
        raw.lazy()
        .with_columns(*(parse[f](pl.col(f)).alias(f"__p_{f}") for f in _PARSED_ONCE & present),
                      blank_to_null(pl.col("name")).alias("__p_name"))
        .with_columns(bad.fill_null(False).alias(f"__bad{i}") for i, (_, bad, _) in enumerate(checks))
        .with_columns(reason.alias("_reason"), field.alias("_field"))
        .drop(pl.selectors.starts_with("__bad"))
        .collect()
    )
    bad_rows = flagged.filter(pl.col("_reason").is_not_null())
    rejects = bad_rows.select(
        pl.col("_file").alias("file"), pl.col("_row").alias("row"), pl.lit(kind).alias("kind"),
        pl.col("_field").alias("field"),
        pl.coalesce(*[pl.when(pl.col("_field") == f).then(pl.col(f)) for f in sorted(present)] or [pl.lit(None)])
        .cast(pl.String).alias("value"),
        pl.col("_reason").alias("reason"),
    ).cast(REJECT_SCHEMA)
    # most files have no unusable row: then the frame is used without a filtered copy
    good = flagged if rejects.height == 0 else flagged.filter(pl.col("_reason").is_null())
    good = good.drop("_reason", "_field")
    frame = normalize_values(good.lazy(), kind, present, catalog).collect()
    # keep the file's description and row count, not its raw text (memory on million-row inputs)
    return Prepared(table=replace(table, frame=table.frame.clear()), frame=frame, rejects=rejects,
                    rows_read=table.frame.height)


def prepare(table: RawTable, catalog: Catalog, month_last_day: dt.date) -> Prepared:
    """Normalise one raw table; split off its unusable rows."""
    p = prepare_values(table, catalog)
    return replace(p, frame=normalize_people([p.frame], month_last_day)[0])


def normalize_values(lf: pl.LazyFrame, kind: str, present: set[str], catalog: Catalog) -> pl.LazyFrame:
    """Typed and normalised columns for one table kind but the ID numbers and names, from a frame
    holding `prepare_values`' parsed `__p_` columns (the trimmed name among them): the raw ID
    number becomes `id_raw`; the payee's raw ID number and the reader's Excel flags stay for
    `normalize_people`."""
    lf = lf.with_columns(pl.col("id_number").alias("id_raw"))
    lf = lf.with_columns(*_typed_columns(kind, present, catalog), pl.col("__p_name").alias("name"))
    schema = lf.collect_schema()
    if "_bank_account_excel" in schema:  # an account Excel held as a number lost digits
        lf = lf.with_columns(pl.when(~pl.col("_bank_account_excel").fill_null(False)).then(pl.col("bank_account"))
                             .alias("bank_account"))
    if "program" in present:
        lf = lf.with_columns(pl.col("program").replace_strict(catalog.family_of(), default=None).alias("family"))
    if kind == "roster":  # a row without 家庭编号 is a household of its own, named by its place in the file
        own = pl.lit("无家庭编号:") + pl.col("_file") + ":" + pl.col("_row").cast(pl.String)
        household = pl.col("household_id") if "household_id" in present else pl.lit(None, pl.String)
        lf = lf.with_columns(pl.coalesce(household, own).alias("household_id"))
    unused = ("id_number", "_ragged_fields", "_bank_account_excel",
              *(() if "payee_id_number" in present else ("payee_id_number", "_payee_id_number_excel")))
    return lf.drop([c for c in unused if c in schema]).drop(pl.selectors.starts_with("__p_"))


# (raw column, its Excel flag, output prefix) of the ID numbers, (column, keep its pinyin) of the names
_IDS = (("id_raw", "_id_number_excel", "id"), ("payee_id_number", "_payee_id_number_excel", "payee_id"))
_NAMES = (("name", True), ("payee_name", False))


def normalize_people(frames: list[pl.DataFrame], month_last_day: dt.date,
                     name_keys: list[bool] | None = None) -> list[pl.DataFrame]:
    """The ID numbers (`normalize_id`) and names (`normalize_names`) of frames from
    `normalize_values`, every file's at once: one pass over all the county's numbers and one over
    all its names (the two on two threads) instead of four plans per file, each with its fixed
    cost (tables of birth dates and characters, Polars planning), whatever its size. A value's
    result does not depend on the others. Columns come out as `id`, `id_status`, `id_birth`,
    `id_key` (and `payee_id...`), `name_norm`, `name_pinyin` and `payee_name_norm`, right after
    `id_raw` (no `_sex` or `_region`: nothing downstream uses them). A frame whose `name_keys` flag
    is False keeps its names without their keys, left to be computed for the rows a step reaches
    (`normalize_name.with_name_keys`; 户籍: a lookup reaches a fifth of it)."""
    ids = [(i, f, raw, flag, p) for i, f in enumerate(frames) for raw, flag, p in _IDS if raw in f.columns]
    keyed = name_keys or [True] * len(frames)
    names = [(i, f, col, keep) for i, f in enumerate(frames) for col, keep in _NAMES if col in f.columns and keyed[i]]

    def stacked_ids() -> pl.DataFrame:
        parts = [f.select(pl.col(raw).cast(pl.String).alias("v"),
                          (pl.col(flag) if flag in f.columns else pl.lit(None)).cast(pl.Boolean).alias("excel"))
                 for _, f, raw, flag, _ in ids]
        stacked = pl.concat(parts, rechunk=True) if parts else pl.DataFrame(schema={"v": pl.String, "excel": pl.Boolean})
        return normalize_id(stacked.lazy(), "v", prefix="x", excel_flag="excel", as_of=month_last_day,
                            sex_and_region=False).drop("v", "excel").collect()

    def stacked_names() -> pl.DataFrame:
        parts = [f.select(pl.col(col).cast(pl.String).alias("v")) for _, f, col, _ in names]
        stacked = pl.concat(parts, rechunk=True) if parts else pl.DataFrame(schema={"v": pl.String})
        return normalize_names(stacked.lazy(), "v").drop("v").collect()

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="crosscheck-people") as pool:
        id_future, name_future = pool.submit(stacked_ids), pool.submit(stacked_names)
        all_ids, all_names = id_future.result(), name_future.result()
    added: list[list[pl.DataFrame]] = [[] for _ in frames]  # by place: a frame may be given twice
    offset = 0
    for i, f, _, _, p in ids:
        part = all_ids.slice(offset, f.height)
        added[i].append(part.rename(lambda c, p=p: p + c[1:]))
        offset += f.height
    offset = 0
    for i, f, col, keep in names:
        part = all_names.slice(offset, f.height).rename({"v_norm": f"{col}_norm", "v_pinyin": f"{col}_pinyin"})
        added[i].append(part if keep else part.drop(f"{col}_pinyin"))
        offset += f.height
    out = []
    for i, f in enumerate(frames):
        new = pl.concat(added[i], how="horizontal") if added[i] else pl.DataFrame()
        at = f.columns.index("id_raw") + 1 if "id_raw" in f.columns else f.width
        drop = {"payee_id_number", "_id_number_excel", "_payee_id_number_excel"}
        head = [c for c in f.columns[:at] if c not in drop]
        tail = [c for c in f.columns[at:] if c not in drop]
        out.append(pl.concat([f.select(head), new, f.select(tail)], how="horizontal"))
    return out
