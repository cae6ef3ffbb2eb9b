"""FEBRL4 benchmark contender: splink 5 (DuckDB) with the detailed model of splink's own FEBRL4 example.

    python benchmarks/contenders/febrl_splink.py DATA_DIR OUT_PARQUET

DATA_DIR holds left.parquet and right.parquet (FEBRL4 A and B as text, `rec_id` first). Writes
OUT_PARQUET with columns l, r (the rec_ids of the predicted pairs) and prints one JSON line
{"seconds": ..., "pairs": ...}, timed from reading the Parquet files to having the pairs.

The model is the "detailed model" of splink's documentation example "Linking the febrl4 datasets"
(docs/demos/examples/duckdb/febrl4): values trimmed; blocking on given name + surname, given name
and surname swapped, date of birth, soc_sec_id, state + address_1, street number + address_1,
postcode; comparisons NameComparison (given name, surname; term-frequency adjusted),
DateOfBirthComparison (YYYYMMDD text, invalid dates null), Damerau-Levenshtein <= 1, 2 on soc_sec_id
and postcode (postcode term-frequency adjusted), street number exact (term-frequency adjusted).
Training as in the example: the prior from the deterministic rules soc_sec_id and given name +
surname + date of birth with recall 0.8; u by random sampling (1e7 pairs, the example's advice for
real runs); m by EM blocked on date of birth, then on postcode. Prediction at match probability
0.5, the same rule as crosscheck's (no threshold is tuned on the truth).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

THREADS = 2   # this machine has 2 cores
SEED = 42

BLOCKING = [
    block_on("given_name", "surname"),
    "l.given_name = r.surname and l.surname = r.given_name",
    block_on("date_of_birth"),
    block_on("soc_sec_id"),
    block_on("state", "address_1"),
    block_on("street_number", "address_1"),
    block_on("postcode"),
]


def settings() -> SettingsCreator:
    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=BLOCKING,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def run(data: Path) -> tuple[pl.DataFrame, float]:
    t0 = time.perf_counter()
    frames = [pl.read_parquet(data / f"{side}.parquet") for side in ("left", "right")]
    frames = [f.with_columns(pl.exclude("rec_id").str.strip_chars()) for f in frames]
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    db_api = DuckDBAPI(con)
    dfs = [db_api.register(f.to_arrow(), dataset_display_name=name) for f, name in zip(frames, ("lhs", "rhs"))]
    linker = Linker(dfs, settings(), log_level=logging.WARNING)
    train = linker.training
    train.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
    train.estimate_u_using_random_sampling(max_pairs=1e7, seed=SEED)
    train.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"),
                                                             estimate_without_term_frequencies=True)
    train.estimate_parameters_using_expectation_maximisation(block_on("postcode"),
                                                             estimate_without_term_frequencies=True)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    pairs = con.sql(
        f"""select case when source_dataset_l = 'lhs' then rec_id_l else rec_id_r end as l,
                   case when source_dataset_l = 'lhs' then rec_id_r else rec_id_l end as r
            from {pred.physical_name}"""
    ).pl()
    return pairs, time.perf_counter() - t0


def main() -> None:
    pairs, seconds = run(Path(sys.argv[1]))
    pairs.write_parquet(Path(sys.argv[2]))
    print(json.dumps({"seconds": round(seconds, 3), "pairs": pairs.height}), flush=True)


if __name__ == "__main__":
    main()
