"""What the review pages show of a case: the roster side and the evidence side field by field, with
ID numbers, names and account numbers masked unless the user revealed them (an audited POST)."""

from __future__ import annotations

import json
import re

from crosscheck.masking import mask_id, mask_name

GRAPH_RULES = ("shared_account", "proxy_collector", "linked_households")
SOURCE_KINDS = {
    "roster": "发放名册", "household": "公安户籍", "deaths": "死亡记录", "vehicles": "机动车登记",
    "businesses": "市场主体登记", "public_employees": "财政供养人员", "cadres": "村(居)委成员",
    "prisoners": "服刑人员", "rosters_elsewhere": "外县发放名册",
}

EVIDENCE_LABELS = {
    "name": "姓名", "id": "身份证号码", "id_number": "身份证号码", "id_raw": "名册中的身份证号码",
    "status": "状态", "death_date": "死亡日期", "source": "来源文件", "plate": "号牌号码",
    "vehicle_type": "车辆类型", "registered_on": "登记日期", "company": "主体名称", "credit_code": "统一社会信用代码",
    "entity_type": "主体类型", "role": "人员类型", "registered_capital": "注册资本(万元)",
    "established_on": "成立日期", "employer": "工作单位", "village": "村(社区)", "position": "职务",
    "admitted_on": "入监日期", "released_on": "释放日期", "county": "县(市区)", "program": "救助类别",
    "households": "关联家庭", "tie": "共用账号/代领人", "member": "家庭成员记录", "others": "另见",
    "amount": "月发放金额(元)", "standard": "月标准(元)", "age": "年龄", "birth": "出生日期",
    "household_no": "户号", "relation": "与户主关系", "address": "住址",
    "ties": "关联方式", "payee": "代领人", "official": "财政供养人员记录", "detail": "工作单位及状态",
}
TIE_KINDS = {"account": "银行账号", "payee": "代领人", "phone": "联系电话", "address": "住址"}
_ID_FIELDS = {"id", "id_number", "id_raw"}
_LONG_DIGITS = re.compile(r"\d{12,}[\dXx]?")
_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
_NAME_KEY = re.compile(r"name:([^\s;,，；|、:()（）]+)")  # a payee or person known by name only


def is_graph_rule(rule_id: str) -> bool:
    return rule_id in GRAPH_RULES or rule_id.startswith("graph_")


def mask_account(value: str) -> str:
    digits = value.replace(" ", "")
    return digits[:4] + " **** " + digits[-4:] if len(digits) > 8 else "****"


def mask_phone_number(value: str) -> str:
    """As graph_links.mask_phone: 138****1234; a shorter number never shown whole."""
    n = len(value)
    return value[:3] + "****" + value[-4:] if n >= 11 else "****" + value[-4:] if n >= 9 else (
        "****" + value[-2:] if n >= 5 else "****")


def mask_text(text: str | None, names: list[str | None] = ()) -> str:
    """Free text (explanations, evidence values, evidence keys) with long digit runs (ID and account
    numbers), mobile numbers, `name:` keys and the given names masked."""
    if not text:
        return text or ""
    out = _LONG_DIGITS.sub(lambda m: mask_id(m.group(0)) if len(m.group(0)) in (15, 18) else mask_account(m.group(0)),
                           text)
    out = _MOBILE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], out)
    out = _NAME_KEY.sub(lambda m: "name:" + mask_name(m.group(1)), out)
    for name in names:
        if name and len(name) > 1:
            out = out.replace(name, mask_name(name))
    return out


def _person(key: str, reveal: bool, *, name_label: str = "姓名 ") -> str | None:
    """A person's key (id:... or name:...) in Chinese, masked unless revealed; None for other keys."""
    if key.startswith("id:"):
        return "身份证 " + (key[3:] if reveal else mask_id(key[3:]))
    if key.startswith("name:"):
        return name_label + (key[5:] if reveal else mask_name(key[5:]))
    return None


