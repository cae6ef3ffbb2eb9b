"""The component signal: groups of households tied together by two or more kinds of link.

`linked_households` flags every household of a linked group (a connected component of the graph of
ties, `graph_components`) of `min_households` or more families tied by `min_link_kinds` or more
kinds of link (accounts, payees, phones, addresses). Its explanation names the group, its
suspicion score, and the paths from the household to the nearest other families, each step an
identifier an inspector can look up: 本户 A -(银行账号 6215 **** 0042)- B -(联系电话 138****1234)- C.

`groups_export` is the components.json the review page and the report draw from.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from pydantic import BaseModel, ConfigDict

from crosscheck.catalog import Catalog, Rule
from crosscheck.findings import ScreenContext, empty_findings, evidence_json, findings
from crosscheck.graph_components import LinkGraph, build_link_graph, component_ties, member_index, paths_from
from crosscheck.graph_links import household_links
from crosscheck.household import household_payment

MAX_PATHS = 4
LISTED = 50  # households and identifiers of a group written into each of its cases' evidence


class LinkedHouseholdsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_households: int = 3  # families in the group (households of one family count once)
    min_link_kinds: int = 2


def link_graph(ctx: ScreenContext, meanwhile: Callable[[], None] | None = None) -> LinkGraph:
    """The month's graph of ties, built once per run (`meanwhile`: see `household_links`)."""
    if "link_graph" not in ctx._cache:
        ctx._cache["link_graph"] = build_link_graph(household_links(ctx, ctx.catalog.graph, meanwhile), ctx.catalog.graph)
    return ctx._cache["link_graph"]


def kinds_words(kinds: str, catalog: Catalog) -> str:
    """"account:2,phone:1" -> 银行账号2个、联系电话1个"""
    parts = (k.split(":") for k in kinds.split(",") if k)
    return "、".join(f"{catalog.graph.links[k].label}{n}个" for k, n in parts)


def flagged_groups(lg: LinkGraph, params: LinkedHouseholdsParams) -> pl.DataFrame:
    return lg.components.filter(pl.col("n_families") >= params.min_households,
                                pl.col("n_kinds") >= params.min_link_kinds)


def linked_households(ctx: ScreenContext, rule: Rule, params: LinkedHouseholdsParams) -> pl.LazyFrame:
    """Every household of a group of `min_households`+ families tied by `min_link_kinds`+ kinds of link."""
    lg = link_graph(ctx)
    groups = flagged_groups(lg, params)
    if groups.height == 0:
        return empty_findings()
    index = member_index(lg)
    households_of = index[1]
    flagged = set(groups["component"])
    # which of the flagged groups' households have a roster row of the rule's programs (the
    # groups' few, not the whole roster's: a set of every roster household was most of this rule)
    in_groups = lg.members.filter(pl.col("component").is_in(list(flagged))).select("household_id").lazy()
    in_rule = set(ctx.roster_for(rule).join(in_groups, on="household_id", how="semi")
                  .select("household_id").unique().collect()["household_id"])
    per_group = (lg.links.ties.join(lg.members.select("household_id", "component"), on="household_id")
                 .filter(pl.col("component").is_in(list(flagged)))
                 .group_by("component").agg(
                     pl.concat_str("kind", pl.lit(":"), "tie").unique().sort().head(LISTED).str.join(";").alias("ties"),
                     pl.col("t_ref").unique().sort().alias("refs")))
    group_info = {c: (t, r) for c, t, r in per_group.iter_rows()}
    rows = []
    for component, n_households, n_families, kinds, score in groups.select(
            "component", "n_households", "n_families", "kinds", "score").iter_rows():
        everyone = households_of[component]
        members = [h for h in everyone if h in in_rule]
        evidence_ties, refs = group_info[component]
        # a group of thousands (one payee for a whole village) lists its first LISTED households in
        # each case and is keyed by its name: every case writing every household is quadratic
        listed = "、".join(everyone[:LISTED]) + (f"等{len(everyone)}户" if len(everyone) > LISTED else "")
        key = "、".join(everyone) if len(everyone) <= LISTED else f"component:{component}"
        header = (f"关联组 {component}：{n_households}户（{n_families}个家庭）由{kinds_words(kinds, ctx.catalog)}"
                  f"相连，可疑度 {score:g}")
        for household in members:
            paths = paths_from(lg, household, ctx.catalog.graph, limit=MAX_PATHS, index=index)
            more = n_families - 1 - len(paths)
            tail = f"；另有{more}个家庭见关联组" if more > 0 else ""
            rows.append((household, component, score, f"{header}。核查路径：" + "；".join(paths) + tail,
                         "; ".join(refs[:12]) + (" ..." if len(refs) > 12 else ""),
                         listed, key, evidence_ties))
    frame = pl.DataFrame(rows, orient="row", schema={
        "household_id": pl.String, "component": pl.String, "score": pl.Float64, "words": pl.String,
        "refs": pl.String, "group": pl.String, "group_key": pl.String, "group_ties": pl.String})
    found = household_payment(ctx, ctx.catalog.program_codes(rule), frame.lazy()).join(frame.lazy(), on="household_id")
    return findings(
        found, rule.id, source_kind="roster", source_ref=pl.col("refs"),
        evidence_key=pl.lit(f"{rule.id}|") + pl.col("group_key"),
        evidence=evidence_json(households=pl.col("group"), ties=pl.col("group_ties")),
        explanation=pl.col("words"), match_score=pl.col("score"),
        amount_at_risk=pl.col("household_amount"),
    )


def groups_export(ctx: ScreenContext, *, limit: int = 200) -> dict:
    """components.json: the linked groups (flagged ones first, then by score; at most `limit`), each with its
    households, its identifiers (masked) and whether `linked_households` flags it; and the capped
    identifiers, reported instead of linked. Built only if a graph rule built the graph."""
    if "link_graph" not in ctx._cache:
        return {"total_groups": 0, "flagged_groups": 0, "groups": [], "capped": [], "kind_labels": {}}
    lg: LinkGraph = ctx._cache["link_graph"]
    rule = ctx.catalog.rules.get("linked_households")
    flagged: set[str] = set()
    if rule is not None:
        flagged = set(flagged_groups(lg, LinkedHouseholdsParams.model_validate(rule.params))["component"])
    ranked = lg.components.sort(pl.col("component").is_in(list(flagged)), "score", descending=True,
                                maintain_order=True).head(limit)
    shown = lg.members.join(ranked.select("component"), on="component", how="semi").select("household_id").lazy()
    info = ctx.roster.join(shown, on="household_id", how="semi").group_by("household_id").agg(  # the shown households only
        pl.col("town").drop_nulls().first(), pl.col("village").drop_nulls().first(),
        pl.col("program").unique().sort().str.join(","), pl.col("amount").sum()).collect()
    groups = []
    for row in ranked.iter_rows(named=True):
        members = lg.members.filter(pl.col("component") == row["component"]).join(info, on="household_id", how="left")
        ties = component_ties(lg, row["component"])
        groups.append({
            **row, "flagged": row["component"] in flagged,
            "households": members.select("household_id", "family", "town", "village", "program", "amount").to_dicts(),
            "ties": [{"kind": k, "label": lab, "households": hs}
                     for k, lab, hs in ties.select("kind", "label", "households").iter_rows()],
        })
    return {"total_groups": lg.components.height, "flagged_groups": len(flagged), "groups": groups,
            "capped": lg.links.capped.to_dicts(),
            "kind_labels": {k: v.label for k, v in ctx.catalog.graph.links.items()}}
