"""Linking generic tables: blocking rules, field comparisons and EM-estimated weights, explained.

For tables without Chinese ID numbers (FEBRL, any two lists of records), declared as data:

    fields:                       # compared fields (see field_compare for kinds and levels)
      - {name: given_name, kind: string}
      - {name: soc_sec_id, kind: string, measure: damerau_levenshtein, thresholds: [1, 2]}
      - {name: date_of_birth, kind: date}
    blocking:                     # union of equi-join rules (see field_blocking)
      - [soc_sec_id]
      - [given_name, surname]
    threshold: 0                  # match weight (log2 odds) to accept: 0 = match probability 0.5
    random_pairs: 200000          # record pairs drawn to stand for the pairs blocking left out (0: none)

The weights are not configured: they are estimated by EM (`em`), unlabelled, at every run, and
returned with the pairs. EM runs over every pair of records, not only the candidates: the pairs
blocking left out are represented by `random_pairs` record pairs drawn at random (with a fixed seed)
and weighted by how many pairs each stands for. Fitted on the candidates alone, a field used for
blocking looks worthless (its non-matching candidates agree on it by construction: blocked on
postcode, most non-matches share one); over all pairs, u is what two random records show, as
splink's `estimate_u_using_random_sampling` gives, lambda is the chance that two random records
match, and m is learnt from the candidates, where the matches are. The threshold is a fixed rule, not tuned on
any truth: a pair is accepted when the model gives it a match probability of at least one half
(total weight >= 0) unless `threshold` says otherwise. Each pair carries its waterfall in words, as
the person core's (`scoring`) does: the prior, each field's level with both values and the weight
it added, and the total against the threshold.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from crosscheck.errors import ConfigError
from crosscheck.em import EMResult, estimate, u_from_levels, weigh
from crosscheck.field_blocking import block_pairs, rule_columns
from crosscheck.field_compare import FieldSpec, clean_values, compare_fields


class FieldLinkSettings(BaseModel):
    """The `fields:` / `blocking:` part of a link.yaml."""

    model_config = ConfigDict(extra="forbid")

    fields: list[FieldSpec] = Field(min_length=1)
    blocking: list[list[str]] = Field(min_length=1)
    threshold: float = 0.0
    max_pairs_per_rule: int = 20_000_000
    random_pairs: int = 200_000
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> "FieldLinkSettings":
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("fields: a field is named twice")
        if any(not rule or any(not c.strip() for side in rule_columns(rule) for c in side) for rule in self.blocking):
            raise ValueError("blocking: every rule names at least one column (a=b names one on each side)")
        return self

    def columns(self) -> list[str]:
        """Every column the fields and blocking rules read, in a fixed order."""
        cols = [f.name for f in self.fields]
        for rule in self.blocking:
            for side in rule_columns(rule):
                cols += [c for c in side if c not in cols]
        return list(dict.fromkeys(cols))

    def level_columns(self) -> dict[str, tuple[str, ...]]:
        return {f"{f.name}_level": f.levels for f in self.fields}


def _words(spec: FieldSpec) -> dict[str, str]:
    """Each level of a field in words (Chinese, as the person core's explanations)."""
    words = {"null": "缺失", "exact": "一致", "near": "相近（年、月、日之一不同或日月颠倒）", "different": "不同"}
    for lv in spec.levels:
        if lv.startswith("jw>="):
            words[lv] = f"相近（Jaro-Winkler ≥ {lv[4:]}）"
        elif lv.startswith("dl<="):
            words[lv] = f"相差不超过{lv[4:]}处编辑"
        elif lv.startswith("diff<="):
            words[lv] = f"数值相差不超过{lv[6:]}"
    return words


def _fmt(w: pl.Expr) -> pl.Expr:
    return pl.when(w >= 0).then(pl.lit("+")).otherwise(pl.lit("")) + w.round(1).cast(pl.String)


def explanation(settings: FieldLinkSettings, result: EMResult) -> pl.Expr:
    """The waterfall in words: 先验 -12.3；given_name「michaela」一致 +7.8；surname「neumann / nuemann」
    相近（Jaro-Winkler ≥ 0.92）+6.1；…；合计 +45.3（阈值 0） → 同一人."""
    pieces = [pl.lit(f"先验 {result.prior_weight:+.1f}")]
    for spec in settings.fields:
        f = spec.name
        level, lv, rv = pl.col(f"{f}_level"), pl.col(f"l_{f}").fill_null("—"), pl.col(f"r_{f}").fill_null("—")
        values = pl.when(level == "exact").then(lv).otherwise(lv + pl.lit(" / ") + rv)
        words = level.replace_strict(_words(spec), return_dtype=pl.String)
        pieces.append(pl.lit(f + "「") + values + pl.lit("」") + words + pl.lit(" ") + _fmt(pl.col(f"{f}_weight")))
    verdict = pl.when(pl.col("is_match")).then(pl.lit(" → 同一人")).otherwise(pl.lit(" → 不是同一人"))
    return (pl.concat_str(pieces, separator="；") + pl.lit("；合计 ") + _fmt(pl.col("match_weight"))
            + pl.lit(f"（阈值 {settings.threshold:g}）") + verdict)


def _sides(frame: pl.DataFrame, positions: pl.Series, names: list[str], prefix: str) -> pl.DataFrame:
    return frame.select(names).gather(positions).rename({c: f"{prefix}_{c}" for c in names})


def compare_positions(left: pl.DataFrame, right: pl.DataFrame, pairs: pl.DataFrame, settings: FieldLinkSettings) -> pl.DataFrame:
    """Both records' compared values (`l_`/`r_`) and every field's level for pairs of row positions."""
    names = [f.name for f in settings.fields]
    joined = pl.concat([pairs, _sides(left, pairs["l_key"], names, "l"), _sides(right, pairs["r_key"], names, "r")],
                       how="horizontal")
    return compare_fields(joined, settings.fields)


def background(left: pl.DataFrame, right: pl.DataFrame | None, pairs: pl.DataFrame, settings: FieldLinkSettings) -> pl.DataFrame:
    """The pairs blocking left out, for EM: all of them when there are at most `random_pairs`,
    else `random_pairs` drawn with a fixed seed (candidates drawn are dropped), each row weighted
    by how many left-out pairs it stands for (`_weight`)."""
    self_link = right is None
    right = left if self_link else right
    total = left.height * (left.height - 1) // 2 if self_link else left.height * right.height
    n = settings.random_pairs
    if total <= n:
        drawn = left.select(pl.col("_key").alias("l_key")).join(right.select(pl.col("_key").alias("r_key")), how="cross")
    else:
        rng = np.random.default_rng(settings.seed)
        drawn = pl.DataFrame({"l_key": rng.integers(0, left.height, n), "r_key": rng.integers(0, right.height, n)})
    if self_link:
        drawn = drawn.filter(pl.col("l_key") < pl.col("r_key"))
    drawn = drawn.join(pairs.select("l_key", "r_key"), on=["l_key", "r_key"], how="anti", maintain_order="left")
    weight = (total - pairs.height) / drawn.height if drawn.height else 0.0
    return compare_positions(left, right, drawn, settings).with_columns(pl.lit(weight).alias("_weight"))


def link_fields(left: pl.DataFrame, right: pl.DataFrame | None, settings: FieldLinkSettings, *,
                only_matches: bool = True, explain: bool = True) -> tuple[pl.DataFrame, EMResult]:
    """Scored pairs (`l_key`, `r_key`: row positions, or the tables' own `_key` where they have one)
    and the EM estimate they were scored with; right=None links a table with itself."""
    cols = settings.columns()
    missing = [c for c in cols if c not in left.columns or (right is not None and c not in right.columns)]
    if missing:
        raise ConfigError(f"column {missing[0]!r} (named in fields or blocking) is not in both tables")
    lclean = clean_values(left.select(cols), cols).with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))
    rclean = lclean if right is None else clean_values(right.select(cols), cols).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))
    pairs = block_pairs(lclean, None if right is None else rclean, settings.blocking, max_pairs=settings.max_pairs_per_rule)
    compared = compare_positions(lclean, rclean, pairs, settings)
    levels = list(settings.level_columns())
    training = compared.select(*levels, pl.lit(1.0).alias("_weight"))
    if settings.random_pairs > 0:
        rest = background(lclean, None if right is None else rclean, pairs, settings)
        training = pl.concat([training, rest.select(*levels, "_weight")])
    start = 0.5 * max(compared.height, 1) / max(training["_weight"].sum(), 1.0)  # half the candidates, as a start
    result = estimate(training, settings.level_columns(), weight="_weight", prior=min(start, 0.5))
    scored = weigh(compared, result).with_columns((pl.col("match_weight") >= settings.threshold).alias("is_match"))
    if only_matches:
        scored = scored.filter("is_match")
    if explain:
        scored = scored.with_columns(explanation(settings, result).alias("match_explanation"))
    for frame, p in ((left, "l"), (left if right is None else right, "r")):
        if "_key" in frame.columns:
            scored = scored.with_columns(frame["_key"].gather(scored[f"{p}_key"]).alias(f"{p}_key"))
    return scored.sort("l_key", "r_key"), result
