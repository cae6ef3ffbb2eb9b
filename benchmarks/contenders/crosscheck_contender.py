"""crosscheck's matching core on a linkage benchmark's data: normalise both tables, match, write pairs.

    python benchmarks/contenders/crosscheck_contender.py DATA_DIR OUT_PARQUET

Timed from reading the Parquet files to having the accepted pairs (normalisation included).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import polars as pl

from crosscheck.catalog import default_rules_dir
from crosscheck.link import match_persons
from crosscheck.normalize_id import normalize_id
from crosscheck.normalize_name import normalize_names
from crosscheck.scoring import load_match_settings


def person_table(path: Path) -> pl.LazyFrame:
    lf = pl.scan_parquet(path).select(pl.col("rec_id").alias("_key"), pl.col("id_number").alias("id_raw"), "name")
    lf = normalize_id(lf, "id_raw", prefix="id", as_of=dt.date(2026, 12, 31))
    return normalize_names(lf, "name")


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    settings = load_match_settings(default_rules_dir())
    start = time.perf_counter()
    pairs = match_persons(person_table(data / "left.parquet"), person_table(data / "right.parquet"), settings)
    seconds = time.perf_counter() - start
    pairs.select(pl.col("l_key").alias("l"), pl.col("r_key").alias("r")).write_parquet(out)
    print(json.dumps({"seconds": round(seconds, 3), "pairs": pairs.height}))


if __name__ == "__main__":
    main()
