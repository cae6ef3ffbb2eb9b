"""Candidate pairs for generic tables: the union of equi-join blocking rules declared as data.

A rule is a list of columns whose values must all be equal (`[surname, date_of_birth]`); an item
`a=b` compares the left table's column `a` with the right table's column `b`, so that
`[given_name=surname, surname=given_name]` pairs records whose given name and surname were
swapped. Each pair is kept once and records the first rule (in the order given) that produced it
(`blocked_by`, the rule's name: its items joined by `+`). Null keys never pair.

Before a rule's join is built, its pair count is computed from the key frequencies on both sides
(`candidates.count_pairs`); a rule that would exceed `max_pairs` stops with the rule and the size
of its largest block named, instead of running out of memory. With right=None a table is linked
with itself: each unordered pair once, l_key < r_key.
"""

from __future__ import annotations

import polars as pl

from crosscheck.candidates import PAIR_SCHEMA, BlockingExplosion, count_pairs, first_rule_per_pair, largest_block


def rule_name(rule: list[str]) -> str:
    return "+".join(rule)


def rule_columns(rule: list[str]) -> tuple[list[str], list[str]]:
    """The left and right columns of a rule (`a=b` items name both)."""
    pairs = [item.split("=", 1) if "=" in item else [item, item] for item in rule]
    return [p[0].strip() for p in pairs], [p[1].strip() for p in pairs]


def _rule_pairs(left: pl.DataFrame, right: pl.DataFrame, rule: list[str], max_pairs: int) -> pl.LazyFrame:
    """One rule's join (its size checked first: a self-link counts each record with itself too)."""
    lcols, rcols = rule_columns(rule)
    keys = [f"_b{i}" for i in range(len(rule))]
    lside = left.lazy().select(pl.col("_key").alias("l_key"), *(pl.col(c).alias(k) for c, k in zip(lcols, keys)))
    rside = right.lazy().select(pl.col("_key").alias("r_key"), *(pl.col(c).alias(k) for c, k in zip(rcols, keys)))
    total = count_pairs(lside, rside, keys)
    if total > max_pairs:
        worst = largest_block(lside, rside, keys)
        raise BlockingExplosion(
            f"blocking rule '{rule_name(rule)}' would build {total:,} candidate pairs (limit {max_pairs:,}); "
            f"its largest block alone gives {worst[-1]:,}: check for a placeholder value in {lcols}"
        )
    joined = lside.drop_nulls(keys).join(rside.drop_nulls(keys), on=keys)
    return joined.select("l_key", "r_key", pl.lit(rule_name(rule)).alias("blocked_by"))


def block_pairs(left: pl.DataFrame, right: pl.DataFrame | None, rules: list[list[str]], *,
                max_pairs: int = 20_000_000) -> pl.DataFrame:
    """Candidate pairs (`l_key`, `r_key`, `blocked_by`) of two tables with a unique Int64 `_key`."""
    self_link = right is None
    right = left if self_link else right
    parts = [_rule_pairs(left, right, rule, max_pairs) for rule in rules]
    if not parts:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    return first_rule_per_pair(pl.concat(parts), [rule_name(r) for r in rules], self_link).collect()
