"""Links between roster households: the identifiers two households share.

A link is one identifier of one kind (a bank account, a payee who is not a member, a phone number,
a normalised address) shared by two or more *families*. Roster households that share a member
(the same ID number, on the roster or in the same 公安户籍 household), directly or through other
roster households, are one family: a person paid under two programs, or a couple on two per-person
allowances, ties nothing. A person in more roster households than graph.yaml's family_cap (a 集体户)
makes no family; such persons are reported with the capped identifiers. Everything here
is Polars group-bys and joins; only identifiers shared by two or more households survive the
first group-by, so a million-row roster hands a few thousand ties to the graph.

The settings (kinds, weights, caps, exempt programs) are data: rules/graph.yaml.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from crosscheck.findings import ScreenContext, ref
from crosscheck.household import MEMBER_RULES, household_members, hukou_households, hukou_numbers
from crosscheck.graph_settings import GraphSettings
from crosscheck.masking import mask_id_expr, mask_name_expr
from crosscheck.normalize_name import normalize_names

TIE_SCHEMA = {"kind": pl.String, "tie": pl.String, "household_id": pl.String, "payee_id": pl.String,
              "payee_name": pl.String, "payee_name_norm": pl.String, "payee_id_status": pl.String, "t_ref": pl.String,
              "label": pl.String}


def mask_account(col: pl.Expr) -> pl.Expr:
    """6215 **** 0042: the first and last four digits of an account; a short account (8 digits or
    fewer, which those eight would show whole) only its last two: **** 78."""
    n = col.str.len_chars()
    return (pl.when(n > 8).then(col.str.slice(0, 4) + pl.lit(" **** ") + col.str.slice(-4))
            .when(n > 4).then(pl.lit("**** ") + col.str.slice(-2)).otherwise(pl.lit("****")))


def mask_phone(col: pl.Expr) -> pl.Expr:
    """138****1234; a shorter number (a landline without its area code) never shown whole:
    ****3456 (9-10 digits), ****56 (5-8 digits)."""
    n = col.str.len_chars()
    return (pl.when(n >= 11).then(col.str.slice(0, 3) + pl.lit("****") + col.str.slice(-4))
            .when(n >= 9).then(pl.lit("****") + col.str.slice(-4))
            .when(n >= 5).then(pl.lit("****") + col.str.slice(-2)).otherwise(pl.lit("****")))


# text of ASCII and CJK unified ideographs only, which NFKC leaves as it is (neither has a
# decomposition, and nothing composes without a combining mark): most addresses
_NFKC_STABLE = r"^[\x00-\x7f\u4e00-\u9fff]*$"


def nfkc(values: pl.Series) -> pl.Series:
    """Unicode NFKC of a string column, computed only for the values it can change."""
    rows = (~values.str.contains(_NFKC_STABLE).fill_null(True)).arg_true()
    if rows.len() == 0:
        return values
    return values.clone().scatter(rows, values.gather(rows).str.normalize("NFKC"))


def normalize_address(col: pl.Expr) -> pl.Expr:
    """Full-width forms folded (NFKC), spaces and punctuation dropped: 新建镇 老垅村10组 63号 ->
    新建镇老垅村10组63号. Empty results are null."""
    s = col.map_batches(nfkc, return_dtype=pl.String).str.replace_all(r"[\s\p{P}]", "")
    return s.replace("", None)  # not when/then: that computes `s` twice


def mask_address(col: pl.Expr) -> pl.Expr:
    """The house number starred: 老垅村10组63号 -> 老垅村10组**号."""
    return col.str.replace(r"\d+(号|室|栋)?$", "**$1")


def payee_key() -> pl.Expr:
    """A payee by ID number, or by name where no ID was given: the name's canonical form
    (`payee_name_norm`: spaces, middle dots and traditional characters as the roster's names are)."""
    return pl.coalesce(pl.lit("id:") + pl.col("payee_id"), pl.lit("name:") + pl.col("payee_name_norm"))


def with_payee_columns(roster: pl.LazyFrame) -> pl.LazyFrame:
    """`payee_id`, `payee_name` (null where the roster has none) and `payee_name_norm`, the name in
    the canonical form the members' `name_norm` has (normalize_name)."""
    schema = roster.collect_schema()
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in ("payee_id", "payee_name", "payee_id_status")
               if c not in schema]
    roster = roster.with_columns(missing) if missing else roster
    if "payee_name_norm" not in schema:
        roster = normalize_names(roster, "payee_name").drop("payee_name_pinyin")
    return roster


