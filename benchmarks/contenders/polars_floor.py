"""The floor: a plain Polars exact join on the (normalised) ID number plus a join on name + birth date.

    python benchmarks/contenders/polars_floor.py DATA_DIR OUT_PARQUET

What a careful analyst would write in ten lines: clean and convert the ID (15 -> 18), strip spaces
from names, and call two records one person when their IDs are equal or their names and birth
dates are.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import polars as pl

from crosscheck.normalize_id import normalize_id


def table(path: Path) -> pl.LazyFrame:
    lf = normalize_id(pl.scan_parquet(path), "id_number", prefix="id", as_of=dt.date(2026, 12, 31))
    return lf.select("rec_id", "id", "id_birth", pl.col("name").str.replace_all(r"\s", "").alias("name")).collect().lazy()


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    start = time.perf_counter()
    left, right = table(data / "left.parquet"), table(data / "right.parquet")
    by_id = left.join(right, on="id").select(pl.col("rec_id").alias("l"), pl.col("rec_id_right").alias("r"))
    by_name = left.drop_nulls("id_birth").join(right, on=["name", "id_birth"]).select(
        pl.col("rec_id").alias("l"), pl.col("rec_id_right").alias("r"))
    pairs = pl.concat([by_id, by_name]).unique().collect()
    seconds = time.perf_counter() - start
    pairs.write_parquet(out)
    print(json.dumps({"seconds": round(seconds, 3), "pairs": pairs.height}))


if __name__ == "__main__":
    main()
