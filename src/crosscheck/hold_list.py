"""hold_list.xlsx (暂停发放核查名单): the cases whose rule says hold payment, for the clerk to act on.

Chinese headers, ID numbers written as text (never as numbers Excel would round), a frozen header
row and filters on every sheet; a summary sheet (汇总) and one sheet per town. With a case store, the
cases carry a `review_state` (carry_over.py): confirmed cases stay on the list and cases dismissed
before with unchanged evidence are left off.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from crosscheck.carry_over import on_hold_list

HEADERS = [
    ("序号", None, 6), ("乡镇", "town", 10), ("村(社区)", "village", 12), ("家庭编号", "household_id", 18),
    ("姓名", "name", 10), ("身份证号码", "id_number", 21), ("救助类别", "program_label", 16),
    ("月发放金额(元)", "amount", 12), ("核查规则", "rule_title", 22), ("疑点说明", "explanation", 60),
    ("证据来源", "source_ref", 30), ("案件编号", "case_id", 18),
]
_FIXED_TIME = dt.datetime(2000, 1, 1)


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(c for c in (name or "未填乡镇") if c not in "[]:*?/\\")[:28] or "未填乡镇"
    out, i = base, 2
    while out in used:
        out, i = f"{base}{i}", i + 1
    used.add(out)
    return out


def write_hold_list(cases: pl.DataFrame, path: Path, *, labels: dict[str, str], titles: dict[str, str],
                    month: str) -> int:
    """Write the hold list; return the number of cases on it."""
    hold = cases.filter(on_hold_list(cases)).with_columns(
        pl.col("programs").str.split(",").list.eval(pl.element().replace_strict(labels, default=pl.element()))
        .list.join("、").alias("program_label"),
        pl.col("rule_id").replace_strict(titles, default=pl.col("rule_id")).alias("rule_title"),
    ).sort("town", "village", "household_id", "rule_id", "id_number", nulls_last=True)
    import xlsxwriter  # imported when needed (warmed in the background by the pipeline)

    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})  # no temporary file per sheet: a third faster
    wb.set_properties({"title": f"{month} 暂停发放核查名单", "created": _FIXED_TIME})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = wb.add_format({"num_format": "@"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    money = wb.add_format({"num_format": "0.00"})

    summary = wb.add_worksheet("汇总")
    summary.write_row(0, 0, ["乡镇", "暂停户数", "暂停人次", "涉及月发放金额(元)"], head)
    by_town = hold.group_by(pl.col("town").fill_null("未填乡镇"), maintain_order=True).agg(
        pl.col("household_id").n_unique().alias("households"), pl.len().alias("cases"),
        pl.col("amount_at_risk").sum().alias("amount"),
    )
    for r, row in enumerate(by_town.iter_rows(), start=1):
        summary.write_string(r, 0, row[0])
        summary.write_number(r, 1, row[1])
        summary.write_number(r, 2, row[2])
        summary.write_number(r, 3, row[3] or 0, money)
    summary.write_string(len(by_town) + 2, 0, f"{month} 暂停发放核查名单：共 {len(hold)} 条，需核实后再发放")
    summary.set_column(0, 0, 14)
    summary.set_column(1, 3, 16)
    summary.freeze_panes(1, 0)

    used: set[str] = {"汇总"}
    for (town,), part in hold.group_by(pl.col("town").fill_null("未填乡镇"), maintain_order=True):
        ws = wb.add_worksheet(_sheet_name(town, used))
        for c, (title, _, width) in enumerate(HEADERS):
            ws.write_string(0, c, title, head)
            ws.set_column(c, c, width, wrap if title == "疑点说明" else None)
        for r, rec in enumerate(part.iter_rows(named=True), start=1):
            ws.write_number(r, 0, r)
            for c, (_, key, _) in enumerate(HEADERS[1:], start=1):
                value = rec.get(key)
                if key == "amount" and value is not None:
                    ws.write_number(r, c, value, money)
                elif value is not None:
                    ws.write_string(r, c, str(value), text if key in ("id_number", "household_id") else None)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(part), 1), len(HEADERS) - 1)
    wb.close()
    return len(hold)