USABLE_ID = ("valid", "legacy15")


def outside_payees(rows: pl.LazyFrame, members: pl.LazyFrame, row_key: list[str]) -> pl.LazyFrame:
    """The `rows` whose payee is not a member of the row's `household_id`: not one by ID number, nor
    one by name, unless the payee's and that member's numbers are both usable and differ (two
    valid numbers are two people, even with one name). `row_key` names a row of `rows`."""
    ids = members.select("household_id", pl.col("id").alias("payee_id")).drop_nulls()
    named = members.select("household_id", pl.col("name_norm").alias("payee_name_norm"), pl.col("id").alias("_m_id"),
                           pl.col("id_status").alias("_m_status")).filter(pl.col("payee_name_norm").is_not_null())
    two_people = (pl.col("payee_id_status").is_in(USABLE_ID).fill_null(False)
                  & pl.col("_m_status").is_in(USABLE_ID).fill_null(False) & (pl.col("payee_id") != pl.col("_m_id")))
    by_name = (rows.select(*dict.fromkeys([*row_key, "household_id", "payee_id", "payee_id_status", "payee_name_norm"]))
               .join(named, on=["household_id", "payee_name_norm"]).filter(~two_people.fill_null(False))
               .select(row_key).unique())
    return rows.join(ids, on=["household_id", "payee_id"], how="anti").join(by_name, on=row_key, how="anti")


def _identifiers(roster: pl.LazyFrame, settings: GraphSettings) -> dict[str, pl.LazyFrame]:
    """Per link kind the inputs carry: (kind, tie, household_id, _file, _row, payee_id, payee_name)
    per roster row (labels are written later, for the few identifiers that are shared)."""
    schema = roster.collect_schema()
    ties = {"account": ("bank_account", pl.col("bank_account")), "phone": ("phone", pl.col("phone")),
            "address": ("address", normalize_address(pl.col("address"))), "payee": (None, payee_key())}
    parts = {}
    for kind, spec in settings.links.items():
        column, tie = ties[kind]
        if column is not None and column not in schema:
            continue
        if kind == "payee" and "payee_id" not in schema and "payee_name" not in schema:
            continue
        if kind == "payee":  # the key of the rows with a payee only (it is null without one)
            rows = with_payee_columns(roster)
            rows = rows.filter(pl.any_horizontal(pl.col("payee_id").is_not_null(), pl.col("payee_name_norm").is_not_null()))
        else:
            rows = roster.with_columns(pl.lit(None, pl.String).alias(c)
                                       for c in ("payee_id", "payee_name", "payee_name_norm", "payee_id_status"))
        parts[kind] = rows.filter(~pl.col("program").is_in(spec.exempt_programs)).select(
            pl.lit(kind).alias("kind"), tie.alias("tie"), "household_id", "_file", "_row", "payee_id", "payee_name",
            "payee_name_norm", "payee_id_status")
    return parts


def tie_labels(rows: pl.LazyFrame, kind: str) -> pl.LazyFrame:
    """`label`: an identifier of one kind as an inspector may see it (masked), and `t_ref`
    (file:row). One kind at a time: each mask runs on its own kind's rows only."""
    tie = pl.col("tie")
    if kind in ("account", "phone", "address"):
        label = {"account": mask_account, "phone": mask_phone, "address": mask_address}[kind](tie)
    else:
        payee_name = pl.col("payee_name_norm").drop_nulls().min().over("tie")  # one name, whatever the row order
        label = pl.format("{}（{}）", mask_name_expr(payee_name).fill_null("姓名未填"),
                          mask_id_expr(pl.col("payee_id")).fill_null("证件号未填"))
    return rows.with_columns(label.alias("label"), ref(pl.col("_file"), pl.col("_row")).alias("t_ref"))


