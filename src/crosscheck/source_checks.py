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
