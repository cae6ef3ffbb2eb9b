"""Rules about households tied together by what they share: shared_account and proxy_collector
(semantics: the rule catalog, contract rules.md) and official_proxy (a payee who is a village cadre
or on the public payroll). This is the one global step: an account or a payee can tie households
anywhere in the county, so these rules see the whole roster at once.

Ties come from `graph_links.household_links` (group-bys; households of one family never tie); the
linked groups built on them are `graph_groups`.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict

from crosscheck.catalog import Rule
from crosscheck.findings import ScreenContext, empty_findings, evidence_json, findings, ref
from crosscheck.graph_links import household_links, outside_payees, payee_key, with_payee_columns
from crosscheck.household import household_members, household_payment
from crosscheck.masking import mask_id_expr, mask_name_expr
from crosscheck.normalize_name import pinyin_keys


LISTED = 20  # other households named in a shared_account / proxy_collector case
OFFICIAL_WORDS = {"cadres": "村(居)委成员", "public_employees": "财政供养人员"}


class SharedAccountParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_households: int = 2


class ProxyCollectorParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_households: int = 3


class OfficialProxyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] = ["cadres", "public_employees"]
    public_employee_statuses: list[str] | None = None  # payroll statuses that count; None: every record


def _flag_ties(ctx: ScreenContext, rule: Rule, kind: str, min_families: int, what: str) -> pl.LazyFrame:
    """One finding per household of each tie of `kind` shared by `min_families` or more families of
    the rule's programs, naming the other households."""
    ties = household_links(ctx, ctx.catalog.graph).ties.lazy().filter(pl.col("kind") == kind)
    # the tied households of the rule's programs: the roster asked about the ties' few households
    # (a semi join built on them), not its distinct households all collected first
    households = ctx.roster_for(rule).join(ties.select("household_id"), on="household_id", how="semi")
    ties = ties.join(households.select("household_id"), on="household_id", how="semi")
    ties = ties.filter(pl.col("family").n_unique().over("tie") >= min_families)
    # the other households named: at most LISTED per tie (an account shared by thousands of households
    # would otherwise write thousands of ids into each of their cases: quadratic)
    ties = ties.with_columns(pl.col("household_id").n_unique().over("tie").alias("n_households"))
    listed = (ties.select("tie", pl.col("household_id").alias("o_household"), pl.col("t_ref").alias("o_ref"))
              .sort("tie", "o_household").group_by("tie", maintain_order=True).head(LISTED + 1))
    others = (ties.select("tie", "household_id", "n_households").join(listed, on="tie")
              .filter(pl.col("household_id") != pl.col("o_household")).sort("tie", "household_id", "o_household"))
    per_household = others.group_by("tie", "household_id").agg(
        pl.col("o_household").head(LISTED).str.join("、").alias("o_households"),
        pl.col("o_ref").head(LISTED).sort().str.join("; ").alias("o_refs"),
        pl.col("n_households").first(),
    ).with_columns(pl.col("o_households") + pl.when(pl.col("n_households") - 1 > LISTED).then(
        pl.format("等{}户", pl.col("n_households") - 1)).otherwise(pl.lit("")))
    labels = ties.group_by("tie").agg(pl.col("label").first(), pl.col("family").n_unique().alias("n_families"))
    tied = per_household.join(labels, on="tie")
    rows = household_payment(ctx, ctx.catalog.program_codes(rule), tied).join(tied, on="household_id")
    families = pl.when(pl.col("n_families") < pl.col("n_households")).then(
        pl.format("（{}个家庭）", pl.col("n_families"))).otherwise(pl.lit(""))
    return findings(
        rows, rule.id, source_kind="roster", source_ref=pl.col("o_refs"),
        evidence_key=pl.lit(f"{rule.id}|") + pl.col("tie") + "|" + pl.col("o_households"),
        evidence=evidence_json(tie=pl.col("tie"), households=pl.col("o_households")),
        explanation=pl.format("{} {} 同时用于{}户{}：本户 {} 与家庭编号 {}", pl.lit(what), pl.col("label"),
                              pl.col("n_households"), families, pl.col("household_id"), pl.col("o_households")),
        amount_at_risk=pl.col("household_amount"),
    )


def shared_account(ctx: ScreenContext, rule: Rule, params: SharedAccountParams) -> pl.LazyFrame:
    """One bank account (digits only) receives payments for `min_households` or more households
    (households of one family count once)."""
    return _flag_ties(ctx, rule, "account", params.min_households, "银行账号")


def proxy_collector(ctx: ScreenContext, rule: Rule, params: ProxyCollectorParams) -> pl.LazyFrame:
    """One payee who is not a member of the household collects for `min_households` or more."""
    return _flag_ties(ctx, rule, "payee", params.min_households, "非本户成员的代领人")


