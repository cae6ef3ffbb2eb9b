"""Candidate pairs (blocking): which records of two tables are worth comparing at all.

Three blocking rules, each recorded on the pairs it produces (the first in this order wins):

- `id_exact`: the same normalised ID number (15-digit numbers already converted to 18);
- `id_keystroke`: one side's number fails its check digit, and the other side's number is one of
  the valid numbers one keystroke away (see `keystrokes`); also a 15-digit legacy number one
  keystroke from the other side's number;
- `name_birth`: the same toneless pinyin name key and the same birth date (from the ID number, or
  the table's own birth date).

Before a join is built its pair count is computed from the key frequencies on both sides, and a
rule that would exceed `max_pairs` stops with the rule and the worst key named, instead of running
out of memory. Null keys never pair.

Partitioning: `id_exact` is local to a hash bucket of the ID number; `id_keystroke` and
`name_birth` cross buckets and belong to the global step.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from crosscheck.errors import CrosscheckError
from crosscheck.keystrokes import id_key, neighbours15, neighbours18
from crosscheck.masking import mask_id
from crosscheck.normalize_name import with_name_keys

COMPARABLE = ("valid", "legacy15", "bad_check", "bad_date")
TYPO_STATUSES = ("bad_check", "bad_date", "malformed")  # a typo can make the date impossible, or move the X
BLOCKING_RULES = ("id_exact", "id_keystroke", "name_birth")
PAIR_SCHEMA = {"l_key": pl.Int64, "r_key": pl.Int64, "blocked_by": pl.String}


class BlockingExplosion(CrosscheckError):
    """A blocking rule would produce more pairs than allowed."""


def birth_expr(schema: pl.Schema) -> pl.Expr:
    """A record's birth date: its own `birth_date` column if it has one, else the ID's."""
    if "birth_date" in schema:
        return pl.coalesce(pl.col("birth_date"), pl.col("id_birth"))
    return pl.col("id_birth")


def _key_counts(lf: pl.LazyFrame, on: list[str], name: str) -> pl.LazyFrame:
    """Rows per non-null key, as Int64 (products of counts pass 2**32)."""
    return lf.drop_nulls(on).group_by(on).agg(pl.len().cast(pl.Int64).alias(name))


def count_pairs(left: pl.LazyFrame, right: pl.LazyFrame, on: list[str]) -> int:
    """Pairs an equi-join on `on` would produce (nulls excluded), without building them: every
    right row joined to its key's count of left rows, summed (pass the smaller side as `left`)."""
    lc = _key_counts(left, on, "nl")
    return int(right.drop_nulls(on).join(lc, on=on).select(pl.col("nl").sum()).collect().item() or 0)


def largest_block(left: pl.LazyFrame, right: pl.LazyFrame, on: list[str]) -> list:
    """The key with the most pairs, and their number (for the message of a rule over its limit)."""
    lc = _key_counts(left, on, "nl")
    rc = _key_counts(right.join(lc.select(on), on=on, how="semi"), on, "nr")
    counts = lc.join(rc, on=on).with_columns((pl.col("nl") * pl.col("nr")).alias("n")).collect()
    worst = counts.sort(["n", *on], descending=[True] + [False] * len(on)).row(0, named=True)  # ties: the least key
    return [worst[c] for c in on] + [worst["n"]]


@dataclass(frozen=True)
class _Join:
    """One blocking rule's equi-join of two sides on `on`."""

    rule: str
    left: pl.LazyFrame
    right: pl.LazyFrame
    on: list[str]


@dataclass(frozen=True)
class _Met:
    """A join's two sides (nulls dropped), its smaller side, and the larger side's rows that meet
    a key of the smaller one, each with that key's count of smaller-side rows (`_n`)."""

    join: _Join
    left_rows: pl.DataFrame
    right_rows: pl.DataFrame
    small: pl.DataFrame
    rows: pl.DataFrame


