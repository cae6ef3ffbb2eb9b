"""report.html: one self-contained page (no network) for the clerk's file and the inspectors.

Counts by rule, program and town, the top cases with their explanations, drawings of the most
suspicious linked groups of households, and data quality (rows read, used and rejected per file;
ID number problems). IDs and names are masked.
"""

from __future__ import annotations

import html

import polars as pl

from crosscheck.graph_drawing import groups_section
from crosscheck.masking import mask_id_expr, mask_name_expr

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#eef3f8}.num{text-align:right}
.pair{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}.chart{max-width:100%}
figure{margin:0}figcaption{font-size:.9em;max-width:460px}
.hold{color:#b00020;font-weight:bold}.review{color:#8a6d00}.summary span{margin-right:2em;font-size:1.1em}
"""


def _table(headers: list[str], rows: list[list[object]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{html.escape(str(v))}</td>' if i in numeric else f"<td>{v if isinstance(v, Raw) else html.escape(str(v if v is not None else ''))}</td>"
            for i, v in enumerate(r)
        ) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Raw(str):
    """Already-escaped HTML."""


def svg_bars(items: list[tuple[str, int, int]], title: str) -> str:
    """A horizontal bar chart as inline SVG: (label, cases to hold, cases to review) per bar."""
    if not items:
        return ""
    row, label_w, bar_w = 22, 190, 360
    top = max(h + r for _, h, r in items) or 1
    parts = [f'<svg class="chart" role="img" aria-label="{html.escape(title)}" width="{label_w + bar_w + 70}" '
             f'height="{row * len(items) + 28}" font-size="12">']
    for i, (label, hold, review) in enumerate(items):
        y = i * row + 4
        wh, wr = bar_w * hold / top, bar_w * review / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{html.escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{wh:.1f}" height="16" fill="#b00020"><title>暂停 {hold}</title></rect>')
        parts.append(f'<rect x="{label_w + wh:.1f}" y="{y}" width="{wr:.1f}" height="16" fill="#d9a400">'
                     f'<title>复核 {review}</title></rect>')
        parts.append(f'<text x="{label_w + wh + wr + 6:.1f}" y="{y + 13}">{hold + review}</text>')
    legend_y = row * len(items) + 20
    parts.append(f'<rect x="{label_w}" y="{legend_y - 10}" width="10" height="10" fill="#b00020"/>'
                 f'<text x="{label_w + 14}" y="{legend_y}">暂停发放</text>'
                 f'<rect x="{label_w + 90}" y="{legend_y - 10}" width="10" height="10" fill="#d9a400"/>'
                 f'<text x="{label_w + 104}" y="{legend_y}">复核</text></svg>')
    return "".join(parts)


def _counts(cases: pl.DataFrame, by: str, names: dict[str, str], title: str) -> str:
    if cases.is_empty():
        return "<p>无</p>"
    counts = cases.group_by(by).agg(
        pl.len().alias("n"), (pl.col("severity") == "hold").sum().alias("hold"),
        pl.col("household_id").n_unique().alias("hh"), pl.col("amount_at_risk").sum().alias("amt"),
    ).sort("n", by, descending=[True, False], nulls_last=True)
    rows = [[names.get(k, k or "未填"), n, hh, f"{amt or 0:,.2f}"] for k, n, _, hh, amt in counts.iter_rows()]
    chart = svg_bars([(names.get(k, k or "未填"), h, n - h) for k, n, h, _, _ in counts.iter_rows()], title)
    return f'<div class="pair">{chart}{_table(["", "疑点数", "涉及户数", "涉及金额(元)"], rows, numeric={1, 2, 3})}</div>'


def render_report(cases: pl.DataFrame, manifest: dict, *, labels: dict[str, str], titles: dict[str, str],
                  id_quality: pl.DataFrame, groups: dict | None = None, kind_labels: dict[str, str] | None = None,
                  top_n: int = 50) -> str:
    month = manifest["month"]
    n_hold = cases.filter(pl.col("severity") == "hold").height
    masked = cases.with_columns(mask_id_expr(pl.col("id_number")).alias("id_masked"),
                                mask_name_expr(pl.col("name")).alias("name_masked"))
    top = masked.sort(pl.col("severity") == "hold", "amount_at_risk", descending=True, nulls_last=True).head(top_n)
    top_rows = [
        [Raw(f'<span class="{r["severity"]}">{"暂停" if r["severity"] == "hold" else "复核"}</span>'),
         titles.get(r["rule_id"], r["rule_id"]), r["town"], r["household_id"], r["name_masked"], r["id_masked"],
         labels.get(r["program"], r["program"]), r["explanation"], r["source_ref"]]
        for r in top.iter_rows(named=True)
    ]
    files = [[f["path"], f["kind"], f["rows_read"], f["rows_used"], f["rows_rejected"], f.get("encoding") or ""]
             for f in manifest["inputs"]]
    quality = [list(r) for r in id_quality.iter_rows()]
    total = manifest["totals"]
    rule_versions = ", ".join(f"{r['id']} v{r['version']}" for r in manifest["rules"])
    parts = [
        f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{month} 救助资金发放前比对报告</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{html.escape(month)} 救助资金发放前比对报告</h1>",
        "<p class='summary'>"
        f"<span>疑点 <b id='total-cases'>{cases.height}</b> 条</span>"
        f"<span>暂停发放 <b id='hold-cases'>{n_hold}</b> 条</span>"
        f"<span>涉及家庭 <b>{cases['household_id'].n_unique() if cases.height else 0}</b> 户</span>"
        f"<span>读入 {total['rows_read']} 行，使用 {total['rows_used']} 行，退回 {total['rows_rejected']} 行</span></p>",
        "<h2>按规则</h2>", _counts(cases, "rule_id", titles, "按规则的疑点数"),
        "<h2>按救助类别</h2>", _counts(cases, "program", labels, "按救助类别的疑点数"),
        "<h2>按乡镇</h2>", _counts(cases, "town", {}, "按乡镇的疑点数"),
        f"<h2>重点疑点（前 {min(top_n, cases.height)} 条，身份证号码和姓名已脱敏）</h2>",
        _table(["处理", "规则", "乡镇", "家庭编号", "姓名", "身份证号码", "救助类别", "疑点说明", "证据"], top_rows)
        if top_rows else "<p>本月未发现疑点。</p>",
        "<h2>关联家庭（共用账号、代领人、电话、住址）</h2>",
        groups_section(groups or {}, kind_labels or {}),
        "<h2>数据质量</h2>",
        _table(["文件", "类型", "读入行数", "使用行数", "退回行数", "编码"], files, numeric={2, 3, 4}),
        "<h3>身份证号码状态</h3>", _table(["文件", "状态", "行数"], quality, numeric={2}),
        "<p>退回的行见 rejects.parquet（文件、行号、字段、原因）。</p>",
        f"<footer><p>crosscheck {html.escape(manifest['package_version'])} · 规则库 "
        f"{html.escape(rule_versions)}</p></footer>",
        "</body></html>",
    ]
    return "\n".join(parts)
