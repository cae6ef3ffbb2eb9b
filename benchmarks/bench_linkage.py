"""Person-matching benchmark: crosscheck, a plain Polars floor and splink, side by side, same data.

    .venv/bin/python benchmarks/bench_linkage.py [--n 1000000] [--seed 0] [--skip splink]

Generates (or reuses) `benchmarks/data/linkage-{n}-{seed}/` with `linkage_data.py`, then runs each
contender in its own process, one after another in the same run (this machine is noisy, so only
ratios measured together mean anything), and reports per contender: wall seconds inside the
contender (from reading Parquet to having the pairs), peak RSS of its process, predicted pairs,
precision, recall and F1 against the planted truth, and time and memory ratios to crosscheck.
splink runs only if it is installed (`pip install splink`; it is not a dependency of crosscheck).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from side_by_side import quality, run_contender  # noqa: E402

HERE = Path(__file__).resolve().parent
CONTENDERS = {
    "crosscheck": [str(HERE / "contenders" / "crosscheck_contender.py")],
    "polars_floor": [str(HERE / "contenders" / "polars_floor.py")],
    "splink_expert": [str(HERE / "contenders" / "splink_contender.py"), "--model", "expert"],
    "splink_naive": [str(HERE / "contenders" / "splink_contender.py"), "--model", "naive"],
}


def ensure_data(n: int, seed: int) -> Path:
    data = HERE / "data" / f"linkage-{n}-{seed}"
    if not (data / "truth.parquet").is_file():
        subprocess.run([sys.executable, str(HERE / "linkage_data.py"), str(data), "--n", str(n), "--seed", str(seed)],
                       check=True)
    return data


def table(rows: list[dict]) -> str:
    base = next((r for r in rows if r["contender"] == "crosscheck" and "seconds" in r), None)
    head = "| contender | seconds | peak MB | pairs | precision | recall | F1 | time / crosscheck | memory / crosscheck |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['contender']} | {r['error']} | | | | | | | |")
            continue
        t = f"{r['seconds'] / base['seconds']:.2f}x" if base else ""
        m = f"{r['peak_mb'] / base['peak_mb']:.2f}x" if base else ""
        lines.append(f"| {r['contender']} | {r['seconds']:.2f} | {r['peak_mb']:,} | {r['pairs']:,} | {r['precision']:.4f} "
                     f"| {r['recall']:.4f} | {r['f1']:.4f} | {t} | {m} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description="crosscheck vs Polars floor vs splink on planted linkage data")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip", nargs="*", default=[], help="contenders to leave out")
    args = ap.parse_args()
    data = ensure_data(args.n, args.seed)
    truth = pl.read_parquet(data / "truth.parquet")
    names = [c for c in CONTENDERS if c not in args.skip]
    if importlib.util.find_spec("splink") is None:
        names = [c for c in names if not c.startswith("splink")]
    rows = []
    for name in names:
        row = run_contender(name, CONTENDERS[name][0], data, data / f"pred-{name}.parquet", *CONTENDERS[name][1:])
        if "pred" in row:
            row.update(quality(row.pop("pred"), truth))
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n{args.n:,} x {args.n:,} records, {truth.height:,} true pairs; {platform.node()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, polars {pl.__version__}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