def _meet(joins: list[_Join]) -> list[_Met | None]:
    """Each join's meeting rows (None where a side is empty), for `_guarded_pairs`. Every join's
    sides are computed in one `collect_all`, and their meeting rows in another: Polars runs the
    small queries side by side and scans a shared input once, where one after another each paid
    its fixed cost alone. The larger side of each is scanned once."""
    sides = pl.collect_all([side.drop_nulls(j.on) for j in joins for side in (j.left, j.right)])
    pairs = [(sides[2 * i], sides[2 * i + 1]) for i in range(len(joins))]
    live = [i for i, (a, b) in enumerate(pairs) if a.height and b.height]  # an empty side ends a join early
    small_big = {i: pairs[i] if pairs[i][0].height <= pairs[i][1].height else pairs[i][::-1] for i in live}
    met = pl.collect_all([small_big[i][1].lazy().join(_key_counts(small_big[i][0].lazy(), joins[i].on, "_n"), on=joins[i].on)
                          for i in live])
    found = dict(zip(live, met))
    return [_Met(j, *pairs[i], small_big[i][0], found[i]) if i in found else None for i, j in enumerate(joins)]


def _guarded_pairs(met: _Met | None, max_pairs: int) -> pl.LazyFrame | None:
    """A join's pairs (their counts sum to the pairs: the meeting rows joined with the smaller
    side; in no particular order, `first_rule_per_pair` sorts them), unless it would have more
    than `max_pairs`."""
    if met is None:
        return None
    j, total = met.join, int(met.rows["_n"].sum() or 0)
    if total > max_pairs:
        worst = largest_block(met.left_rows.lazy(), met.right_rows.lazy(), j.on)
        key = ", ".join(mask_id(str(v)) if len(str(v)) >= 15 else str(v)[:1] + "*" for v in worst[:-1])
        raise BlockingExplosion(
            f"blocking rule '{j.rule}' would build {total:,} candidate pairs (limit {max_pairs:,}); "
            f"the largest block ({key}) alone gives {worst[-1]:,}: check for a placeholder value in {j.on}"
        )
    return met.rows.lazy().drop("_n").join(met.small.lazy(), on=j.on).select(
        "l_key", "r_key", pl.lit(j.rule).alias("blocked_by"))


def _keystroke_joins(left: pl.LazyFrame, right: pl.LazyFrame, legacy_too: bool = True,
                     self_link: bool = False) -> list[_Join]:
    """Joins of the numbers one side typed with the other side's numbers they are a keystroke
    neighbour of (Int64 keys); without `legacy_too`, only neighbours of numbers whose check digit
    fails. A table linked with itself is looked at one way: the other way gives the same pairs,
    mirrored. Both ways' queries run together (`collect_all`)."""
    ways = ((left, right, "l", "r"),) if self_link else ((left, right, "l", "r"), (right, left, "r", "l"))
    typed_sides = []
    for a, _, _, _ in ways:
        a_ids = a.select("_key", "id", "id_status")
        bad = a_ids.filter(pl.col("id_status").is_in(TYPO_STATUSES))
        legacy = a_ids.filter((pl.col("id_status") == "legacy15") & pl.lit(legacy_too)).with_columns(
            (pl.col("id").str.slice(0, 6) + pl.col("id").str.slice(8, 9)).alias("id15"))
        typed_sides.append((bad, legacy))
    distinct = pl.collect_all([q for bad, legacy in typed_sides
                               for q in (bad.select("id").unique(), legacy.select("id15").unique())])
    typed_plans = []
    for i, ((bad, legacy), (_, _, a_name, _)) in enumerate(zip(typed_sides, ways)):
        n18 = neighbours18(distinct[2 * i].to_series(), as_keys=True).lazy()
        n15 = neighbours15(distinct[2 * i + 1].to_series(), as_keys=True).lazy()
        typed_plans.append(pl.concat([
            bad.select("_key", "id").join(n18, on="id").drop("id"),
            legacy.select("_key", pl.col("id15").cast(pl.Int64).alias("id_key")).join(n15, on="id_key").drop("id_key"),
        ]).select(pl.col("_key").alias(f"{a_name}_key"), "neighbour_key"))
    typed_all = pl.collect_all(typed_plans)
    # the other side's numbers that are one of these neighbours (few: most neighbours are
    # nobody's number), found in one pass over it instead of materialising all its valid ones
    live = [(typed, way) for typed, way in zip(typed_all, ways) if typed.height]
    targets = pl.collect_all([
        b.filter(pl.col("_id_key").is_in(typed["neighbour_key"].unique().implode()),
                 pl.col("id_status").is_in(["valid", "legacy15"])).select(
            pl.col("_key").alias(f"{b_name}_key"), pl.col("_id_key").alias("neighbour_key"))
        for typed, (_, b, _, b_name) in live])
    return [_Join("id_keystroke", typed.join(target.select("neighbour_key"), on="neighbour_key", how="semi").lazy(),
                  target.lazy(), ["neighbour_key"]) for (typed, _), target in zip(live, targets)]


