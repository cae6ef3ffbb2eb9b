"""Cases: findings made into one row per (rule, roster household, roster person), with stable ids.

`case_id` hashes the rule, the household, the person and the evidence record's identity, so the
same finding keeps its id next month; `evidence_fingerprint` hashes the evidence values, so a later
decision can tell whether anything changed. Rows are sorted so that the same inputs always give the
same bytes.
"""

from __future__ import annotations

import polars as pl

from crosscheck.catalog import Catalog

CASE_COLUMNS = [
    "case_id", "rule_id", "severity", "program", "programs", "household_id", "id_number", "name",
    "source_kind", "source_ref", "match_score", "explanation", "amount_at_risk",
    "town", "village", "amount", "roster_ref", "evidence_key", "evidence", "evidence_fingerprint", "month",
]


def _digest(*parts: pl.Expr) -> pl.Expr:
    """A 16-hex-digit content hash that does not depend on the Polars version's hash seed."""
    joined = pl.concat_str([p.cast(pl.String).fill_null("") for p in parts], separator="\x1f")
    return joined.map_batches(_sha256_batch, return_dtype=pl.String)


def _sha256_batch(s: pl.Series) -> pl.Series:
    import hashlib

    return pl.Series([hashlib.sha256(v.encode("utf-8")).hexdigest()[:16] for v in s.to_list()], dtype=pl.String)


def person_key() -> pl.Expr:
    """The person as identified across months: the normalised ID, else the raw ID, else the name."""
    return pl.coalesce(pl.col("id_number"), pl.col("id_raw"), pl.lit("name:") + pl.col("name"))


def build_cases(findings: pl.DataFrame, catalog: Catalog, month: str) -> pl.DataFrame:
    """Cases from all rules' findings."""
    severity = {rid: r.severity for rid, r in catalog.rules.items()}
    with_keys = findings.with_columns(
        person_key().alias("_person"),
        (pl.col("roster_file") + ":" + pl.col("roster_row").cast(pl.String)).alias("roster_ref"),
    )
    # one case per (rule, household, person, evidence): repeated roster rows collapse into one
    # the same person under two programs of one household is one case: the amounts add up
    grouped = (
        with_keys.sort("roster_file", "roster_row", "source_ref", maintain_order=True)
        .group_by("rule_id", "household_id", "_person", "evidence_key", maintain_order=True)
        .agg(pl.all().exclude("amount", "amount_at_risk", "roster_ref").first(),
             pl.col("amount").sum(), pl.col("amount_at_risk").sum(),
             pl.col("program").unique().sort().str.join(",").alias("programs"),
             pl.col("roster_ref").str.join("; "))
    )
    cases = grouped.with_columns(
        _digest(pl.col("rule_id"), pl.col("household_id"), pl.col("_person"), pl.col("evidence_key")).alias("case_id"),
        _digest(pl.col("evidence"), pl.col("amount"), pl.col("program")).alias("evidence_fingerprint"),
        pl.col("rule_id").replace_strict(severity, default=None).alias("severity"),
        pl.lit(month).alias("month"),
    )
    return cases.select(CASE_COLUMNS).sort("rule_id", "household_id", "id_number", "case_id", nulls_last=True)
