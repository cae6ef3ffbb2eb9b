"""整改台账: the decided cases of a month as an xlsx workbook, for the supervisor (audited).

One row per decided case (属实, 不属实, 待实地核查) with its latest decision; ID numbers and household
numbers are written as text so Excel never rounds them.
"""

from __future__ import annotations

import io
import re

import polars as pl
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from crosscheck.review_auth import guarded
from crosscheck.review_queries import CaseFilter, all_cases, run_labels
from crosscheck.store import STATES, Store

COLUMNS = [
    ("乡镇", "town"), ("村(社区)", "village"), ("家庭编号", "household_id"), ("姓名", "name"),
    ("身份证号码", "id_number"), ("救助类别", "program_labels"), ("核查规则", "rule_title"),
    ("疑点说明", "explanation"), ("涉及金额(元)", "amount_at_risk"), ("核查结论", "state_label"),
    ("理由", "decision_reason"), ("备注", "decision_note"), ("核查人", "decided_by"), ("核查时间(UTC)", "decided_at"),
    ("整改情况", None), ("案件编号", "case_id"),
]


def ledger(store: Store, month: str) -> pl.DataFrame:
    """The month's decided cases, one row each, Chinese headers."""
    names = run_labels(store, month)
    rows = [c for c in all_cases(store, CaseFilter(month=month)) if c["state"] != "pending"]
    records = []
    for i, c in enumerate(rows, start=1):
        c["program_labels"] = "、".join(names["labels"].get(p, p) for p in (c.get("programs") or "").split(",") if p)
        c["rule_title"] = names["titles"].get(c["rule_id"], c["rule_id"])
        c["state_label"] = STATES[c["state"]]
        records.append({"序号": i, **{title: c.get(key) if key else "" for title, key in COLUMNS}})
    schema = {"序号": pl.Int64, **{t: (pl.Float64 if k == "amount_at_risk" else pl.String) for t, k in COLUMNS}}
    return pl.DataFrame(records, schema=schema, orient="row") if records else pl.DataFrame(schema=schema)


def ledger_xlsx(store: Store, month: str) -> bytes:
    buffer = io.BytesIO()
    ledger(store, month).write_excel(
        buffer, worksheet="整改台账", autofit=True, autofilter=True, freeze_panes=(1, 0),
        float_precision=2, header_format={"bold": True, "bg_color": "#DDEBF7", "border": 1})
    return buffer.getvalue()


@guarded("supervisor")
async def export_route(request: Request) -> Response:
    store: Store = request.app.state.store
    month = request.query_params.get("month", "")
    if not re.fullmatch(r"\d{4}-\d{2}", month) or store.latest_run(month) is None:
        return PlainTextResponse("没有该月份的比对结果", status_code=404)
    data = ledger_xlsx(store, month)
    store.audit(request.state.user, "export", detail=f"{month} 整改台账")
    filename = f"{month}-zhenggai-taizhang.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