def _valid() -> pl.Expr:
    return (pl.col("id_status") == "valid").fill_null(False)


def _name_birth_side(lf: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    return lf.select(pl.col("_key").alias(f"{prefix}_key"), "name_pinyin", birth_expr(lf.collect_schema()).alias("birth"),
                     _valid().alias("_valid"))


def _keyed_for_names(own: pl.LazyFrame, other: pl.LazyFrame, skip_valid_pairs: bool) -> pl.LazyFrame:
    """`own` as it is if it has name keys; else (a table whose keys are computed on demand,
    `normalize_name.with_name_keys`: 户籍) only its rows that can meet `other` in the name+birth
    joins, with their keys: those born on a day someone of `other` was (with `skip_valid_pairs`,
    someone whose number is not valid), and with `skip_valid_pairs` every row whose own number is
    not valid. The joins find the same pairs: a pair needs the same birth date."""
    if "name_pinyin" in own.collect_schema():
        return own
    others = other.filter(~_valid()) if skip_valid_pairs else other
    days = others.select(birth_expr(other.collect_schema()).alias("birth")).drop_nulls().unique().collect()
    reached = birth_expr(own.collect_schema()).is_in(days.to_series().implode())
    if skip_valid_pairs:
        reached = reached | ~_valid()
    return with_name_keys(own.filter(reached.fill_null(False)).collect()).lazy()


def candidate_pairs(left: pl.LazyFrame, right: pl.LazyFrame | None = None, *, max_pairs: int = 20_000_000,
                    skip_valid_pairs: bool = False, skip_legacy_keystrokes: bool = False) -> pl.LazyFrame:
    """Candidate pairs (`l_key`, `r_key`, `blocked_by`) between two person tables, or within one
    (right=None: each unordered pair once, l_key < r_key). Tables need `_key` (Int64, unique), `id`,
    `id_status`, `id_birth`, `name_pinyin` and optionally `birth_date` and `id_key` (normalize_id's
    integer form of `id`, computed here when absent). A table may have `name` instead of the name
    keys: they are computed for the rows the name+birth joins can reach (`_keyed_for_names`).

    `skip_valid_pairs`: `name_birth` leaves out pairs whose numbers are both valid 18-digit numbers
    (equal ones are `id_exact` pairs already; different ones are two people). The matching core
    asks for this only when its weights make such a pair unable to reach the threshold
    (`MatchSettings.valid_pairs_settled`), so the accepted matches are the same, from far fewer
    pairs: at 1M x 3M rows nearly every namesake born the same day has two valid numbers.
    `skip_legacy_keystrokes`: no keystroke neighbours of 15-digit legacy numbers (asked for when such
    a pair cannot reach the threshold, e.g. with no birth date of the tables' own)."""
    self_link = right is None
    # every side once, with its ID as an integer key (`_id_key`), read by several blocking rules;
    # normalised tables carry it already (`id_key`, from normalize_id)
    with_key = [lf.with_columns((pl.col("id_key") if "id_key" in lf.collect_schema() else id_key(pl.col("id"))).alias("_id_key"))
                for lf in ((left,) if self_link else (left, right))]
    collected = [lf.lazy() for lf in pl.collect_all(with_key)]
    left, right = collected[0], collected[-1]
    l_id = left.filter(pl.col("id_status").is_in(COMPARABLE)).select(pl.col("_key").alias("l_key"), pl.col("_id_key").alias("id_key"))
    r_id = right.filter(pl.col("id_status").is_in(COMPARABLE)).select(pl.col("_key").alias("r_key"), pl.col("_id_key").alias("id_key"))
    if self_link:  # a table with itself: the rows that can meet are the same on both sides
        l_nb = r_nb = _keyed_for_names(left, left, skip_valid_pairs)
    else:
        l_nb, r_nb = _keyed_for_names(left, right, skip_valid_pairs), _keyed_for_names(right, left, skip_valid_pairs)
    l_nb, r_nb = _name_birth_side(l_nb, "l"), _name_birth_side(r_nb, "r")
    on, valid = ["name_pinyin", "birth"], pl.col("_valid")
    if skip_valid_pairs:
        names = [_Join("name_birth", l_nb.filter(~valid).drop("_valid"), r_nb.drop("_valid"), on),
                 _Join("name_birth", l_nb.filter(valid).drop("_valid"), r_nb.filter(~valid).drop("_valid"), on)]
    else:
        names = [_Join("name_birth", l_nb.drop("_valid"), r_nb.drop("_valid"), on)]
    # the rules in order, the first over its limit raising: the exact numbers' join is checked
    # before any keystroke look-up is made, then the keystroke and name joins are met together
    parts = [_guarded_pairs(m, max_pairs) for m in _meet([_Join("id_exact", l_id, r_id, ["id_key"])])]
    keystrokes = _keystroke_joins(left, right, legacy_too=not skip_legacy_keystrokes, self_link=self_link)
    parts += [_guarded_pairs(m, max_pairs) for m in _meet(keystrokes + names)]
    parts = [p for p in parts if p is not None]
    return first_rule_per_pair(pl.concat(parts) if parts else pl.LazyFrame(schema=PAIR_SCHEMA), list(BLOCKING_RULES),
                               self_link)


def first_rule_per_pair(pairs: pl.LazyFrame, rules: list[str], self_link: bool) -> pl.LazyFrame:
    """Each pair once, recorded under the first of `rules` that produced it, in (l_key, r_key)
    order; a table linked with itself gives each unordered pair once (l_key < r_key), never a
    record with itself. Computed at once (the frame comes back lazy for the caller's plan)."""
    if self_link:
        pairs = pairs.filter(pl.col("l_key") != pl.col("r_key")).select(
            pl.min_horizontal("l_key", "r_key").alias("l_key"), pl.max_horizontal("l_key", "r_key").alias("r_key"),
            "blocked_by")
    order = {r: i for i, r in reversed(list(enumerate(rules)))}
    ranked = pairs.with_columns(pl.col("blocked_by").replace_strict(order, return_dtype=pl.Int64).alias("_rank")).collect()
    # sorted by pair and rank, the first row of each pair (a run of equal keys) is its first rule.
    # Keys that fit (no nulls, none negative, none too large) are sorted as one integer, pair and
    # rank packed: this step in half the time (8-10 against 17 ms) on the 100k pairs of the
    # roster against 户籍
    rank_bits = max(1, (len(rules) - 1).bit_length())
    low, l_max, r_max, nulls = ranked.select(
        pl.min_horizontal(pl.col("l_key").min(), pl.col("r_key").min()).alias("low"), pl.col("l_key").max().alias("l"),
        pl.col("r_key").max().alias("r"), pl.sum_horizontal(pl.col("l_key", "r_key", "_rank").null_count()).alias("n")).row(0)
    r_bits = 32
    if ranked.height and not nulls and low >= 0 and r_max < 1 << r_bits and l_max < 1 << (63 - r_bits - rank_bits):
        packed = (pl.col("l_key") * (1 << (r_bits + rank_bits))) + pl.col("r_key") * (1 << rank_bits) + pl.col("_rank")
        ranked = ranked.sort(packed)
    else:
        ranked = ranked.sort("l_key", "r_key", "_rank")
    repeated = ((pl.int_range(pl.len()) > 0) & pl.col("l_key").eq_missing(pl.col("l_key").shift())
                & pl.col("r_key").eq_missing(pl.col("r_key").shift()))
    return ranked.filter(~repeated).drop("_rank").cast(PAIR_SCHEMA).lazy()
