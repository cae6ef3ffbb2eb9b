"""Graph stage benchmark: a 1,000,000-row roster with planted rings, timed stage by stage.

    .venv/bin/python benchmarks/bench_graph.py [--rows 1000000] [--rings 2000] [--seed 0]

Builds a normalised roster in memory (no files): households of 1-4 persons, each with its own
account, phone and address; 30% of persons also on a second, per-person program (their own
household id, the same account, phone and address: one family, never a tie); `--rings` planted
rings of 3 to 5 unrelated households chained by accounts, phones and payees (two or more kinds);
one-kind decoy chains (3 households on one phone); and addresses shared by 20 households each (over
the cap: reported, not linked). Then times, in one process: the links (group-bys), the graph and
its components (adjacency dicts), and the linked_households rule; checks that every ring is flagged whole
and nothing else is; reports seconds and peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from crosscheck.catalog import load_catalog  # noqa: E402
from crosscheck.findings import ScreenContext  # noqa: E402
from crosscheck.graph_components import build_link_graph  # noqa: E402
from crosscheck.graph_groups import LinkedHouseholdsParams, linked_households  # noqa: E402
from crosscheck.graph_links import household_links  # noqa: E402


def roster(rows: int, rings: int, seed: int) -> tuple[pl.DataFrame, set[frozenset[str]]]:
    rng = np.random.default_rng(seed)
    persons = int(rows / 1.3)
    size = rng.choice([1, 2, 3, 4], size=persons // 2, p=[0.4, 0.3, 0.2, 0.1])
    hh = np.repeat(np.arange(len(size)), size)[:persons]
    base = pl.DataFrame({"person": np.arange(len(hh)), "hh": hh})
    base = base.with_columns(
        household_id=pl.format("DB{}", pl.col("hh")), program=pl.lit("rural_dibao"),
        bank_account=pl.format("62{}", pl.col("hh") + 10**12), phone=pl.format("13{}", pl.col("hh") + 10**8),
        address=pl.format("中方镇光明村{}号", pl.col("hh")))
    second = base.filter(pl.lit(pl.Series(rng.random(base.height) < 0.3))).with_columns(
        household_id=pl.format("GL{}", pl.col("person")), program=pl.lit("elderly_allowance"))
    frame = pl.concat([base, second]).head(rows - rings * 6 - 3000)
    planted, extra = [], []
    for r in range(rings):
        n = 3 + r % 3
        ids = [f"RING{r}-{i}" for i in range(n)]
        planted.append(frozenset(ids))
        for i, h in enumerate(ids):
            row = dict(person=10**8 + r * 10 + i, household_id=h, program="elderly_allowance",
                       bank_account=f"RA{r}-{i // 2}", phone=f"RP{r}-{(i + 1) // 2}", address=f"环{r}-{i}号")
            extra.append(row)
    for d in range(500):  # decoys: three households on one phone (one kind of link)
        extra += [dict(person=2 * 10**8 + d * 10 + i, household_id=f"DEC{d}-{i}", program="elderly_allowance",
                       bank_account=f"DA{d}-{i}", phone=f"DP{d}", address=f"诱{d}-{i}号") for i in range(3)]
    for c in range(50):  # buildings: 20 households on one address (over the cap)
        extra += [dict(person=3 * 10**8 + c * 100 + i, household_id=f"BLD{c}-{i}", program="elderly_allowance",
                       bank_account=f"BA{c}-{i}", phone=f"BP{c}-{i}", address=f"楼{c}号") for i in range(20)]
    frame = pl.concat([frame.drop("hh"), pl.DataFrame(extra)], how="diagonal_relaxed")
    n = frame.height
    frame = frame.with_columns(
        pl.int_range(n, dtype=pl.Int64).alias("_key"), pl.lit("roster.csv").alias("_file"),
        (pl.int_range(n, dtype=pl.Int64) + 2).alias("_row"),
        pl.format("P{}", pl.col("person")).alias("id"), pl.lit("valid").alias("id_status"),
        pl.lit(dt.date(1950, 1, 1)).alias("id_birth"), pl.lit("zhang").alias("name_pinyin"),
        pl.format("张{}", pl.col("person")).alias("name"), pl.format("张{}", pl.col("person")).alias("name_norm"),
        pl.lit(None, pl.String).alias("payee_id"), pl.lit(None, pl.String).alias("payee_name"),
        pl.lit("户主").alias("relation"), pl.lit("中方镇").alias("town"), pl.lit(None, pl.String).alias("village"),
        pl.lit(300.0).alias("amount"), pl.lit(None, pl.String).alias("id_raw"))
    # the rings' payee ties: household 0 and 1 of each ring share an outside payee
    payee = pl.when(pl.col("household_id").str.contains(r"^RING\d+-[01]$")).then(
        pl.format("OUT{}", pl.col("household_id").str.extract(r"^RING(\d+)-")))
    return frame.with_columns(payee.alias("payee_id")), set(planted)


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rings", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    frame, planted = roster(args.rows, args.rings, args.seed)
    catalog = load_catalog()
    ctx = ScreenContext(first_day=dt.date(2022, 12, 1), last_day=dt.date(2022, 12, 31), catalog=catalog,
                        roster=frame.lazy(), sources={})
    t0 = time.perf_counter()
    links = household_links(ctx, catalog.graph)
    t1 = time.perf_counter()
    lg = build_link_graph(links, catalog.graph)
    ctx._cache["link_graph"] = lg
    t2 = time.perf_counter()
    rule = catalog.rules["linked_households"]
    found = linked_households(ctx, rule, LinkedHouseholdsParams.model_validate(rule.params)).collect()
    t3 = time.perf_counter()
    members = lg.members.join(found.select("household_id").unique(), on="household_id", how="semi")
    groups = {frozenset(g) for g in members.group_by("component").agg("household_id")["household_id"].to_list()}
    print(f"roster rows {frame.height:,}, households {frame['household_id'].n_unique():,}, "
          f"planted rings {len(planted):,}")
    print(f"ties kept {links.ties.height:,}, capped identifiers {links.capped.height:,}, "
          f"components {lg.components.height:,}")
    print(f"rings found whole: {len(groups & planted):,} of {len(planted):,}; other flagged groups: {len(groups - planted)}")
    print("| step | seconds |\n|---|---:|")
    print(f"| links (group-bys, families, caps) | {t1 - t0:.2f} |\n| graph and components (adjacency dicts) | {t2 - t1:.2f} |")
    print(f"| linked_households (paths, findings) | {t3 - t2:.2f} |\n| **graph stage total** | **{t3 - t0:.2f}** |")
    print(f"peak memory {peak_mb():,} MB")
    if groups != planted:
        sys.exit("rings not found exactly")


if __name__ == "__main__":
    main()
