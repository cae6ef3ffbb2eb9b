"""The person core's configured match weights next to EM estimates, on the linkage benchmark's data.

    .venv/bin/python benchmarks/bench_em_weights.py [--n 20000] [--seed 0] [--random-pairs 200000]

Normalises the two tables of `benchmarks/data/linkage-{n}-{seed}/` (made by `linkage_data.py` if
missing) as the crosscheck contender does, runs the core's blocking and comparisons, fits the
Fellegi-Sunter model by EM without the truth (`crosscheck.em_core`) and prints a table: each level's
configured weight (rules/matching.yaml, unchanged), the estimated weight log2(m/u), m, u, and how
many pairs (counted with their sampling weights) showed it. Nothing is written back.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "contenders"))

from crosscheck_contender import person_table  # noqa: E402

from crosscheck.catalog import default_rules_dir  # noqa: E402
from crosscheck.em_core import estimated_vs_configured  # noqa: E402
from crosscheck.scoring import load_match_settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--random-pairs", type=int, default=200_000)
    args = ap.parse_args()
    data = HERE / "data" / f"linkage-{args.n}-{args.seed}"
    if not (data / "truth.parquet").is_file():
        subprocess.run([sys.executable, str(HERE / "linkage_data.py"), str(data), "--n", str(args.n), "--seed", str(args.seed)],
                       check=True)
    settings = load_match_settings(default_rules_dir())
    start = time.perf_counter()
    table, result = estimated_vs_configured(person_table(data / "left.parquet"), person_table(data / "right.parquet"),
                                            settings, random_pairs=args.random_pairs)
    print(f"{args.n:,} x {args.n:,} records; EM: {result.iterations} iterations, converged {result.converged}, "
          f"{time.perf_counter() - start:.1f} s\n")
    print("| field | level | configured | estimated | m | u | pairs |\n|---|---|---:|---:|---:|---:|---:|")
    for r in table.filter(pl.col("level") != "null").iter_rows(named=True):
        u = "" if r["u"] is None else f"{r['u']:.3g}"
        print(f"| {r['field']} | {r['level']} | {r['configured']:+.1f} | {r['estimated']:+.1f} | {r['m']:.3g} | {u} "
              f"| {r['pairs']:,.0f} |")


if __name__ == "__main__":
    main()
