"""Overhead: the whole monthly run against Polars merely reading the same input files, side by side.

    .venv/bin/python benchmarks/bench_overhead.py [--scale 5.3] [--household-factor 7] [--repeat 3]
        [--config month.yaml] [--baseline-src OLD/src]

Generates (or reuses) a demo county at the given scale (about 100,000 roster rows at 5.3) with
`--household-factor` 户籍 people per roster row (about 700,000 at 7) in
`benchmarks/data/county-{scale}-x{factor}/`, then
alternates, `--repeat` times: (a) `crosscheck run` as a fresh process (process start, imports,
config checks, reading, normalising, every rule, all outputs), (b) a fresh Python process that only
reads every input file with Polars (CSV in its encoding, xlsx via fastexcel, Parquet). Reports the
best and the median wall time of each, their ratios (of bests, of medians, and the median of each
alternation's own ratio), and crosscheck's peak memory. Before timing, the engines'
sources are byte-compiled (as an installed package is: this sandbox sets PYTHONDONTWRITEBYTECODE,
which would otherwise recompile every crosscheck module in every run) and each command runs once
untimed (the files in the page cache for both). `--config` screens another
county instead (the scale-50 one, say); `--baseline-src` also runs an older checkout's engine
(`git worktree add /tmp/old COMMIT`, then `/tmp/old/src`) in the same alternation, through
PYTHONPATH with this environment's packages, and reports the speed-up against it.
"""

from __future__ import annotations

import argparse
import os
from statistics import median
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

READ_ONLY = r'''
import sys, yaml, polars as pl
from pathlib import Path
config = Path(sys.argv[1]); cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
for item in cfg["roster"] + cfg["sources"]:
    path = config.parent / item["path"]
    if path.suffix == ".parquet":
        pl.read_parquet(path)
    elif path.suffix == ".xlsx":
        pl.read_excel(path, sheet_name=item.get("sheet"), engine="calamine")
    else:
        enc = item.get("encoding", "auto")
        raw = path.read_bytes()
        if enc == "auto":
            try:
                raw.decode("utf-8"); enc = "utf8"
            except UnicodeDecodeError:
                enc = "gb18030"
        pl.read_csv(path, encoding="utf8" if enc in ("utf8", "utf-8", "utf-8-sig") else enc, infer_schema=False)
'''


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - start, usage.ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=5.3)
    ap.add_argument("--household-factor", type=float, default=7.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--config", type=Path, help="screen this month.yaml instead of a generated county")
    ap.add_argument("--baseline-src", type=Path, help="an older checkout's src/ to time side by side")
    args = ap.parse_args()
    county = args.config.parent if args.config else HERE / "data" / f"county-{args.scale:g}-x{args.household_factor:g}"
    config = county / "month.yaml"
    if not config.is_file():
        subprocess.run([sys.executable, "-m", "crosscheck.demo", str(county), "--scale", str(args.scale),
                        "--household-factor", str(args.household_factor)], check=True)
    run_args = ["run", "--config", str(config), "--out", str(HERE / "data" / f"{county.name}-out"), "--quiet"]
    crosscheck = [str(Path(sys.executable).parent / "crosscheck"), *run_args]
    # as the installed command (its entry point: crosscheck.command since session 11, cli before)
    entry = ("try:\n    from crosscheck.command import main\nexcept ImportError:\n    from crosscheck.cli import main\nmain()")
    baseline = [sys.executable, "-c", entry, *run_args]
    reader = [sys.executable, "-c", READ_ONLY, str(config)]
    for src in [ROOT / "src", *([args.baseline_src] if args.baseline_src else [])]:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
    old_env = {**os.environ, "PYTHONPATH": str(args.baseline_src.resolve())} if args.baseline_src else None
    for cmd, env in [(crosscheck, None), (reader, None), *([(baseline, old_env)] if old_env else [])]:
        timed(cmd, env)  # warm-up
    runs, reads, olds, peak, old_peak = [], [], [], 0, 0
    for _ in range(args.repeat):
        seconds, mb = timed(crosscheck)
        runs.append(seconds)
        peak = max(peak, mb)
        reads.append(timed(reader)[0])
        if args.baseline_src:
            seconds, mb = timed(baseline, old_env)
            olds.append(seconds)
            old_peak = max(old_peak, mb)
    import polars as pl

    rows = {p.stem: pl.scan_parquet(p).select(pl.len()).collect().item() for p in county.rglob("*.parquet")}
    print(f"county {county}; parquet row counts {rows}")
    print(f"crosscheck run (best / median of {args.repeat}): {min(runs):.2f} / {median(runs):.2f} s, peak {peak} MB")
    print(f"polars read only (best / median of {args.repeat}): {min(reads):.2f} / {median(reads):.2f} s")
    # the read takes a third of the run: its best is the more often lucky one on a noisy machine,
    # so the medians, and the median of each alternation's own ratio, are reported beside it
    print(f"ratio: {min(runs) / min(reads):.2f}x of bests, {median(runs) / median(reads):.2f}x of medians, "
          f"{median([r / q for r, q in zip(runs, reads)]):.2f}x median of the {args.repeat} alternations' ratios")
    if olds:
        print(f"baseline {args.baseline_src} (best / median of {args.repeat}): {min(olds):.2f} / {median(olds):.2f} s, "
              f"peak {old_peak} MB; this checkout is {min(olds) / min(runs):.2f}x faster by bests, "
              f"{median(olds) / median(runs):.2f}x by medians")


if __name__ == "__main__":
    main()
