"""The canonical tables of the contract: their fields, mandatory fields and usual Chinese headers.

A file's header is mapped to canonical fields by the month config's `columns`; where that is
omitted, by the synonyms below (compared after trimming spaces and unifying brackets). A column that
maps to nothing is kept as evidence under its own header.
"""

from __future__ import annotations

ID_SYNONYMS = ("身份证号码", "公民身份号码", "证件号码", "身份证明号码", "身份证号", "身份证")
NAME_SYNONYMS = ("姓名", "名字", "户主姓名")

# Fields of each table kind: canonical name -> usual headers (besides the canonical name itself).
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "roster": {
        "program": ("救助类别", "保障类别", "救助项目", "补贴类别", "项目"),
        "household_id": ("家庭编号", "户编号", "救助证号", "案卷号", "家庭户号"),
        "id_number": ID_SYNONYMS,
        "name": ("姓名", "名字"),
        "relation": ("与户主关系", "关系"),
        "town": ("乡镇", "乡镇(街道)", "乡镇街道", "所属乡镇"),
        "village": ("村(社区)", "村社区", "村", "社区"),
        "amount": ("月发放金额(元)", "月发放金额", "发放金额", "月保障金额", "金额", "发放金额(元)"),
        "bank_account": ("银行账号", "社保卡号", "账号", "卡号", "银行卡号"),
        "payee_id_number": ("代领人身份证号", "代领人身份证号码", "代领人证件号码"),
        "payee_name": ("代领人姓名", "代领人"),
        "cadre_relative_filed": ("村干部近亲属备案", "近亲属备案", "是否备案"),
        "phone": ("联系电话", "电话", "手机号码"),
        "address": ("家庭住址", "住址", "地址"),
    },
    "household": {
        "id_number": ID_SYNONYMS,
        "name": NAME_SYNONYMS,
        "household_no": ("户号",),
        "relation": ("与户主关系", "关系"),
        "address": ("住址", "户籍地址", "地址"),
    },
    "deaths": {
        "id_number": ID_SYNONYMS + ("死者身份证号码",),
        "name": NAME_SYNONYMS + ("死者姓名",),
        "death_date": ("死亡日期", "注销日期", "火化日期"),
    },
    "vehicles": {
        "id_number": ID_SYNONYMS + ("所有人身份证号",),
        "name": NAME_SYNONYMS + ("所有人", "机动车所有人"),
        "plate": ("号牌号码", "车牌号", "车牌号码"),
        "vehicle_type": ("车辆类型", "车型"),
        "status": ("机动车状态", "状态"),
        "registered_on": ("初次登记日期", "登记日期"),
    },
    "businesses": {
        "id_number": ID_SYNONYMS,
        "name": NAME_SYNONYMS,
        "company": ("企业名称", "主体名称", "字号名称"),
        "credit_code": ("统一社会信用代码", "注册号"),
        "entity_type": ("主体类型", "企业类型", "市场主体类型"),
        "role": ("人员类型", "身份", "职务"),
        "registered_capital": ("注册资本(万元)", "注册资本", "出资额(万元)", "资金数额(万元)"),
        "status": ("登记状态", "经营状态", "状态"),
        "established_on": ("成立日期",),
    },
    "public_employees": {
        "id_number": ID_SYNONYMS,
        "name": NAME_SYNONYMS,
        "employer": ("工作单位", "单位名称", "单位"),
        "status": ("人员状态", "在职状态", "状态"),
    },
    "cadres": {
        "id_number": ID_SYNONYMS,
        "name": NAME_SYNONYMS,
        "village": ("村(社区)", "所在村", "村"),
        "position": ("职务",),
    },
    "prisoners": {
        "id_number": ID_SYNONYMS,
        "name": NAME_SYNONYMS + ("罪犯姓名",),
        "admitted_on": ("入监日期", "收押日期", "入狱日期"),
        "released_on": ("释放日期", "刑满释放日期", "出监日期"),
    },
    "rosters_elsewhere": {
        "county": ("县(市区)", "发放地区", "县市区"),
        "program": ("救助类别", "保障类别", "救助项目"),
        "id_number": ID_SYNONYMS,
        "name": NAME_SYNONYMS,
    },
    # any table of people, for `crosscheck link`
    "person": {
        "id_number": ID_SYNONYMS,
        "name": NAME_SYNONYMS,
        "birth_date": ("出生日期", "出生年月日", "生日"),
        "sex": ("性别",),
        "address": ("住址", "地址", "家庭住址"),
        "phone": ("联系电话", "电话", "手机号码"),
    },
}

SOURCE_KINDS = tuple(k for k in FIELDS if k not in ("roster", "person"))

# Fields a row cannot do without; an unparseable value sends the row to rejects.
MANDATORY: dict[str, tuple[str, ...]] = {
    "roster": ("program",),
    "deaths": ("death_date",),
    "prisoners": ("admitted_on",),
}

# Fields a rule reads: when given but unreadable, the row goes to rejects rather than a guess
# (an unreadable release date must not read as "still serving", an unreadable capital as "small").
MUST_PARSE: dict[str, tuple[str, ...]] = {
    "roster": ("amount",),
    "prisoners": ("released_on",),
    "businesses": ("registered_capital",),
}

# Contract fields no step of the monthly run reads (no rule, no evidence, no output): the run
# leaves them out when it reads a file (`read_table(unread=)`), instead of reading, trimming and
# carrying them; 户籍's address and relation are two of its widest columns. Other readers (the
# `link` command) keep them. A rule that comes to read one of them takes it off this list (a
# pipeline test compares the run's outputs with and without the list).
UNREAD_BY_RUN: dict[str, tuple[str, ...]] = {
    "household": ("relation", "address"),
    "vehicles": ("registered_on",),
    "businesses": ("established_on",),
}

DATE_FIELDS = ("birth_date", "death_date", "registered_on", "established_on", "admitted_on", "released_on")
ID_FIELDS = ("id_number", "payee_id_number")


def canonical_header(header: str) -> str:
    """A header as compared with synonyms: spaces dropped, full-width brackets made ASCII."""
    h = "".join(header.split()).replace("（", "(").replace("）", ")").replace("\ufeff", "")
    return h


def synonym_map(kind: str) -> dict[str, str]:
    """Canonical header -> canonical field, for the kind's fields and their synonyms."""
    mapping: dict[str, str] = {}
    for field, synonyms in FIELDS[kind].items():
        for h in (field, *synonyms):
            mapping.setdefault(canonical_header(h), field)
    return mapping
