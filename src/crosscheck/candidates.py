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

import polars as pl

from crosscheck.errors import CrosscheckError
from crosscheck.keystrokes import id_key, neighbours15, neighbours18
from crosscheck.masking import mask_id

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
    worst = counts.sort("n", descending=True).row(0, named=True)
    return [worst[c] for c in on] + [worst["n"]]


def _guarded_join(rule: str, left: pl.LazyFrame, right: pl.LazyFrame, on: list[str], max_pairs: int) -> pl.LazyFrame:
    """The pairs of an equi-join on `on`, unless there would be more than `max_pairs`. The larger
    side is scanned once: its rows that meet a key of the smaller side, each with that key's count
    of smaller-side rows, are kept (their counts sum to the pairs), then joined with the smaller
    side (pairs come out in no particular order: `first_rule_per_pair` sorts them)."""
    empty = pl.LazyFrame(schema=PAIR_SCHEMA)
    left_rows = left.drop_nulls(on).collect()  # counted, then joined; an empty side ends it early
    if left_rows.height == 0:
        return empty
    right_rows = right.drop_nulls(on).collect()
    if right_rows.height == 0:
        return empty
    small, big = (left_rows, right_rows) if left_rows.height <= right_rows.height else (right_rows, left_rows)
    met = big.lazy().join(_key_counts(small.lazy(), on, "_n"), on=on).collect()
    total = int(met["_n"].sum() or 0)
    if total > max_pairs:
        worst = largest_block(left_rows.lazy(), right_rows.lazy(), on)
        key = ", ".join(mask_id(str(v)) if len(str(v)) >= 15 else str(v)[:1] + "*" for v in worst[:-1])
        raise BlockingExplosion(
            f"blocking rule '{rule}' would build {total:,} candidate pairs (limit {max_pairs:,}); "
            f"the largest block ({key}) alone gives {worst[-1]:,}: check for a placeholder value in {on}"
        )
    return met.lazy().drop("_n").join(small.lazy(), on=on).select("l_key", "r_key", pl.lit(rule).alias("blocked_by"))


def _side(lf: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    return lf.select(pl.col("_key").alias(f"{prefix}_key"), "id", "id_status")


def _keystroke_pairs(left: pl.LazyFrame, right: pl.LazyFrame, max_pairs: int, legacy_too: bool = True,
                     self_link: bool = False) -> list[pl.LazyFrame]:
    """Pairs where one side's number is a keystroke neighbour of the other side's (Int64 keys);
    without `legacy_too`, only neighbours of numbers whose check digit fails. A table linked with
    itself is looked at one way: the other way gives the same pairs, mirrored."""
    out = []
    ways = ((left, right, "l", "r"),) if self_link else ((left, right, "l", "r"), (right, left, "r", "l"))
    for a, b, a_name, b_name in ways:
        a_ids = a.select("_key", "id", "id_status")
        bad = a_ids.filter(pl.col("id_status").is_in(TYPO_STATUSES))
        legacy = a_ids.filter((pl.col("id_status") == "legacy15") & pl.lit(legacy_too)).with_columns(
            (pl.col("id").str.slice(0, 6) + pl.col("id").str.slice(8, 9)).alias("id15"))
        n18 = neighbours18(bad.select("id").unique().collect().to_series(), as_keys=True).lazy()
        n15 = neighbours15(legacy.select("id15").unique().collect().to_series(), as_keys=True).lazy()
        typed = pl.concat([
            bad.select("_key", "id").join(n18, on="id").drop("id"),
            legacy.select("_key", pl.col("id15").cast(pl.Int64).alias("id_key")).join(n15, on="id_key").drop("id_key"),
        ]).select(pl.col("_key").alias(f"{a_name}_key"), "neighbour_key").collect()
        if typed.height == 0:
            continue
        # the other side's numbers that are one of these neighbours (few: most neighbours are
        # nobody's number), found in one pass over it instead of materialising all its valid ones
        target = b.filter(pl.col("_id_key").is_in(typed["neighbour_key"].unique().implode()),
                          pl.col("id_status").is_in(["valid", "legacy15"])).select(
            pl.col("_key").alias(f"{b_name}_key"), pl.col("_id_key").alias("neighbour_key")).collect()
        typed = typed.join(target.select("neighbour_key"), on="neighbour_key", how="semi")
        out.append(_guarded_join("id_keystroke", typed.lazy(), target.lazy(), ["neighbour_key"], max_pairs))
    return out


def _name_birth_side(lf: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    return lf.select(pl.col("_key").alias(f"{prefix}_key"), "name_pinyin", birth_expr(lf.collect_schema()).alias("birth"),
                     (pl.col("id_status") == "valid").fill_null(False).alias("_valid"))


def candidate_pairs(left: pl.LazyFrame, right: pl.LazyFrame | None = None, *, max_pairs: int = 20_000_000,
                    skip_valid_pairs: bool = False, skip_legacy_keystrokes: bool = False) -> pl.LazyFrame:
    """Candidate pairs (`l_key`, `r_key`, `blocked_by`) between two person tables, or within one
    (right=None: each unordered pair once, l_key < r_key). Tables need `_key` (Int64, unique), `id`,
    `id_status`, `id_birth`, `name_pinyin` and optionally `birth_date` and `id_key` (normalize_id's
    integer form of `id`, computed here when absent).

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
    parts = [_guarded_join("id_exact", l_id, r_id, ["id_key"], max_pairs)]
    parts += _keystroke_pairs(left, right, max_pairs, legacy_too=not skip_legacy_keystrokes, self_link=self_link)
    l_nb, r_nb = _name_birth_side(left, "l"), _name_birth_side(right, "r")
    on, valid = ["name_pinyin", "birth"], pl.col("_valid")
    if skip_valid_pairs:
        parts.append(_guarded_join("name_birth", l_nb.filter(~valid).drop("_valid"), r_nb.drop("_valid"), on, max_pairs))
        parts.append(_guarded_join("name_birth", l_nb.filter(valid).drop("_valid"),
                                   r_nb.filter(~valid).drop("_valid"), on, max_pairs))
    else:
        parts.append(_guarded_join("name_birth", l_nb.drop("_valid"), r_nb.drop("_valid"), on, max_pairs))
    return first_rule_per_pair(pl.concat(parts), list(BLOCKING_RULES), self_link)


def first_rule_per_pair(pairs: pl.LazyFrame, rules: list[str], self_link: bool) -> pl.LazyFrame:
    """Each pair once, recorded under the first of `rules` that produced it; a table linked with
    itself gives each unordered pair once (l_key < r_key), never a record with itself."""
    if self_link:
        pairs = pairs.filter(pl.col("l_key") != pl.col("r_key")).select(
            pl.min_horizontal("l_key", "r_key").alias("l_key"), pl.max_horizontal("l_key", "r_key").alias("r_key"),
            "blocked_by")
    order = {r: i for i, r in reversed(list(enumerate(rules)))}
    # sorted by pair and rank, the first row of each pair (a run of equal keys) is its first rule
    ranked = pairs.with_columns(pl.col("blocked_by").replace_strict(order, return_dtype=pl.Int32).alias("_rank")).sort(
        "l_key", "r_key", "_rank")
    repeated = ((pl.int_range(pl.len()) > 0) & pl.col("l_key").eq_missing(pl.col("l_key").shift())
                & pl.col("r_key").eq_missing(pl.col("r_key").shift()))
    return ranked.filter(~repeated).drop("_rank").cast(PAIR_SCHEMA)