def shared_by_two(rows: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Rows whose `by` identifier (no part of it null) is shared by two or more distinct
    households, in their order (a window, not a group-by joined back: 2.5x faster on 300k identifiers)."""
    return rows.filter(pl.all_horizontal(pl.col(by).is_not_null()), pl.col("household_id").n_unique().over(by) >= 2)


def family_labels(edges: pl.DataFrame) -> pl.DataFrame:
    """Connected components of households (`household_id`) through shared members (`member`): each
    household's `family` is the smallest household_id it reaches. Households with no member edge
    are their own family. Households and members become integers (households first, in
    household_id order), and `min_labels` finds every node's smallest reachable node."""
    households = edges.select("household_id").unique().sort("household_id")
    pairs = edges.drop_nulls().unique()
    if pairs.height == 0:
        return households.with_columns(pl.col("household_id").alias("family"))
    members = pairs.select("member").unique()
    coded = (pairs.join(households.with_row_index("h"), on="household_id")
             .join(members.with_row_index("m"), on="member"))
    n = households.height
    u, v = coded["h"].cast(pl.Int64).to_numpy(), coded["m"].cast(pl.Int64).to_numpy() + n
    label = min_labels(u, v, n + members.height)
    # a component's smallest node is one of its households (they come first), the family's name
    return households.with_columns(pl.col("household_id").gather(pl.Series(label[:n])).alias("family"))


def min_labels(u, v, n: int):
    """For an undirected graph of nodes 0..n-1 and edges (u[i], v[i]) (numpy integer arrays): every
    node's smallest reachable node. Minimum-label hooking with pointer jumping (each round, both
    ends of an edge and their labels' nodes take the edge's smaller label; then labels follow their
    labels to a fixed point): O(log n) rounds of whole-array operations, not a Python loop per
    edge. Labels only decrease and stay in the node's component; at the fixed point every edge's
    ends agree, so a component's label is its smallest node."""
    import numpy as np

    label = np.arange(n, dtype=np.int64)
    while True:
        lu, lv = label[u], label[v]
        low = np.minimum(lu, lv)
        new = label.copy()
        for ends in (u, v, lu, lv):
            np.minimum.at(new, ends, low)
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


def family_members(ctx: ScreenContext, members: pl.DataFrame) -> pl.DataFrame:
    """`members` (household_members of the households holding a shared identifier) grown by every
    roster household that shares a member with them, until none is added: a household that holds
    no shared identifier may still make two that do one family (A and B share a person, B and C
    another: A and C are one family)."""
    codes = [p.code for p in ctx.catalog.programs]
    roster = ctx.roster.filter(pl.col("household_id").is_not_null()).select("household_id", "id", "_key")
    hukou = ctx.source("household")
    use_hukou = hukou is not None and "household_no" in hukou.collect_schema()
    while True:
        ids = members.select("id").drop_nulls().unique().lazy()
        found = [roster.join(ids, on="id", how="semi").select("household_id")]
        if use_hukou:  # households whose 户籍 household holds one of these persons (a 户号 of
            # no roster person's gives none: the 户籍 of those numbers is enough)
            numbers = (hukou_households(ctx).lazy().join(ids, on="id", how="semi")
                       .select("household_no").drop_nulls().unique())
            keys = hukou_numbers(ctx).lazy().join(numbers, on="household_no", how="semi").select("_key")
            found.append(roster.join(keys, on="_key", how="semi").select("household_id"))
        known = members.select("household_id").unique()
        new = pl.concat(found).unique().join(known.lazy(), on="household_id", how="anti").collect()
        if new.height == 0:
            return members
        members = household_members(ctx, codes, only=pl.concat([known, new]).lazy())


def _capped_members(edges: pl.DataFrame, cap: int | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The (household_id, member) edges without the members shared by more than `cap` roster
    households (a 集体户 is no family), and those members as capped identifiers (kind family)."""
    counts = edges.group_by("member").agg(pl.len().alias("n"))
    over = counts.filter(pl.col("n") > cap) if cap is not None else counts.clear()
    capped = over.sort("n", "member", descending=[True, False]).select(
        pl.lit("family").alias("kind"), mask_id_expr(pl.col("member")).alias("label"),
        pl.col("n").alias("n_families"), pl.col("n").alias("n_households"))
    return edges.join(over, on="member", how="anti"), capped


@dataclass(frozen=True)
class Links:
    """`ties`: one row per (kind, tie, household) kept in the graph, with the household's `family`
    and `n_families` sharing the tie; `capped`: identifiers shared by more families than their kind's
    cap (kind, label, n_families, n_households), reported instead of linked."""

    ties: pl.DataFrame
    capped: pl.DataFrame


def household_links(ctx: ScreenContext, settings: GraphSettings, meanwhile: Callable[[], None] | None = None) -> Links:
    """Every tie between families of the month's roster (computed once per run). `meanwhile`, if
    given, is called while the 户籍 households are looked up on a thread (work of the run that
    does not need them: the main thread would otherwise wait)."""
    if "graph_links" in ctx._cache:
        return ctx._cache["graph_links"]
    roster = ctx.roster.filter(pl.col("household_id").is_not_null())
    parts = _identifiers(roster, settings)
    hukou = ctx.source("household")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="crosscheck-hukou") as pool:
        # the roster's 户籍 households (a matching, then names' keys, much of it on one core) on a
        # thread while the shared identifiers are found and `meanwhile` runs (graph 586 -> 556 ms),
        # if a rule needs them whatever the ties; nothing else reads those cache entries meanwhile
        needed = any(r in ctx.catalog.rules for r in MEMBER_RULES) and hukou is not None
        pending = pool.submit(hukou_households, ctx) if needed and "household_no" in hukou.collect_schema() else None
        if not parts:
            rows = pl.DataFrame(schema=TIE_SCHEMA)
        else:
            # each kind's shared identifiers and their labels on their own (one string key instead of
            # two, the kinds in parallel, each mask on its kind's rows only): 66 ms on the 100k-row
            # roster, against 134 ms labelling all kinds' together and 169 ms finding them together
            rows = pl.concat([tie_labels(shared_by_two(p, ["tie"]), kind) for kind, p in parts.items()]
                             ).drop("_file", "_row").collect()
        if meanwhile is not None:
            meanwhile()
        if pending is not None:
            pending.result()
    households = rows.select("household_id").unique()
    members = (household_members(ctx, [p.code for p in ctx.catalog.programs], only=households.lazy())
               if households.height else None)
    if members is not None and "payee" in settings.links:  # a payee who is a member of the household is no tie
        payees = rows.filter(pl.col("kind") == "payee")
        outsiders = outside_payees(payees.lazy(), members.lazy(), ["kind", "tie", "household_id", "t_ref"]).collect()
        rows = pl.concat([rows.filter(pl.col("kind") != "payee"), outsiders])
    rows = rows.group_by("kind", "tie", "household_id").agg(pl.col("t_ref").min(), pl.col("label").first())
    edges = (family_members(ctx, members).select("household_id", pl.col("id").alias("member")) if members is not None
             else pl.DataFrame(schema={"household_id": pl.String, "member": pl.String}))
    edges, big_families = _capped_members(edges.drop_nulls().unique(), settings.family_cap)
    families = family_labels(pl.concat([edges, rows.select("household_id", pl.lit(None, pl.String).alias("member"))]))
    rows = rows.join(families, on="household_id").with_columns(
        pl.col("family").n_unique().over("kind", "tie").alias("n_families"),
        pl.col("household_id").n_unique().over("kind", "tie").alias("n_households"))
    caps = pl.DataFrame({"kind": list(settings.links), "cap": [k.cap for k in settings.links.values()]},
                        schema={"kind": pl.String, "cap": pl.Int64})
    rows = rows.filter(pl.col("n_families") >= 2).join(caps, on="kind")
    over = pl.col("cap").is_not_null() & (pl.col("n_families") > pl.col("cap"))
    capped = (rows.filter(over).group_by("kind", "tie").agg(pl.col("label").first(), pl.col("n_families").first(),
                                                            pl.col("n_households").first())
              .sort("kind", "n_families", "tie", descending=[False, True, False]).drop("tie"))
    capped = pl.concat([capped, big_families.cast(capped.schema)])
    ties = rows.filter(~over).drop("cap").sort("kind", "tie", "household_id")
    links = Links(ties=ties, capped=capped)
    ctx._cache["graph_links"] = links
    return links
