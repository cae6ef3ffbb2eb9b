"""Matching-quality data: two tables of people with known true pairs and the noise real rosters have.

`linkage_data(n, match_rate, seed)` draws a population of unique people (valid GB 11643 numbers from
the demo county's generator, names from its weighted name pools), puts n on the left and n on the
right with `match_rate * n` people on both sides, and dirties the right copies the way department
files are dirty:

- ID: a 15-digit legacy number (people born 1900-1999), one mistyped digit, two adjacent digits
  swapped, lower-case x, full-width digits, spaces;
- name: a homophone (同音字) for one character, traditional characters, an inner space;

and plants the look-alikes that must NOT be matched: twins (same region and birth date, a
neighbouring sequence number, usually the same surname) and namesakes (same name and birth date,
another region), each with one person on each side.

Columns: `rec_id` (Int64), `id_number`, `name` (raw strings); truth: `l`, `r` rec_ids.
Vectorised (numpy / Polars): 1,000,000 x 1,000,000 in a few seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl
from pypinyin import Style, lazy_pinyin

from crosscheck.demo import idgen, names

NOISE = {  # share of the right copies of true matches (and of other right records) with each slip
    "legacy15": 0.03, "typo": 0.015, "swap": 0.008, "lower_x": 0.3, "fullwidth": 0.01, "spaces": 0.01,
    "homophone": 0.03, "traditional": 0.03, "name_space": 0.01,
}
LOOKALIKES = 0.004  # twins and namesakes, each as a share of n


def _homophones() -> dict[str, str]:
    """Given-name character -> another pool character with the same toneless pinyin."""
    pool = names._ALL_CHARS.unique().sort().to_list()
    by_sound: dict[str, list[str]] = {}
    for c in pool:
        by_sound.setdefault(lazy_pinyin(c, style=Style.NORMAL)[0], []).append(c)
    out = {}
    for group in by_sound.values():
        for i, c in enumerate(group):
            if len(group) > 1:
                out[c] = group[(i + 1) % len(group)]
    return out


def _people(rng: np.random.Generator, reg: idgen.Registry, n: int) -> pl.DataFrame:
    births = np.datetime64("1925-01-01") + rng.integers(0, 365 * 90, n).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    bodies = reg.draw(rng, births, male)
    given = names.draw_given(rng, male, idgen.years(births))
    return pl.DataFrame({"body": bodies, "id18": idgen.id_series(bodies),
                         "name": names.full_names(names.draw_surnames(rng, n), given)})


def _lookalikes(rng: np.random.Generator, reg: idgen.Registry, base: pl.DataFrame) -> pl.DataFrame:
    """Twins (neighbouring sequence number, same surname) and namesakes (same name and birth date,
    another region) of the given people."""
    k = base.height // 2
    twins, namesakes = base[:k], base[k:]
    tw_body = twins["body"].to_numpy() + np.where(rng.random(k) < 0.5, 1, 2)
    tw_body = tw_body[~reg.taken(tw_body)]
    reg._pending.append(tw_body)
    given = names.draw_given(rng, rng.random(len(tw_body)) < 0.5, np.full(len(tw_body), 1990))
    twin = pl.DataFrame({"body": tw_body, "id18": idgen.id_series(tw_body),
                         "name": twins["name"].str.slice(0, 1)[: len(tw_body)] + given})
    ns_birth = (namesakes["body"].to_numpy() // 1000) % 10**8
    regions = rng.choice(np.array([110105, 320102, 440106, 510107, 430102]), namesakes.height)
    ns_body = regions.astype(np.int64) * 10**11 + ns_birth * 1000 + rng.integers(1, 999, namesakes.height)
    ns_body = ns_body[~reg.taken(ns_body)]
    reg._pending.append(ns_body)
    namesake = pl.DataFrame({"body": ns_body, "id18": idgen.id_series(ns_body),
                             "name": namesakes["name"][: len(ns_body)]})
    return pl.concat([twin, namesake])


def _dirty(rng: np.random.Generator, df: pl.DataFrame, homophones: dict[str, str]) -> pl.DataFrame:
    n = df.height
    pick = {k: rng.random(n) < p for k, p in NOISE.items()}
    born_1900s = df["id18"].str.slice(6, 2) == "19"
    legacy = pl.Series(pick["legacy15"]) & born_1900s
    pos = rng.integers(0, 18, n)
    digit = rng.integers(0, 10, n).astype(str)
    s = df["id18"]
    typo = s.str.slice(0, pl.Series(pos)) + pl.Series(digit) + s.str.slice(pl.Series(pos + 1))
    typo = pl.select(pl.when(typo == s).then(s.str.slice(0, 17) + pl.when(s.str.slice(17) == "1")
                                               .then(pl.lit("2")).otherwise(pl.lit("1"))).otherwise(typo)).to_series()
    sp = pl.Series(rng.integers(0, 17, n))
    swap = s.str.slice(0, sp) + s.str.slice(sp + 1, 1) + s.str.slice(sp, 1) + s.str.slice(sp + 2)
    legacy15 = s.str.slice(0, 6) + s.str.slice(8, 9)
    ids = pl.select(
        pl.when(legacy).then(legacy15)
        .when(pl.Series(pick["typo"])).then(typo)
        .when(pl.Series(pick["swap"])).then(swap)
        .otherwise(s)
    ).to_series()
    ids = pl.select(pl.when(pl.Series(pick["lower_x"])).then(ids.str.replace("X", "x")).otherwise(ids)).to_series()
    full = ids.str.replace_many([str(i) for i in range(10)], [chr(0xFF10 + i) for i in range(10)])
    ids = pl.select(pl.when(pl.Series(pick["fullwidth"])).then(full)
                    .when(pl.Series(pick["spaces"])).then(" " + ids.str.slice(0, 6) + " " + ids.str.slice(6) + " ")
                    .otherwise(ids)).to_series()
    name = df["name"]
    last = name.str.slice(-1)
    homo = name.str.slice(0, name.str.len_chars() - 1) + last.replace_strict(homophones, default=last)
    name = pl.select(
        pl.when(pl.Series(pick["homophone"])).then(homo)
        .when(pl.Series(pick["traditional"])).then(names.to_traditional(name))
        .when(pl.Series(pick["name_space"])).then(name.str.slice(0, 1) + "\u3000" + name.str.slice(1))
        .otherwise(name)
    ).to_series()
    return df.with_columns(ids.alias("id_number"), name.alias("name"))


def linkage_data(n: int, match_rate: float = 0.02, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(left, right, truth) for n records per side."""
    rng = np.random.default_rng(seed)
    reg = idgen.Registry()
    k_match = int(n * match_rate)
    k_look = int(n * LOOKALIKES) * 2
    people = _people(rng, reg, 2 * n - k_match - k_look)
    left = people[:n]
    shared = left[:k_match]
    looks = _lookalikes(rng, reg, left[k_match:k_match + k_look])
    rest = people[n:n + (n - k_match - looks.height)]
    right = pl.concat([shared.with_columns(pl.lit(True).alias("_true")),
                       looks.with_columns(pl.lit(False).alias("_true")),
                       rest.with_columns(pl.lit(False).alias("_true"))])
    right = _dirty(rng, right, _homophones())
    perm_l, perm_r = rng.permutation(n), rng.permutation(right.height)
    left = left.with_columns(pl.Series("rec_id", perm_l, dtype=pl.Int64), pl.col("id18").alias("id_number"))
    right = right.with_columns(pl.Series("rec_id", perm_r, dtype=pl.Int64))
    truth = pl.DataFrame({"l": left["rec_id"][:k_match], "r": right["rec_id"][:k_match]})
    cols = ["rec_id", "id_number", "name"]
    return left.select(cols).sort("rec_id"), right.select(cols).sort("rec_id"), truth.sort("l")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    left, right, truth = linkage_data(args.n, seed=args.seed)
    for name, df in (("left", left), ("right", right), ("truth", truth)):
        df.write_parquet(args.out / f"{name}.parquet")
    print(f"{args.out}: {left.height:,} x {right.height:,} records, {truth.height:,} true pairs")


if __name__ == "__main__":
    main()
