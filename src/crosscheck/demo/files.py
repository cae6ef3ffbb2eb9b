"""The demo county's files: path, format, encoding, sheet, headers (Chinese, in file order) and
the `columns` mapping month.yaml gives (None: omitted, every header is then a synonym from
`crosscheck.tables` or a column the engine ignores, such as 序号 or 备注).

At scale > 5 the big xlsx files become UTF-8 CSV (rosters) or Parquet (sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileSpec:
    key: str                                  # roster group or source frame key
    kind: str                                 # 'roster' or a source kind of the contract
    path: str
    fmt: str                                  # csv | xlsx | parquet
    headers: list[tuple[str, str]]            # (header, base column)
    mapping: dict[str, str] | None = None     # header -> canonical field, for month.yaml
    encoding: str = "utf-8"                   # csv: utf-8 | utf-8-sig | gbk | gb18030
    declare_encoding: bool = True             # write `encoding:` in month.yaml
    sheet: str | None = None
    crlf: bool = False
    excel_dates: tuple[str, ...] = ()         # xlsx: base columns written as date cells
    excel_numbers: tuple[str, ...] = ()       # xlsx: base columns written as numbers where numeric
    programs: tuple[str, ...] = ()            # roster files: the programs they hold
    extra: dict = field(default_factory=dict)


_DIBAO_HEADERS = [("序号", "seq"), ("乡镇（街道）", "town"), ("村（社区）", "village"), ("家庭编号", "household_id"),
                  ("保障类别", "label"), ("保障对象姓名", "name"), ("保障对象身份证号", "id"), ("与户主关系", "rel"),
                  ("保障人数", "hh_size"), ("月保障金额(元)", "amount"), ("打卡账号", "account"),
                  ("代领人姓名", "payee_name"), ("代领人身份证号码", "payee_id"), ("村干部近亲属备案", "filed"),
                  ("联系电话", "phone"), ("家庭住址", "address"), ("备注", "note")]
_DIBAO_MAP = {"乡镇（街道）": "town", "村（社区）": "village", "家庭编号": "household_id", "保障类别": "program",
              "保障对象姓名": "name", "保障对象身份证号": "id_number", "与户主关系": "relation",
              "月保障金额(元)": "amount", "打卡账号": "bank_account", "代领人姓名": "payee_name",
              "代领人身份证号码": "payee_id_number", "村干部近亲属备案": "cadre_relative_filed",
              "联系电话": "phone", "家庭住址": "address"}
_ELDERLY_HEADERS = [("序号", "seq"), ("乡镇街道", "town"), ("村社区", "village"), ("户编号", "household_id"),
                    ("补贴类别", "label"), ("姓名", "name"), ("公民身份号码", "id"), ("性别", "sex"), ("年龄", "age"),
                    ("补贴标准(元)", "amount"), ("卡号", "account"), ("代领人姓名", "payee_name"),
                    ("代领人身份证号码", "payee_id"), ("电话", "phone"), ("地址", "address")]
_ELDERLY_MAP = {"乡镇街道": "town", "村社区": "village", "户编号": "household_id", "补贴类别": "program",
                "姓名": "name", "公民身份号码": "id_number", "补贴标准(元)": "amount", "卡号": "bank_account",
                "代领人姓名": "payee_name", "代领人身份证号码": "payee_id_number", "电话": "phone", "地址": "address"}


def file_specs(big: bool) -> list[FileSpec]:
    dibao_programs = ("urban_dibao", "rural_dibao")
    if big:
        dibao = [FileSpec("urban", "roster", "城市低保发放名册.xlsx", "xlsx", _DIBAO_HEADERS, _DIBAO_MAP,
                          sheet="发放名册", excel_numbers=("amount", "hh_size"), programs=("urban_dibao",)),
                 FileSpec("rural", "roster", "农村低保发放名册.csv", "csv", _DIBAO_HEADERS, _DIBAO_MAP,
                          programs=("rural_dibao",))]
    else:
        dibao = [FileSpec("dibao", "roster", "低保发放名册.xlsx", "xlsx", _DIBAO_HEADERS, _DIBAO_MAP, sheet="发放名册",
                          excel_numbers=("amount", "hh_size"), programs=dibao_programs)]
    rosters = dibao + [
        FileSpec("tekun", "roster", "特困供养名册.csv", "csv",
                 [("序号", "seq"), ("乡镇", "town"), ("村(社区)", "village"), ("救助证号", "household_id"),
                  ("救助类别", "label"), ("姓名", "name"), ("性别", "sex"), ("身份证号码", "id"),
                  ("供养机构", "institution"), ("月发放金额", "amount"), ("社保卡号", "account"),
                  ("代领人", "payee_name"), ("代领人身份证号", "payee_id"), ("近亲属备案", "filed"),
                  ("联系电话", "phone"), ("住址", "address"), ("备注", "note")],
                 encoding="gbk", crlf=True, programs=("tekun_centralized", "tekun_dispersed")),
        FileSpec("elderly", "roster", "高龄津贴发放名册.csv", "csv", _ELDERLY_HEADERS, _ELDERLY_MAP,
                 encoding="utf-8-sig", programs=("elderly_allowance", "centenarian")),
        FileSpec("children", "roster", "儿童福利发放名册.csv", "csv",
                 [("序号", "seq"), ("所属乡镇", "town"), ("村", "village"), ("案卷号", "household_id"),
                  ("保障类别", "label"), ("姓名", "name"), ("证件号码", "id"), ("性别", "sex"),
                  ("出生日期", "birth_text"), ("发放金额(元)", "amount"), ("银行卡号", "account"),
                  ("代领人", "payee_name"), ("代领人证件号码", "payee_id"), ("手机号码", "phone"),
                  ("家庭住址", "address")],
                 encoding="gb18030", declare_encoding=False, programs=("orphan", "de_facto_orphan")),
        FileSpec("disability", "roster", "残疾人两项补贴名册.parquet", "parquet",
                 [("序号", "seq"), ("乡镇", "town"), ("村(社区)", "village"), ("家庭编号", "household_id"),
                  ("补贴类别", "label"), ("姓名", "name"), ("身份证号", "id"), ("残疾类别", "dis_type"),
                  ("残疾等级", "dis_grade"), ("金额", "amount"), ("银行账号", "account"), ("代领人姓名", "payee_name"),
                  ("代领人身份证号", "payee_id"), ("联系电话", "phone"), ("住址", "address")],
                 programs=("disability_living", "disability_care")),
    ]
    biz_fmt = ("parquet", "sources/市场主体登记.parquet") if big else ("xlsx", "sources/市场主体登记.xlsx")
    sources = [
        FileSpec("household", "household", "sources/户籍人口.parquet", "parquet",
                 [("户号", "hh_no"), ("姓名", "name"), ("公民身份号码", "id"), ("性别", "sex"), ("民族", "nation"),
                  ("出生日期", "birth_text"), ("与户主关系", "rel"), ("住址", "address")]),
        FileSpec("deaths_gongan", "deaths", "sources/公安死亡注销.csv", "csv",
                 [("序号", "seq"), ("姓名", "name"), ("性别", "sex"), ("身份证号码", "id"), ("死亡日期", "death_date"),
                  ("注销日期", "cancel_date"), ("注销原因", "reason"), ("派出所", "station")],
                 {"身份证号码": "id_number", "姓名": "name", "死亡日期": "death_date"}, encoding="gbk", crlf=True),
        FileSpec("deaths_binzang", "deaths", "sources/殡葬火化.xlsx", "xlsx",
                 [("序号", "seq"), ("死者姓名", "name"), ("性别", "sex"), ("死者身份证号码", "id"), ("年龄", "age"),
                  ("火化日期", "cremation_date"), ("殡仪馆", "funeral_home"), ("家属联系电话", "phone")],
                 sheet="火化登记", excel_dates=("cremation_date",), excel_numbers=("age",)),
        FileSpec("vehicles", "vehicles", "sources/机动车登记.csv", "csv",
                 [("号牌号码", "plate"), ("车辆类型", "vehicle_type"), ("品牌", "brand"), ("机动车所有人", "name"),
                  ("身份证明号码", "id"), ("使用性质", "use"), ("初次登记日期", "registered_on"),
                  ("机动车状态", "status")]),
        FileSpec("businesses", "businesses", biz_fmt[1], biz_fmt[0],
                 [("统一社会信用代码", "credit_code"), ("主体名称", "company"), ("市场主体类型", "entity_type"),
                  ("注册资本(万元)", "capital"), ("成立日期", "established_on"), ("登记状态", "status"),
                  ("人员姓名", "name"), ("人员证件号码", "id"), ("人员类型", "role")],
                 {"统一社会信用代码": "credit_code", "主体名称": "company", "市场主体类型": "entity_type",
                  "注册资本(万元)": "registered_capital", "成立日期": "established_on", "登记状态": "status",
                  "人员姓名": "name", "人员证件号码": "id_number", "人员类型": "role"},
                 sheet="主体人员" if not big else None, excel_dates=("established_on",), excel_numbers=("capital",)),
        FileSpec("public_employees", "public_employees", "sources/财政供养人员.csv", "csv",
                 [("序号", "seq"), ("单位名称", "employer"), ("姓名", "name"), ("性别", "sex"), ("身份证号码", "id"),
                  ("编制类型", "staffing"), ("人员状态", "status")], encoding="utf-8-sig"),
        FileSpec("cadres", "cadres", "sources/村干部名单.xlsx", "xlsx",
                 [("序号", "seq"), ("乡镇", "town"), ("所在村", "village"), ("姓名", "name"), ("性别", "sex"),
                  ("身份证号码", "id"), ("职务", "position"), ("联系电话", "phone")], sheet="村干部"),
        FileSpec("prisoners", "prisoners", "sources/服刑人员.csv", "csv",
                 [("序号", "seq"), ("罪犯姓名", "name"), ("性别", "sex"), ("身份证号", "id"), ("罪名", "crime"),
                  ("刑期", "term"), ("入监日期", "admitted_on"), ("释放日期", "released_on"), ("服刑场所", "prison")],
                 {"罪犯姓名": "name", "身份证号": "id_number", "入监日期": "admitted_on", "释放日期": "released_on"},
                 encoding="gb18030"),
        FileSpec("elsewhere", "rosters_elsewhere", "sources/外县发放名册.csv", "csv",
                 [("县(市区)", "county"), ("救助类别", "program"), ("姓名", "name"), ("身份证号码", "id"),
                  ("发放金额", "amount"), ("发放年月", "month")]),
    ]
    return rosters + sources
