"""Rules about any member of a roster household: public_employee, vehicle, business, cadre_relative
(semantics: the rule catalog, contract rules.md). A case names the household's 户主 row (or its
first row), the member who triggered it and the evidence record; the amount at risk is the
household's monthly payment under the rule's programs."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict

from crosscheck.catalog import Rule
from crosscheck.findings import ScreenContext, empty_findings, evidence_json, findings, ref, yuan
from crosscheck.household import household_payment
from crosscheck.masking import mask_name_expr

ORIGIN_WORDS = {"roster": "名册人员", "household": "户籍家庭成员"}


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublicEmployeeParams(_Params):
    statuses: list[str] | None = None  # payroll statuses that count; None: every record


class VehicleParams(_Params):
    active_statuses: list[str] = ["正常"]
    exempt_types: list[str] = ["摩托车", "三轮汽车", "拖拉机", "残疾人专用"]


class BusinessParams(_Params):
    roles: list[str] = ["法定代表人", "股东", "经营者"]
    active_statuses: list[str] = ["存续", "在业"]
    small_entity_type: str = "个体工商户"
    small_capital_below: float = 10.0  # 万元


class CadreRelativeParams(_Params):
    pass


def member_hits(ctx: ScreenContext, rule: Rule, kind: str, evidence: pl.LazyFrame, *columns: str) -> pl.LazyFrame:
    """Households of the rule's programs joined to the evidence records (already filtered) that the
    matching core says are one of their members."""
    programs = ctx.catalog.program_codes(rule)
    members = ctx.members(programs).lazy()
    pairs = ctx.member_matches(programs, kind).lazy().select("l_key", "r_key", "match_weight", "match_explanation")
    source = evidence.select(pl.col("_key").alias("r_key"), pl.col("_file").alias("s_file"),
                             pl.col("_row").alias("s_row"), pl.col("id").alias("s_id"), *columns)
    hits = (
        members.select(pl.col("_key").alias("l_key"), "household_id", pl.col("name").alias("m_name"),
                       "m_origin", "m_ref")
        .join(pairs, on="l_key").join(source, on="r_key")
    )
    households = household_payment(ctx, programs, hits)  # the hits' households only: a few rows
    roster_first = pl.col("m_origin") != "roster"  # name the roster person when the member is one
    # the households on the left: where an evidence column shares a name with a roster column
    # (the cadres' `village`), the roster's is the one kept
    return households.join(hits, on="household_id").sort("household_id", "s_file", "s_row", roster_first, "m_ref").unique(
        ["household_id", "s_file", "s_row"], keep="first", maintain_order=True)


def _member_findings(rows: pl.LazyFrame, rule: Rule, kind: str, label: str, detail: pl.Expr,
                     key_fields: list[str]) -> pl.LazyFrame:
    source_ref = ref(pl.col("s_file"), pl.col("s_row"))
    who = pl.format("{}{}（{}）", pl.col("m_origin").replace_strict(ORIGIN_WORDS, default=""),
                    mask_name_expr(pl.col("m_name")), pl.col("m_ref"))
    return findings(
        rows, rule.id, source_kind=kind, source_ref=source_ref,
        evidence_key=pl.concat_str([pl.lit(kind), pl.col("s_id").fill_null(""),
                                    *[pl.col(c).cast(pl.String).fill_null("") for c in key_fields]], separator="|"),
        evidence=evidence_json(**{c: pl.col(c) for c in key_fields}, member=pl.col("m_ref")),
        explanation=pl.format("{}与{}记录（{}）为同一人：{}；{}", who, pl.lit(label), source_ref,
                              pl.col("match_explanation"), detail),
        match_score=pl.col("match_weight"),
        amount_at_risk=pl.col("household_amount"),
    )


def public_employee(ctx: ScreenContext, rule: Rule, params: PublicEmployeeParams) -> pl.LazyFrame:
    src = ctx.source("public_employees")
    if src is None:
        return empty_findings()
    if params.statuses is not None and "status" in src.collect_schema():
        src = src.filter(pl.col("status").is_in(params.statuses))
    src = _ensure(src, "employer", "status")
    rows = member_hits(ctx, rule, "public_employees", src, "employer", "status")
    detail = pl.format("财政供养人员，工作单位{}，状态{}", pl.col("employer").fill_null("未填"), pl.col("status").fill_null("未填"))
    return _member_findings(rows, rule, "public_employees", "财政供养人员", detail, ["employer", "status"])


def vehicle(ctx: ScreenContext, rule: Rule, params: VehicleParams) -> pl.LazyFrame:
    src = ctx.source("vehicles")
    if src is None:
        return empty_findings()
    src = _ensure(src, "plate", "vehicle_type", "status")
    exempt = pl.lit(False)
    for word in params.exempt_types:
        exempt = exempt | pl.col("vehicle_type").fill_null("").str.contains(word, literal=True)
    src = src.filter(pl.col("status").is_in(params.active_statuses), ~exempt)
    rows = member_hits(ctx, rule, "vehicles", src, "plate", "vehicle_type", "status")
    detail = pl.format("登记机动车{}（{}），状态{}", pl.col("plate").fill_null("号牌未填"),
                       pl.col("vehicle_type").fill_null("类型未填"), pl.col("status"))
    return _member_findings(rows, rule, "vehicles", "机动车登记", detail, ["plate", "vehicle_type", "status"])


def business(ctx: ScreenContext, rule: Rule, params: BusinessParams) -> pl.LazyFrame:
    src = ctx.source("businesses")
    if src is None:
        return empty_findings()
    src = _ensure(src, "company", "credit_code", "entity_type", "role", "status", "registered_capital")
    small = (pl.col("entity_type") == params.small_entity_type) & (  # an unknown capital is not "small"
        pl.col("registered_capital") < params.small_capital_below).fill_null(False)
    src = src.filter(pl.col("role").is_in(params.roles), pl.col("status").is_in(params.active_statuses), ~small)
    rows = member_hits(ctx, rule, "businesses", src, "company", "credit_code", "entity_type", "role", "status",
                       "registered_capital")
    detail = pl.format("{}（{}，{}，注册资本{}万元）的{}", pl.col("company").fill_null("名称未填"),
                       pl.col("entity_type").fill_null("类型未填"), pl.col("status"),
                       yuan(pl.col("registered_capital")).fill_null("未填"), pl.col("role"))
    return _member_findings(rows, rule, "businesses", "市场主体登记", detail, ["credit_code", "company", "role", "status"])


def cadre_relative(ctx: ScreenContext, rule: Rule, params: CadreRelativeParams) -> pl.LazyFrame:
    src = ctx.source("cadres")
    if src is None:
        return empty_findings()
    src = _ensure(src, "village", "position")
    hits = member_hits(ctx, rule, "cadres", src, "village", "position")
    filed = ctx.roster.join(hits.select("household_id"), on="household_id", how="semi").group_by(  # the hits' households only
        "household_id").agg((pl.col("cadre_relative_filed") == True).any().alias("_filed"))  # noqa: E712 (null is not filed)
    rows = hits.join(filed, on="household_id", how="left")
    rows = rows.filter(~pl.col("_filed").fill_null(False))
    detail = pl.format("村(居)委成员（{}{}），本户未备案村干部近亲属", pl.col("village").fill_null(""),
                       pl.col("position").fill_null(""))
    return _member_findings(rows, rule, "cadres", "村(居)委成员", detail, ["village", "position"])


def _ensure(lf: pl.LazyFrame, *columns: str) -> pl.LazyFrame:
    """A source file may lack optional columns: add them as nulls."""
    schema = lf.collect_schema()
    missing = [pl.lit(None, dtype=pl.Float64 if c == "registered_capital" else pl.String).alias(c)
               for c in columns if c not in schema]
    return lf.with_columns(missing) if missing else lf
