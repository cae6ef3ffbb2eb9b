"""Rules about households tied together by what they share: shared_account and proxy_collector
(semantics: the rule catalog, contract rules.md). This is the one global step: an account or a
payee can tie households anywhere in the county, so these rules see the whole roster at once.

Ties are found with Polars group-bys (only identifiers shared by enough households survive), so a
million-row roster stays fast; the graph of components built on them is the graph issue's work.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict

from crosscheck.catalog import Rule
from crosscheck.findings import ScreenContext, empty_findings, evidence_json, findings, ref
from crosscheck.household import household_members, household_payment
from crosscheck.masking import mask_id_expr, mask_name_expr


class SharedAccountParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_households: int = 2


class ProxyCollectorParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_households: int = 3


def mask_account(col: pl.Expr) -> pl.Expr:
    """6215 **** 0042: the first and last four digits of an account."""
    return col.str.slice(0, 4) + pl.lit(" **** ") + col.str.slice(-4)


def _flag_ties(ctx: ScreenContext, rule: Rule, ties: pl.LazyFrame, what: str) -> pl.LazyFrame:
    """One finding per household of each tie (`tie`, `household_id`, `t_ref`, `tie_words`), naming the others."""
    others = ties.join(ties.select("tie", pl.col("household_id").alias("o_household"), pl.col("t_ref").alias("o_ref")),
                       on="tie").filter(pl.col("household_id") != pl.col("o_household"))
    per_household = others.group_by("tie", "household_id").agg(
        pl.col("o_household").unique().sort().str.join("、").alias("o_households"),
        pl.col("o_ref").unique().sort().str.join("; ").alias("o_refs"),
        (pl.col("o_household").n_unique() + 1).alias("n_households"),
    )
    households = household_payment(ctx, ctx.catalog.program_codes(rule))
    rows = households.join(per_household.join(ties.select("tie", "tie_words").unique("tie"), on="tie"), on="household_id")
    return findings(
        rows, rule.id, source_kind="roster", source_ref=pl.col("o_refs"),
        evidence_key=pl.lit(f"{rule.id}|") + pl.col("tie") + "|" + pl.col("o_households"),
        evidence=evidence_json(tie=pl.col("tie"), households=pl.col("o_households")),
        explanation=pl.format("{}{}同时用于{}户：本户与家庭编号 {}", pl.lit(what), pl.col("tie_words"),
                              pl.col("n_households"), pl.col("o_households")),
        amount_at_risk=pl.col("household_amount"),
    )


def shared_account(ctx: ScreenContext, rule: Rule, params: SharedAccountParams) -> pl.LazyFrame:
    """One bank account (digits only) receives payments for `min_households` or more households."""
    rows = ctx.roster_for(rule).filter(pl.col("bank_account").is_not_null(), pl.col("household_id").is_not_null())
    shared = rows.group_by("bank_account").agg(pl.col("household_id").n_unique().alias("n")).filter(
        pl.col("n") >= params.min_households)
    ties = rows.join(shared, on="bank_account", how="semi").group_by("bank_account", "household_id").agg(
        ref(pl.col("_file"), pl.col("_row")).min().alias("t_ref"))
    ties = ties.select(pl.col("bank_account").alias("tie"), "household_id", "t_ref",
                       mask_account(pl.col("bank_account")).alias("tie_words"))
    return _flag_ties(ctx, rule, ties, "银行账号")


def proxy_collector(ctx: ScreenContext, rule: Rule, params: ProxyCollectorParams) -> pl.LazyFrame:
    """One payee who is not a member of the household collects for `min_households` or more."""
    schema = ctx.roster.collect_schema()
    if "payee_id" not in schema and "payee_name" not in schema:
        return empty_findings()
    roster = ctx.roster_for(rule)
    for column, dtype in (("payee_id", pl.String), ("payee_name", pl.String)):
        if column not in schema:
            roster = roster.with_columns(pl.lit(None, dtype=dtype).alias(column))
    payee = pl.coalesce(pl.lit("id:") + pl.col("payee_id"), pl.lit("name:") + pl.col("payee_name").str.replace_all(r"\s", ""))
    paid = roster.with_columns(payee.alias("payee")).filter(pl.col("payee").is_not_null(),
                                                            pl.col("household_id").is_not_null())
    candidates = paid.group_by("payee").agg(pl.col("household_id").n_unique().alias("n")).filter(
        pl.col("n") >= params.min_households)
    paid = paid.join(candidates, on="payee", how="semi")
    members = household_members(ctx, ctx.catalog.program_codes(rule),
                                only=paid.select("household_id").unique()).lazy()
    member_ids = members.select("household_id", pl.col("id").alias("payee_id")).drop_nulls()
    member_names = members.select("household_id", pl.col("name_norm").alias("payee_name_norm")).drop_nulls()
    outsiders = (
        paid.with_columns(pl.col("payee_name").str.replace_all(r"\s", "").alias("payee_name_norm"))
        .join(member_ids, on=["household_id", "payee_id"], how="anti")
        .join(member_names, on=["household_id", "payee_name_norm"], how="anti")
    )
    busy = outsiders.group_by("payee").agg(pl.col("household_id").n_unique().alias("n")).filter(
        pl.col("n") >= params.min_households)
    ties = outsiders.join(busy, on="payee", how="semi").group_by("payee", "household_id").agg(
        ref(pl.col("_file"), pl.col("_row")).min().alias("t_ref"),
        pl.col("payee_id").first(), pl.col("payee_name").first())
    words = pl.format("{}（{}）", mask_name_expr(pl.col("payee_name")).fill_null("姓名未填"),
                      mask_id_expr(pl.col("payee_id")).fill_null("证件号未填"))
    ties = ties.select(pl.col("payee").alias("tie"), "household_id", "t_ref", words.alias("tie_words"))
    return _flag_ties(ctx, rule, ties, "非本户成员的代领人")
