"""Rules that compare the roster with another department's records through the matching core:
deceased. Semantics: the rule catalog, contract rules.md."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict

from crosscheck.catalog import Rule
from crosscheck.findings import ScreenContext, empty_findings, evidence_json, findings, ref


class DeceasedParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _source_side(lf: pl.LazyFrame, *columns: str) -> pl.LazyFrame:
    """The source's evidence columns, prefixed `s_` (the roster keeps its names)."""
    keep = ["_key", "id", "name", "_file", "_row", *columns]
    return lf.select(pl.col(c).alias(f"s_{c}") for c in keep)


def matched(ctx: ScreenContext, rule: Rule, kind: str, source: pl.LazyFrame, *columns: str) -> pl.LazyFrame:
    """Roster rows (of the rule's programs) joined to the source records the matching core says
    are the same person, with `match_weight` and `match_explanation`."""
    pairs = ctx.matches(kind).lazy().select("l_key", "r_key", "match_weight", "match_explanation")
    return (
        ctx.roster_for(rule)
        .join(pairs, left_on="_key", right_on="l_key")
        .join(_source_side(source, *columns), left_on="r_key", right_on="s__key")
    )


def deceased(ctx: ScreenContext, rule: Rule, params: DeceasedParams) -> pl.LazyFrame:
    deaths = ctx.source("deaths")
    if deaths is None:
        return empty_findings()
    before = deaths.filter(pl.col("death_date") < ctx.first_day)
    rows = matched(ctx, rule, "deaths", before, "death_date")
    earliest = rows.sort("_key", "s_death_date", "s__file", "s__row").unique("_key", keep="first", maintain_order=True)
    source_ref = ref(pl.col("s__file"), pl.col("s__row"))
    return findings(
        earliest, rule.id, source_kind="deaths", source_ref=source_ref,
        evidence_key=pl.lit("deaths|") + pl.col("s_id").fill_null("") + "|" + pl.col("s_death_date").cast(pl.String),
        evidence=evidence_json(death_date=pl.col("s_death_date"), source=pl.col("s__file"),
                               name=pl.col("s_name"), id=pl.col("s_id")),
        explanation=pl.format("死亡记录（{}）：{}；死亡日期{}，早于发放月份{}", source_ref,
                              pl.col("match_explanation"), pl.col("s_death_date").cast(pl.String), pl.lit(ctx.month)),
        match_score=pl.col("match_weight"),
    )


class PrisonerParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrossRegionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def prisoner(ctx: ScreenContext, rule: Rule, params: PrisonerParams) -> pl.LazyFrame:
    """Serving during M: admitted on or before M's last day and not released before M."""
    prisons = ctx.source("prisoners")
    if prisons is None:
        return empty_findings()
    if "released_on" not in prisons.collect_schema():
        prisons = prisons.with_columns(pl.lit(None, dtype=pl.Date).alias("released_on"))
    serving = prisons.filter(pl.col("admitted_on") <= ctx.last_day,
                             pl.col("released_on").is_null() | (pl.col("released_on") >= ctx.first_day))
    rows = matched(ctx, rule, "prisoners", serving, "admitted_on", "released_on")
    rows = rows.sort("_key", "s_admitted_on", "s__file", "s__row").unique("_key", keep="first", maintain_order=True)
    source_ref = ref(pl.col("s__file"), pl.col("s__row"))
    released = pl.col("s_released_on").cast(pl.String).fill_null("未释放")
    return findings(
        rows, rule.id, source_kind="prisoners", source_ref=source_ref,
        evidence_key=pl.lit("prisoners|") + pl.col("s_id").fill_null("") + "|" + pl.col("s_admitted_on").cast(pl.String),
        evidence=evidence_json(admitted_on=pl.col("s_admitted_on"), released_on=pl.col("s_released_on")),
        explanation=pl.format("服刑人员记录（{}）：{}；{}入监，释放日期：{}，{}在服刑", source_ref, pl.col("match_explanation"),
                              pl.col("s_admitted_on").cast(pl.String), released, pl.lit(ctx.month)),
        match_score=pl.col("match_weight"),
    )


def cross_region(ctx: ScreenContext, rule: Rule, params: CrossRegionParams) -> pl.LazyFrame:
    """Paid in another county's roster for the same month."""
    elsewhere = ctx.source("rosters_elsewhere")
    if elsewhere is None:
        return empty_findings()
    for column in ("county", "program"):
        if column not in elsewhere.collect_schema():
            elsewhere = elsewhere.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    labels = {p.code: p.label for p in ctx.catalog.programs}
    rows = matched(ctx, rule, "rosters_elsewhere", elsewhere, "county", "program")
    rows = rows.sort("_key", "s__file", "s__row").unique("_key", keep="first", maintain_order=True)
    source_ref = ref(pl.col("s__file"), pl.col("s__row"))
    return findings(
        rows, rule.id, source_kind="rosters_elsewhere", source_ref=source_ref,
        evidence_key=pl.lit("rosters_elsewhere|") + pl.col("s_id").fill_null("") + "|" + pl.col("s_county").fill_null(""),
        evidence=evidence_json(county=pl.col("s_county"), program=pl.col("s_program")),
        explanation=pl.format("外县发放名册（{}）：{}；{}同月在{}领取{}", source_ref, pl.col("match_explanation"),
                              pl.lit(ctx.month), pl.col("s_county").fill_null("外县"),
                              pl.col("s_program").replace_strict(labels, default=pl.col("s_program")).fill_null("救助")),
        match_score=pl.col("match_weight"),
    )