def _payees(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Distinct payees as person records (`_key`, id, name, ...) for the matching core."""
    key = [pl.col("payee_id_key").alias("id_key")] if "payee_id_key" in rows.collect_schema() else []
    people = rows.select("payee", pl.col("payee_id").alias("id"), pl.col("payee_id_status").alias("id_status"),
                         pl.col("payee_id_birth").alias("id_birth"), pl.col("payee_name").alias("name"),
                         pl.col("payee_name_norm").alias("name_norm"), *key)
    people = people.unique("payee").sort("payee").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_key")).collect()
    # the canonical names are the roster's (`with_payee_columns`); only their pinyin keys are new
    order = [c for c in people.columns if c != "name_norm"] + ["name_norm", "name_pinyin"]
    return people.with_columns(pinyin_keys(people["name_norm"]).alias("name_pinyin")).select(order).lazy()


def official_proxy(ctx: ScreenContext, rule: Rule, params: OfficialProxyParams) -> pl.LazyFrame:
    """A payee (代领人) who is not a member of the household is a village cadre or on the public payroll."""
    roster = with_payee_columns(ctx.roster_for(rule))
    for column, dtype in (("payee_id_status", pl.String), ("payee_id_birth", pl.Date)):
        if column not in roster.collect_schema():
            roster = roster.with_columns(pl.lit(None, dtype=dtype).alias(column))
    # the key of the rows with a payee only (it is null without one); read 3 times below
    paid = roster.filter(pl.any_horizontal(pl.col("payee_id").is_not_null(), pl.col("payee_name_norm").is_not_null()),
                         pl.col("household_id").is_not_null()).with_columns(payee_key().alias("payee")).collect().lazy()
    payees = _payees(paid).collect()
    if payees.height == 0:
        return empty_findings()
    from crosscheck.link import match_many

    officials, words = {}, {}
    for kind in params.sources:
        src = ctx.source(kind)
        if src is None:
            continue
        if kind == "public_employees" and params.public_employee_statuses is not None and "status" in src.collect_schema():
            src = src.filter(pl.col("status").is_in(params.public_employee_statuses))
        detail = {"cadres": ("village", "position"), "public_employees": ("employer", "status")}.get(kind, ())
        schema = src.collect_schema()
        officials[kind] = src
        words[kind] = pl.concat_str([pl.col(c).fill_null("") if c in schema else pl.lit("") for c in detail], separator=" ")
    hits = []
    for kind, pairs in match_many(payees.lazy(), officials, ctx.catalog.matching).items():
        src = officials[kind]
        hits.append(pairs.lazy().select("l_key", "r_key", "match_weight", "match_explanation").join(
            payees.lazy().select(pl.col("_key").alias("l_key"), "payee"), on="l_key").join(
            src.select(pl.col("_key").alias("r_key"), ref(pl.col("_file"), pl.col("_row")).alias("s_ref"),
                       pl.col("id").alias("s_id"), words[kind].str.strip_chars().alias("s_words")), on="r_key").select(
            "payee", pl.lit(kind).alias("s_kind"), "s_ref", "s_id", "s_words", "match_weight", "match_explanation"))
    if not hits:
        return empty_findings()
    officials = pl.concat(hits).collect()
    paid = paid.join(officials.lazy().select("payee").unique(), on="payee", how="semi")
    members = household_members(ctx, ctx.catalog.program_codes(rule), only=paid.select("household_id").unique()).lazy()
    outsiders = (
        outside_payees(paid, members, ["_file", "_row"])
        .group_by("household_id", "payee").agg(pl.col("payee_id").min(), pl.col("payee_name").min())
    )
    found = outsiders.join(officials.lazy(), on="payee").collect().lazy()  # read twice
    rows = found.join(household_payment(ctx, ctx.catalog.program_codes(rule), found), on="household_id")
    who = pl.format("代领人 {}（{}）", mask_name_expr(pl.col("payee_name")).fill_null("姓名未填"),
                    mask_id_expr(pl.col("payee_id")).fill_null("证件号未填"))
    office = pl.col("s_kind").replace_strict(OFFICIAL_WORDS, default="公职人员")
    return findings(
        rows, rule.id, source_kind=pl.col("s_kind"), source_ref=pl.col("s_ref"),
        evidence_key=pl.concat_str([pl.lit(rule.id), pl.col("s_kind"), pl.col("s_id").fill_null(""), pl.col("payee")],
                                   separator="|"),
        evidence=evidence_json(payee=pl.col("payee"), official=pl.col("s_ref"), detail=pl.col("s_words")),
        explanation=pl.format("{}不是本户成员，与{}记录（{}，{}）为同一人：{}；由其代领本户救助金", who, office,
                              pl.col("s_ref"), pl.col("s_words"), pl.col("match_explanation")),
        match_score=pl.col("match_weight"),
        amount_at_risk=pl.col("household_amount"),
    )
