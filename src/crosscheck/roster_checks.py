"""Rules that need only the roster: invalid_id, duplicate_in_roster, exclusive_programs,
age_mismatch and amount_above_standard (semantics: the rule catalog, contract rules.md)."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict

from crosscheck.catalog import Rule
from crosscheck.findings import ScreenContext, empty_findings, evidence_json, findings, ref, yuan
from crosscheck.normalize_id import INVALID_STATUSES, USABLE_STATUSES, age_on, aged_at_least

STATUS_WORDS = {
    "bad_check": "校验码错误（号码中有错字或错位）",
    "bad_date": "出生日期不存在",
    "malformed": "位数或字符不符合身份证号码格式",
    "excel_number": "被Excel存为数字，末几位已丢失",
    "missing": "身份证号码为空",
}


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvalidIdParams(_Params):
    statuses: list[str] = list(INVALID_STATUSES)


class DuplicateParams(_Params):
    pass


class ExclusiveParams(_Params):
    pairs: list[tuple[str, str]]


class AgeRange(_Params):
    min_age: int | None = None
    below_age: int | None = None


class AgeParams(_Params):
    ranges: dict[str, AgeRange]


class AmountParams(_Params):
    tolerance: float = 0.0


def _usable(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.filter(pl.col("id_status").is_in(USABLE_STATUSES))


def _labels(ctx: ScreenContext) -> dict[str, str]:
    return {p.code: p.label for p in ctx.catalog.programs}


def invalid_id(ctx: ScreenContext, rule: Rule, params: InvalidIdParams) -> pl.LazyFrame:
    rows = ctx.roster_for(rule).filter(pl.col("id_status").is_in(params.statuses))
    words = pl.col("id_status").replace_strict(STATUS_WORDS, default=pl.col("id_status"))
    return findings(
        rows, rule.id, source_kind="roster",
        source_ref=ref(pl.col("_file"), pl.col("_row")),
        evidence_key=pl.lit("invalid_id|") + pl.col("id_status") + "|" + pl.col("id_raw").fill_null(""),
        evidence=evidence_json(status=pl.col("id_status"), id_raw=pl.col("id_raw")),
        explanation=pl.format("发放名册中的身份证号码无法使用：{}", words),
    )


def _same_person_pairs(ctx: ScreenContext, rows: pl.LazyFrame) -> pl.LazyFrame:
    """Pairs of distinct roster rows (both directions) the matching core says are one person."""
    m = ctx.matches("roster").lazy().select("l_key", "r_key", "match_weight", "match_explanation")
    both = pl.concat([m, m.select(pl.col("r_key").alias("l_key"), pl.col("l_key").alias("r_key"),
                                  "match_weight", "match_explanation")])
    other = rows.select(
        pl.col("_key").alias("r_key"), pl.col("_file").alias("_o_file"), pl.col("_row").alias("_o_row"),
        pl.col("program").alias("o_program"), pl.col("family").alias("o_family"),
        pl.col("household_id").alias("o_household"),
    )
    # the references formatted for the paired rows only, not the whole roster
    return rows.join(both, left_on="_key", right_on="l_key").join(other, on="r_key").with_columns(
        ref(pl.col("_file"), pl.col("_row")).alias("_ref"), ref(pl.col("_o_file"), pl.col("_o_row")).alias("o_ref"),
    ).drop("_o_file", "_o_row")


def _flag_pairs(ctx: ScreenContext, rule: Rule, pairs: pl.LazyFrame, what: str) -> pl.LazyFrame:
    """One finding per roster row of a pair, naming every other row it pairs with and why."""
    labels = _labels(ctx)
    pairs = pairs.with_columns(
        pl.format("{}（家庭编号 {}，{}）：{}", pl.col("o_program").replace_strict(labels, default=pl.col("o_program")),
                  pl.col("o_household").fill_null("无"), pl.col("o_ref"), pl.col("match_explanation")).alias("o_text"),
        (pl.col("o_program") + "/" + pl.col("o_household").fill_null("")).alias("o_key"),
    )
    others = pairs.group_by("_ref").agg(
        pl.col("o_ref").sort().str.join("; ").alias("o_refs"),
        pl.col("o_text").sort().str.join("；另见 ").alias("o_texts"),
        pl.col("o_key").unique().sort().str.join(",").alias("o_keys"),
        pl.col("match_weight").max().alias("o_weight"),
    )
    rows = pairs.select(pl.exclude("^o_.*$", "match_weight", "match_explanation", "r_key")).unique("_ref").join(
        others, on="_ref")
    return findings(
        rows, rule.id, source_kind="roster", source_ref=pl.col("o_refs"),
        evidence_key=pl.lit(f"{rule.id}|") + pl.col("o_keys"),
        evidence=evidence_json(others=pl.col("o_keys"), program=pl.col("program"), amount=pl.col("amount")),
        explanation=pl.format("{}：另见 {}", pl.lit(what), pl.col("o_texts")),
        match_score=pl.col("o_weight"),
    )


def duplicate_in_roster(ctx: ScreenContext, rule: Rule, params: DuplicateParams) -> pl.LazyFrame:
    pairs = _same_person_pairs(ctx, ctx.roster_for(rule)).filter(pl.col("family") == pl.col("o_family"))
    return _flag_pairs(ctx, rule, pairs, "同一人在同类救助中重复享受")


def exclusive_programs(ctx: ScreenContext, rule: Rule, params: ExclusiveParams) -> pl.LazyFrame:
    pairs = _same_person_pairs(ctx, ctx.roster_for(rule))
    excluded = pl.lit(False)
    for a, b in params.pairs:
        excluded = excluded | ((pl.col("family") == a) & (pl.col("o_family") == b)) | (
            (pl.col("family") == b) & (pl.col("o_family") == a))
    return _flag_pairs(ctx, rule, pairs.filter(excluded), "同一人同时享受互斥的救助项目")


def age_mismatch(ctx: ScreenContext, rule: Rule, params: AgeParams) -> pl.LazyFrame:
    families = ctx.catalog.family_of()
    frames = []
    labels = _labels(ctx)
    for code in ctx.catalog.program_codes(rule):
        limits = params.ranges.get(code) or params.ranges.get(families[code])
        if limits is None:
            continue
        birth = pl.col("id_birth")
        outside = pl.lit(False)
        need = []
        if limits.min_age is not None:
            outside = outside | ~aged_at_least(birth, ctx.first_day, limits.min_age)
            need.append(f"年满{limits.min_age}周岁")
        if limits.below_age is not None:
            outside = outside | aged_at_least(birth, ctx.first_day, limits.below_age)
            need.append(f"未满{limits.below_age}周岁")
        # the program and the ages by comparisons, the age itself for the flagged rows only
        rows = _usable(ctx.roster).filter(pl.col("program") == code, outside)
        rows = rows.with_columns(age_on(birth, ctx.first_day).alias("_age"))
        frames.append(findings(
            rows, rule.id, source_kind="roster", source_ref=ref(pl.col("_file"), pl.col("_row")),
            evidence_key=pl.lit(f"age_mismatch|{code}|") + pl.col("id_birth").cast(pl.String),
            evidence=evidence_json(birth=pl.col("id_birth"), age=pl.col("_age"), program=pl.col("program")),
            explanation=pl.format(
                "按身份证号码出生日期{}计算，{}1日年龄为{}周岁；{}要求{}",
                pl.col("id_birth").cast(pl.String), pl.lit(ctx.first_day.strftime("%Y年%m月")),
                pl.col("_age"), pl.lit(labels[code]), pl.lit("、".join(need))),
            ))
    return pl.concat(frames) if frames else empty_findings()


def amount_above_standard(ctx: ScreenContext, rule: Rule, params: AmountParams) -> pl.LazyFrame:
    standards = {p.code: p.standard for p in ctx.catalog.programs if p.standard is not None}
    codes = [c for c in ctx.catalog.program_codes(rule) if c in standards]
    std = pl.col("program").replace_strict(standards, default=None, return_dtype=pl.Float64)
    rows = ctx.roster.filter(pl.col("program").is_in(codes)).with_columns(std.alias("_std"))
    rows = rows.filter(pl.col("amount") > pl.col("_std") + params.tolerance)
    labels = _labels(ctx)
    return findings(
        rows, rule.id, source_kind="roster", source_ref=ref(pl.col("_file"), pl.col("_row")),
        evidence_key=pl.lit("amount_above_standard|") + pl.col("program") + "|" + pl.col("_std").cast(pl.String),
        evidence=evidence_json(amount=pl.col("amount"), standard=pl.col("_std")),
        explanation=pl.format("月发放金额{}元，高于{}月标准{}元", yuan(pl.col("amount")),
                              pl.col("program").replace_strict(labels, default=pl.col("program")), yuan(pl.col("_std"))),
        amount_at_risk=pl.col("amount") - pl.col("_std"),
    )