def _tie(part: str, reveal: bool, names: list[str | None]) -> str:
    """One `kind:identifier` of a linked group's ties, in Chinese, masked as the group's path is."""
    kind, _, value = part.partition(":")
    if kind not in TIE_KINDS:
        return part if reveal else mask_text(part, names)
    if kind == "payee":
        shown = _person(value, reveal, name_label="") or (value if reveal else mask_text(value, names))
    elif reveal:
        shown = value
    elif kind == "account":
        shown = mask_account(value)
    elif kind == "phone":
        shown = mask_phone_number(value)
    else:  # address: the house number starred, as graph_links.mask_address does
        shown = re.sub(r"\d+(号|室|栋)?$", r"**\1", value)
    return f"{TIE_KINDS[kind]} {shown}"


def evidence_value(key: str, value, reveal: bool, names: list[str | None]) -> str:
    if value is None or value == "":
        return ""
    text = str(value)
    if key == "ties":
        return "；".join(_tie(part, reveal, names) for part in text.split(";") if part)
    if key in ("tie", "payee") and (person := _person(text, reveal)) is not None:
        return person
    if reveal:
        return text
    if key in _ID_FIELDS:
        return mask_id(text)
    if key == "name":
        return mask_name(text)
    return mask_text(text, names)


def side_by_side(case: dict, *, reveal: bool, labels: dict[str, str]) -> list[dict]:
    """Rows of (label, roster value, evidence value, agree?) for the case page."""
    evidence = json.loads(case.get("evidence") or "{}")
    names = [case.get("name"), evidence.get("name") if isinstance(evidence.get("name"), str) else None]
    programs = "、".join(labels.get(p, p) for p in (case.get("programs") or "").split(",") if p)
    amount = case.get("amount")
    roster = {
        "name": case.get("name") or "",
        "id": case.get("id_number") or "",
        "household": case.get("household_id") or "",
        "program": programs,
        "town": case.get("town") or "",
        "village": case.get("village") or "",
        "amount": f"{amount:.2f}" if isinstance(amount, (int, float)) else "",
        "roster_ref": case.get("roster_ref") or "",
    }
    if not reveal:
        roster["name"] = mask_name(roster["name"]) if roster["name"] else ""
        roster["id"] = mask_id(roster["id"])
    rows = [
        {"label": "姓名", "roster": roster["name"], "evidence": evidence_value("name", evidence.pop("name", None), reveal, names)},
        {"label": "身份证号码", "roster": roster["id"],
         "evidence": evidence_value("id", evidence.pop("id", evidence.pop("id_number", None)), reveal, names)},
        {"label": "家庭编号", "roster": roster["household"], "evidence": ""},
        {"label": "救助类别", "roster": roster["program"],
         "evidence": labels.get(str(evidence.get("program")), "") if "program" in evidence else ""},
        {"label": "乡镇", "roster": roster["town"], "evidence": ""},
        {"label": "村(社区)", "roster": roster["village"], "evidence": evidence_value("village", evidence.pop("village", None), reveal, names)},
        {"label": "月发放金额(元)", "roster": roster["amount"], "evidence": ""},
        {"label": "记录位置", "roster": roster["roster_ref"], "evidence": case.get("source_ref") or ""},
    ]
    evidence.pop("program", None)
    for key, value in evidence.items():
        if key == "amount":
            rows[6]["evidence"] = str(value)
            continue
        rows.append({"label": EVIDENCE_LABELS.get(key, key), "roster": "",
                     "evidence": evidence_value(key, value, reveal, names)})
    for row in rows:
        comparable = row["label"] != "记录位置" and row["roster"] and row["evidence"]
        row["agree"] = (row["roster"] == row["evidence"]) if comparable else None
    return rows


def group_drawing(store, case: dict):
    """For a case of a graph rule: the drawing (inline SVG, masked labels only) of the linked group
    its household belongs to, from the run's components.json; None when there is none."""
    import json
    from pathlib import Path

    from markupsafe import Markup

    from crosscheck.graph_drawing import svg_group

    if not is_graph_rule(case.get("rule_id") or ""):
        return None
    run = next((r for r in store.runs() if r["run_id"] == case.get("run_id")), None)
    path = Path(run["out_dir"]) / "components.json" if run else None
    if path is None or not path.is_file():
        return None
    export = json.loads(path.read_text(encoding="utf-8"))
    for group in export.get("groups", []):
        if any(h["household_id"] == case["household_id"] for h in group["households"]):
            return Markup(svg_group(group, export.get("kind_labels", {})))  # every text in it is escaped
    return None
