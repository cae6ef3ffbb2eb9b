"""Small normalised rosters for the graph tests: one row per (household, person), with the
columns the graph layer reads (accounts, payees, phones, addresses)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from crosscheck.catalog import load_catalog
from crosscheck.findings import ScreenContext
from crosscheck.normalize_id import check_digit

CATALOG = load_catalog()


def person_id(i: int) -> str:
    body = f"43122119500101{i:03d}"[:17] if i < 1000 else f"4312211950{i:07d}"
    return body + check_digit(body)


def roster(rows: list[dict]) -> pl.DataFrame:
    """rows: dicts with household_id and optionally program, person (int, default: row number),
    account, payee_id, payee_name, phone, address."""
    n = len(rows)
    get = lambda k, default=None: [r.get(k, default) for r in rows]  # noqa: E731
    persons = [r.get("person", 500 + i) for i, r in enumerate(rows)]
    programs = [r.get("program", "rural_dibao") for r in rows]
    return pl.DataFrame({
        "_key": list(range(n)), "_file": ["r.csv"] * n, "_row": [i + 2 for i in range(n)],
        "household_id": get("household_id"), "program": programs,
        "bank_account": get("account"), "payee_id": get("payee_id"), "payee_name": get("payee_name"),
        "payee_id_status": ["valid" if r.get("payee_id") else None for r in rows],
        "payee_id_birth": [dt.date(1950, 1, 1) if r.get("payee_id") else None for r in rows],
        "phone": get("phone"), "address": get("address"),
        "id": [person_id(p) for p in persons], "id_raw": [None] * n, "id_status": ["valid"] * n,
        "id_birth": [dt.date(1950, 1, 1)] * n, "name": [f"张{p}" for p in persons],
        "name_norm": [f"张{p}" for p in persons], "name_pinyin": [f"zhang{p}" for p in persons],
        "relation": ["户主"] * n, "town": ["中方镇"] * n, "village": [None] * n, "amount": [300.0] * n,
        "family": [CATALOG.family_of()[p] for p in programs], "cadre_relative_filed": [None] * n,
    }, schema_overrides={c: pl.String for c in ("id_raw", "payee_id", "payee_name", "payee_id_status", "village", "bank_account",
                                                 "phone", "address")} | {"cadre_relative_filed": pl.Boolean})


def context(frame: pl.DataFrame, sources: dict[str, pl.DataFrame] | None = None, catalog=CATALOG) -> ScreenContext:
    return ScreenContext(first_day=dt.date(2022, 12, 1), last_day=dt.date(2022, 12, 31), catalog=catalog,
                         roster=frame.lazy(), sources={k: v.lazy() for k, v in (sources or {}).items()})
