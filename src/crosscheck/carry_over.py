"""Carry-over of review decisions from earlier months: a pure function of the month's cases and the
store's current states, called by the pipeline before the hold list is written.

`review_state` of each case:

| review_state | when | on the hold list |
|---|---|---|
| new | never seen before | if its rule says hold |
| pending | seen before, not decided yet | if its rule says hold |
| field_check | awaiting a field check (待实地核查) | if its rule says hold |
| confirmed | found true (属实) before | yes, whatever the rule's severity, until resolved |
| carried_dismissed | found untrue (不属实) before and its evidence has not changed | no |
| evidence_changed | found untrue before, but the evidence changed since: reviewed again | if its rule says hold |
"""

from __future__ import annotations

import polars as pl

REVIEW_STATES = ("new", "pending", "field_check", "confirmed", "carried_dismissed", "evidence_changed")


def carry_over(cases: pl.DataFrame, states: pl.DataFrame) -> pl.DataFrame:
    """`cases` with a `review_state` column; `states` has case_id, state and the evidence_fingerprint
    the state was decided on (Store.current_states)."""
    known = states.select("case_id", pl.col("state").alias("_state"),
                          pl.col("evidence_fingerprint").alias("_decided_on")).unique("case_id", keep="last")
    joined = cases.join(known, on="case_id", how="left", maintain_order="left")
    review_state = (
        pl.when(pl.col("_state").is_null()).then(pl.lit("new"))
        .when(pl.col("_state") != "dismissed").then(pl.col("_state"))
        .when(pl.col("_decided_on") == pl.col("evidence_fingerprint")).then(pl.lit("carried_dismissed"))
        .otherwise(pl.lit("evidence_changed"))
    )
    return joined.with_columns(review_state.alias("review_state")).drop("_state", "_decided_on")


def on_hold_list(cases: pl.DataFrame) -> pl.Expr:
    """Which cases the hold list holds: by severity, and with review states, confirmed cases too and
    carried-over dismissals not."""
    if "review_state" not in cases.columns:
        return pl.col("severity") == "hold"
    return ((pl.col("severity") == "hold") | (pl.col("review_state") == "confirmed")) & (
        pl.col("review_state") != "carried_dismissed")
