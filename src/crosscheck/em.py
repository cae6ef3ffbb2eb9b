"""Match weights estimated without labels: Fellegi-Sunter expectation maximisation (EM).

Each candidate pair has one comparison level per field (`field_compare`, or the person core's
`id_level`, `name_level`, `birth_level`). The model: a pair is a match with probability lambda
(the prior); given match status the fields are independent, a match showing level k of field f with
probability m[f][k], a non-match with probability u[f][k]. The null level is no evidence: it is
left out of the likelihood (weight 0), so m and u are distributions over a field's other levels.

EM alternates two steps until no parameter moves by more than `tol`:

  E  each pair's match probability p = lambda*M / (lambda*M + (1-lambda)*U), M and U the products
     of its levels' m and u;
  M  m[f][k] = sum of p over pairs at level k / sum of p over pairs with f not null (u alike with
     1-p), lambda = mean p. A pseudo-count `smoothing` keeps every m and u above zero.

Pairs are first grouped by their level pattern (a few hundred patterns for millions of pairs), so
each iteration is a handful of numpy operations on the patterns, weighted by their counts. The
start is fixed (m falling and u rising along the level order, which runs from the strongest
agreement to `different`), so a run is deterministic. As splink does, u can instead be estimated
once from random record pairs (almost all non-matches: `u_from_levels` on their levels) and held
fixed (`fixed_u`); then EM estimates only m and lambda.

The weight of a level is log2(m/u); a pair's total is log2(lambda/(1-lambda)) plus its levels'
weights, and its match probability 1/(1 + 2^-total).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class EMResult:
    """Estimated parameters: `table` has field, level, m, u, weight (log2 m/u; null levels 0)."""

    table: pl.DataFrame
    prior: float
    iterations: int
    converged: bool

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1 - self.prior)))

    def weights(self) -> dict[str, dict[str, float]]:
        """{field: {level: weight}}, null levels included (0.0)."""
        out: dict[str, dict[str, float]] = {}
        for row in self.table.iter_rows(named=True):
            out.setdefault(row["field"], {})[row["level"]] = row["weight"]
        return out


def _patterns(levels: pl.DataFrame, fields: dict[str, tuple[str, ...]], weight: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct level patterns as integer codes (-1 for null) and their counts (or summed weights)."""
    codes = levels.select(
        *(pl.col(f).replace_strict({lv: i - 1 for i, lv in enumerate(order)}, return_dtype=pl.Int32).alias(f)
          for f, order in fields.items()),
        (pl.col(weight).cast(pl.Float64) if weight else pl.lit(1.0)).alias("_w"),
    )
    grouped = codes.group_by(list(fields)).agg(pl.col("_w").sum()).sort(list(fields))  # sorted: the same every run
    return grouped.select(list(fields)).to_numpy().reshape(-1, len(fields)), grouped["_w"].to_numpy()


def _start(k: int, rising: bool) -> np.ndarray:
    v = 0.25 ** np.arange(k, dtype=float)
    v = v[::-1] if rising else v
    return v / v.sum()


def _normalised(counts: np.ndarray, smoothing: float) -> np.ndarray:
    counts = counts + smoothing
    return counts / counts.sum()


def _log_likelihood(codes: np.ndarray, probs: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(codes.shape[0])
    for j, p in enumerate(probs):
        c = codes[:, j]
        out += np.where(c >= 0, np.log(p[np.maximum(c, 0)]), 0.0)
    return out


def _table(fields: dict[str, tuple[str, ...]], m: list[np.ndarray], u: list[np.ndarray]) -> pl.DataFrame:
    rows = []
    for (f, order), mf, uf in zip(fields.items(), m, u):
        name = f.removesuffix("_level")
        rows.append({"field": name, "level": order[0], "m": None, "u": None, "weight": 0.0})
        rows += [{"field": name, "level": lv, "m": float(a), "u": float(b), "weight": float(np.log2(a / b))}
                 for lv, a, b in zip(order[1:], mf, uf)]
    return pl.DataFrame(rows, schema={"field": pl.String, "level": pl.String, "m": pl.Float64, "u": pl.Float64,
                                      "weight": pl.Float64})


def estimate(levels: pl.DataFrame, fields: dict[str, tuple[str, ...]], *, weight: str | None = None,
             fixed_u: dict[str, dict[str, float]] | None = None, prior: float = 0.1, max_iter: int = 1000,
             tol: float = 1e-7, smoothing: float = 1e-3) -> EMResult:
    """EM on the level columns of unlabelled pairs. `fields` maps each level column to its levels in
    order, null first; `weight` names a column of how many pairs each row stands for (default 1);
    `prior` is lambda's start; `fixed_u` ({column: {level: u}}) holds u fixed."""
    codes, counts = _patterns(levels, fields, weight)
    sizes = [len(order) - 1 for order in fields.values()]
    m = [_start(k, rising=False) for k in sizes]
    if fixed_u is not None:
        u = [np.array([fixed_u[f][lv] for lv in order[1:]], dtype=float) for f, order in fields.items()]
    else:
        u = [_start(k, rising=True) for k in sizes]
    lam, it, converged = prior, 0, False
    for it in range(1, max_iter + 1):
        log_odds = np.log(lam / (1 - lam)) + _log_likelihood(codes, m) - _log_likelihood(codes, u)
        p = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
        wm, wu = counts * p, counts * (1 - p)
        new_m, new_u = [], []
        for j, k in enumerate(sizes):
            c = codes[:, j]
            seen = c >= 0
            new_m.append(_normalised(np.bincount(c[seen], weights=wm[seen], minlength=k), smoothing))
            new_u.append(_normalised(np.bincount(c[seen], weights=wu[seen], minlength=k), smoothing))
        new_u = u if fixed_u is not None else new_u
        new_lam = float(np.clip(wm.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        delta = max([abs(new_lam - lam) / lam] + [float(np.abs(a - b).max()) for a, b in zip(new_m + new_u, m + u)])
        m, u, lam = new_m, new_u, new_lam
        if delta < tol:
            converged = True
            break
    return EMResult(_table(fields, m, u), lam, it, converged)


def u_from_levels(levels: pl.DataFrame, fields: dict[str, tuple[str, ...]], smoothing: float = 1.0) -> dict[str, dict[str, float]]:
    """u per level from the levels of random record pairs (nearly all non-matches), as splink's
    `estimate_u_using_random_sampling`: each level's share among the pairs where the field is not
    null, with a pseudo-count so that a level never seen among them is rare, not impossible."""
    out = {}
    for f, order in fields.items():
        counts = levels[f].value_counts()
        seen = dict(zip(counts[f].to_list(), counts["count"].to_list()))
        u = _normalised(np.array([seen.get(lv, 0) for lv in order[1:]], dtype=float), smoothing)
        out[f] = dict(zip(order[1:], u.tolist()))
    return out


def weigh(levels: pl.DataFrame, result: EMResult) -> pl.DataFrame:
    """`{field}_weight` per level column, `match_weight` (prior included) and `match_probability`."""
    weights = result.weights()
    cols = [pl.col(f"{f}_level").replace_strict(w, return_dtype=pl.Float64).alias(f"{f}_weight") for f, w in weights.items()]
    total = pl.lit(result.prior_weight) + pl.sum_horizontal([pl.col(f"{f}_weight") for f in weights])
    return levels.with_columns(cols).with_columns(total.alias("match_weight")).with_columns(
        (1.0 / (1.0 + 2.0 ** -pl.col("match_weight"))).alias("match_probability"))
