"""FEBRL4 benchmark contender: crosscheck's generic linkage (field comparisons, EM-estimated weights).

    python benchmarks/contenders/febrl_crosscheck.py DATA_DIR OUT_PARQUET

Reads DATA_DIR/left.parquet and right.parquet, links them with the settings of
benchmarks/febrl4_link.yaml (read through `crosscheck link`'s config loader), writes the accepted
pairs' rec_ids (l, r) to OUT_PARQUET and prints {"seconds": ..., "pairs": ...}, timed from reading
the Parquet files to having the pairs. Also writes the EM estimate next to OUT_PARQUET
(`.weights.parquet`, with the prior as a row of its own).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import polars as pl

from crosscheck.field_link import link_fields
from crosscheck.link_tables import load_link_config

CONFIG = Path(__file__).resolve().parent.parent / "febrl4_link.yaml"


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    settings = load_link_config(CONFIG).field_settings()
    start = time.perf_counter()
    left, right = pl.read_parquet(data / "left.parquet"), pl.read_parquet(data / "right.parquet")
    pairs, em = link_fields(left, right, settings)
    seconds = time.perf_counter() - start
    pairs.select(left["rec_id"].gather(pairs["l_key"]).alias("l"), right["rec_id"].gather(pairs["r_key"]).alias("r")
                 ).write_parquet(out)
    prior = pl.DataFrame({"field": ["(prior)"], "level": ["lambda"], "m": [em.prior], "u": [None], "weight": [em.prior_weight]})
    pl.concat([prior, em.table], how="vertical_relaxed").write_parquet(out.with_suffix(".weights.parquet"))
    print(json.dumps({"seconds": round(seconds, 3), "pairs": pairs.height, "em_iterations": em.iterations}))


if __name__ == "__main__":
    main()
