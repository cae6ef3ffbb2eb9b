"""The person core's configured weights next to weights EM estimates from the data, unlabelled.

rules/matching.yaml's weights are set by hand, from the structure of the ID number and name
frequencies. `estimated_vs_configured` runs the core's own blocking and comparisons on two person
tables and fits the Fellegi-Sunter model by EM (`em`) to their level columns (`id_level`,
`name_level` and, where both tables have a birth date of their own, `birth_level`), over every pair
of records as `field_link` does: the candidate pairs, plus `random_pairs` random record pairs
standing for the pairs blocking left out. It reports both side by side; it changes nothing.

The configured model accepts a pair when its total reaches `threshold`; the estimated one when
log2(lambda/(1-lambda)) plus its weights reaches 0, so the estimated prior weight is shown against
minus the configured threshold. Levels that no pair shows get the EM start's share of the
pseudo-count, and so a weight that means nothing: `pairs` says how many pairs (counted with their
weights) each level was estimated from.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crosscheck.candidates import candidate_pairs
from crosscheck.levels import BIRTH_LEVELS, ID_LEVELS, NAME_LEVELS
from crosscheck.em import EMResult, estimate
from crosscheck.link import _by_position, _person_columns, compare_pairs
from crosscheck.scoring import MatchSettings

COLUMNS = {"id_level": ("id_number", ID_LEVELS), "name_level": ("name", NAME_LEVELS), "birth_level": ("birth_date", BIRTH_LEVELS)}


def core_levels(left: pl.LazyFrame, right: pl.LazyFrame, settings: MatchSettings, *, random_pairs: int = 200_000,
                seed: int = 0) -> pl.DataFrame:
    """The level columns of every candidate pair (`_weight` 1) and of random non-candidate record
    pairs (`_weight`: how many left-out pairs each stands for), for two normalised person tables."""
    lframe, rframe = pl.collect_all([_person_columns(left), _person_columns(right)])
    pairs = candidate_pairs(_by_position(lframe), _by_position(rframe), max_pairs=settings.max_pairs_per_rule).collect()
    rng = np.random.default_rng(seed)
    drawn = pl.DataFrame({"l_key": rng.integers(0, lframe.height, random_pairs),
                          "r_key": rng.integers(0, rframe.height, random_pairs)})
    drawn = drawn.join(pairs.select("l_key", "r_key"), on=["l_key", "r_key"], how="anti", maintain_order="left")
    total = lframe.height * rframe.height - pairs.height
    parts = []
    for chunk, weight in ((pairs, 1.0), (drawn.with_columns(pl.lit("random").alias("blocked_by")), total / max(drawn.height, 1))):
        compared = compare_pairs(chunk, lframe, rframe, settings)
        levels = [c for c in COLUMNS if c in compared.columns]
        parts.append(compared.select(*levels, pl.lit(weight).alias("_weight")))
    return pl.concat(parts)


def estimated_vs_configured(left: pl.LazyFrame, right: pl.LazyFrame, settings: MatchSettings, *,
                            random_pairs: int = 200_000, seed: int = 0) -> tuple[pl.DataFrame, EMResult]:
    """A table field, level, configured, estimated, m, u, pairs (the prior as its first row), and the fit."""
    levels = core_levels(left, right, settings, random_pairs=random_pairs, seed=seed)
    fields = {c: COLUMNS[c][1] for c in COLUMNS if c in levels.columns}
    result = estimate(levels, fields, weight="_weight", prior=1e-4)
    counts = pl.concat([levels.group_by(pl.col(c).alias("level")).agg(pl.col("_weight").sum().alias("pairs"))
                        .with_columns(pl.lit(c.removesuffix("_level")).alias("field")) for c in fields])
    est = result.table.join(counts, on=["field", "level"], how="left").with_columns(pl.col("pairs").fill_null(0.0))
    rows = [{"field": "(prior)", "level": "lambda", "configured": -settings.threshold, "estimated": result.prior_weight,
             "m": result.prior, "u": None, "pairs": float(levels["_weight"].sum())}]
    for r in est.iter_rows(named=True):
        name = COLUMNS[f"{r['field']}_level"][0]
        rows.append({"field": name, "level": r["level"], "configured": settings.fields[name][r["level"]],
                     "estimated": r["weight"], "m": r["m"], "u": r["u"], "pairs": r["pairs"]})
    return pl.DataFrame(rows), result
