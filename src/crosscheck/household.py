"""Household members: who belongs to a roster household, for the rules that look at the whole family.

Members of a roster household (contract section 3) = the roster persons with that household_id,
plus every person of the `household` source (公安户籍) who shares a 户号 (household_no) with any of
them. Roster persons are found in 户籍 by the matching core, not by string equality, so a roster
number with a typo still brings in its family.

`household_members` returns one row per (household_id, member): the member's normalised person
columns, where the member was found (`m_origin`: roster or household, `m_ref`: file:row) and a
unique `_key` for matching members against a source.
"""

from __future__ import annotations

import polars as pl

from crosscheck.findings import ScreenContext, ref
from crosscheck.normalize_name import with_name_keys

PERSON = ("id", "id_raw", "id_status", "id_birth", "id_key", "name", "name_norm", "name_pinyin")
# rules that look up household members (and so the roster in 户籍) whatever the graph finds
MEMBER_RULES = ("public_employee", "vehicle", "business", "cadre_relative", "official_proxy")
CASE_COLUMNS = ("_file", "_row", "household_id", "program", "id", "id_raw", "name", "town", "village", "amount")


def _person(lf: pl.LazyFrame, origin: str) -> list[pl.Expr]:
    if "id_key" in lf.collect_schema():
        key = pl.col("id_key")
    else:  # a frame not normalised by prepare (tests, other callers)
        from crosscheck.keystrokes import id_key

        key = id_key(pl.col("id")).alias("id_key")
    return [*(key if c == "id_key" else pl.col(c) for c in PERSON), pl.lit(origin).alias("m_origin"),
            ref(pl.col("_file"), pl.col("_row")).alias("m_ref")]


def hukou_numbers(ctx: ScreenContext) -> pl.DataFrame:
    """The 户号 (household_no) of every roster person found in 户籍 (`_key`, `household_no`): the
    whole roster is matched once per run and every household lookup joins this."""
    if "hukou_numbers" not in ctx._cache:
        from crosscheck.link import matched_keys

        hukou = ctx.sources["household"]
        links = matched_keys(ctx.roster, hukou, ctx.catalog.matching).lazy()
        ctx._cache["hukou_numbers"] = links.join(
            hukou.select(pl.col("_key").alias("r_key"), "household_no"), on="r_key").select(
            pl.col("l_key").alias("_key"), "household_no").drop_nulls().unique().collect()
    return ctx._cache["hukou_numbers"]


def hukou_households(ctx: ScreenContext) -> pl.DataFrame:
    """The 户籍 persons of the 户号 that roster persons were found in (`hukou_numbers`), as
    `household_no` and the member columns (`_person`): every household lookup of a run joins
    this (a fifth of a county's 户籍 on the demo county) instead of the whole source, and the
    members' references are formatted once. Their names' keys are computed here where 户籍 has
    none (`with_name_keys`)."""
    if "hukou_households" not in ctx._cache:
        hukou = ctx.sources["household"]
        numbers = hukou_numbers(ctx).lazy().select("household_no").unique()
        rows = hukou.join(numbers, on="household_no", how="semi")
        schema = rows.collect_schema()
        if "name_norm" not in schema:  # only the columns read below, before the keys are computed
            rows = with_name_keys(rows.select(c for c in ("household_no", "_file", "_row", *PERSON) if c in schema)
                                  .collect()).lazy()
        ctx._cache["hukou_households"] = rows.select("household_no", *_person(rows, "household")).collect()
    return ctx._cache["hukou_households"]


def household_members(ctx: ScreenContext, programs: list[str], only: pl.LazyFrame | None = None) -> pl.DataFrame:
    """Every member of the roster households of these programs (roster persons and their 户籍
    household), or of the households in `only` (a `household_id` frame). Only the households a rule
    looks at are resolved: the property rules look at means-tested households, a fraction of the
    roster; the proxy rule at the households with a payee."""
    roster = ctx.roster.filter(pl.col("household_id").is_not_null())
    if only is not None:  # first: `only` is often a few households
        roster = roster.join(only, on="household_id", how="semi")
    households = roster.filter(pl.col("program").is_in(programs)).select("household_id").unique()
    roster = roster.join(households, on="household_id", how="semi")
    from_roster = roster.select(pl.col("household_id"), *_person(roster, "roster"))
    parts = [from_roster]
    hukou = ctx.source("household")
    if hukou is not None and "household_no" in hukou.collect_schema():
        numbers = (
            roster.select("_key", "household_id")
            .join(hukou_numbers(ctx).lazy(), on="_key")
            .select("household_id", "household_no").drop_nulls().unique()
        )
        family = numbers.join(hukou_households(ctx).lazy(), on="household_no")  # null numbers never join
        parts.append(family.select("household_id", pl.exclude("household_id", "household_no")))
    members = pl.concat(parts)
    if not ctx.distinct_files:  # a label of two inputs: one reference, one member (the first)
        members = members.unique(["household_id", "m_ref"], maintain_order=True)
    members = members.collect()
    return members.sort("household_id", "m_origin", "m_ref").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))


def household_payment(ctx: ScreenContext, programs: list[str], households: pl.LazyFrame) -> pl.LazyFrame:
    """Per household of `households` (a frame with `household_id`, usually a rule's few hits) that
    has rows of these programs: the roster row that stands for it in a case (the 户主 if listed,
    else the first row) and the household's total monthly payment under these programs, in the
    order of their representative rows. The choice is made once per set of programs for every
    household (one group-by); only the asked households' rows are fetched (a rule's hits are a
    few of the county's 84k households, whose rows each rule fetched whole before)."""
    rows, chosen = _payment_rows(ctx), _payment_choice(ctx, programs)
    asked = households.select(pl.col("household_id").cast(pl.String)).unique()
    asked = chosen.lazy().join(asked, on="household_id", how="semi")
    asked = asked.sort("_i").collect()
    return rows.select(CASE_COLUMNS)[asked["_i"]].with_columns(asked["household_amount"]).lazy()


def _payment_rows(ctx: ScreenContext) -> pl.DataFrame:
    """The roster rows with a household (CASE_COLUMNS, `program`, `_not_head`), in input order:
    `_i` is the row's place in this frame."""
    if "payment_rows" not in ctx._cache:
        ctx._cache["payment_rows"] = (
            ctx.roster.filter(pl.col("household_id").is_not_null()).sort("_key", maintain_order=True)
            .select(*CASE_COLUMNS, (pl.col("relation") != "户主").fill_null(True).alias("_not_head"))
            .with_columns(pl.col("household_id").cast(pl.String))  # (a frame of no households may type it null)
            .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_i")).collect())
    return ctx._cache["payment_rows"]


def _payment_choice(ctx: ScreenContext, programs: list[str]) -> pl.DataFrame:
    """Per household with rows of these programs: the place `_i` of its representative row and its
    total (`household_amount`). The 户主 row if listed, else the first row in input order: the
    least rank over the rows (not the head, then the place), and the total, in one group-by of
    two numbers."""
    key = ("household_payment", tuple(sorted(programs)))
    if key not in ctx._cache:
        rows = _payment_rows(ctx).lazy().filter(pl.col("program").is_in(programs))
        rank = pl.col("_not_head").cast(pl.Int64) * (1 << 40) + pl.col("_i")
        ctx._cache[key] = rows.group_by("household_id").agg(
            (rank.min() % (1 << 40)).alias("_i"), pl.col("amount").sum().alias("household_amount")).collect()
    return ctx._cache[key]
