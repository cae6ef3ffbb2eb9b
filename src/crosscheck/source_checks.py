"""Rules that compare the roster with another department's records: deceased (more to come with
the matching core). Semantics: the rule catalog, contract rules.md."""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict

from crosscheck.catalog import Rule
from crosscheck.findings import (
    ScreenContext, empty_findings, evidence_json, findings, id_agreement, name_agreement, ref,
)
from crosscheck.normalize_id import USABLE_STATUSES


class DeceasedParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _usable(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.filter(pl.col("id_status").is_in(USABLE_STATUSES))


def _source_side(lf: pl.LazyFrame, *columns: str) -> pl.LazyFrame:
    """The source's matching and evidence columns, prefixed `s_` (the roster keeps its names)."""
    keep = ["id", "id_raw", "id_status", "name", "name_norm", "name_pinyin", "_file", "_row", *columns]
    return lf.select(pl.col("id"), *[pl.col(c).alias(f"s_{c}") for c in keep if c != "id"])


def deceased(ctx: ScreenContext, rule: Rule, params: DeceasedParams) -> pl.LazyFrame:
    deaths = ctx.source("deaths")
    if deaths is None:
        return empty_findings()
    before = _usable(deaths).filter(pl.col("death_date") < ctx.first_day)
    earliest = before.sort("id", "death_date", "_file", "_row").unique("id", keep="first", maintain_order=True)
    rows = _usable(ctx.roster_for(rule)).join(_source_side(earliest, "death_date"), on="id")
    return findings(
        rows, rule.id, source_kind="deaths",
        source_ref=ref(pl.col("s__file"), pl.col("s__row")),
        evidence_key=pl.lit("deaths|") + pl.col("id") + "|" + pl.col("s_death_date").cast(pl.String),
        evidence=evidence_json(death_date=pl.col("s_death_date"), source=pl.col("s__file"),
                               name=pl.col("s_name")),
        explanation=pl.format(
            "死亡记录（{}）：{}，{}；死亡日期{}，早于发放月份{}",
            ref(pl.col("s__file"), pl.col("s__row")), id_agreement("id", "s_id"),
            name_agreement("name", "s_name"), pl.col("s_death_date").cast(pl.String), pl.lit(ctx.month)),
        match_score=pl.lit(1.0),
    )
