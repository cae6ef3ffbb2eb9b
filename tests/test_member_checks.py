"""Household-member rules: a case names the roster household as the roster has it, whatever the
evidence record's columns of the same name say (the cadres' `village`)."""

from __future__ import annotations

import polars as pl

from graph_frames import CATALOG, context, person_id, roster
from crosscheck.catalog import rule_params
from crosscheck.screen import IMPLEMENTATIONS


def _cadres(ids: list[str], villages: list[str | None]) -> pl.DataFrame:
    n = len(ids)
    return roster([dict(household_id=None, person=0)] * n).with_columns(
        pl.Series("id", ids), pl.Series("name", ["王五"] * n), pl.Series("name_norm", ["王五"] * n),
        pl.Series("name_pinyin", ["wangwu"] * n), pl.Series("village", villages, dtype=pl.String),
        pl.Series("position", ["主任"] * n))


def test_a_cadre_relative_case_keeps_the_households_village() -> None:
    """The household lives in 光明村; its member is a cadre of 红星村. The case's village is the
    roster's, and so is the village in its explanation and evidence key (as the rule has always
    written them)."""
    frame = roster([dict(household_id="A", person=1), dict(household_id="A", person=7)]).with_columns(
        pl.lit("光明村").alias("village"))
    ctx = context(frame, {"cadres": _cadres([person_id(7)], ["红星村"])})
    rule = CATALOG.rules["cadre_relative"]
    found = IMPLEMENTATIONS["cadre_relative"][1](ctx, rule, rule_params(rule)).collect()
    assert found.height == 1
    case = found.row(0, named=True)
    assert case["household_id"] == "A" and case["village"] == "光明村"
    assert "光明村主任" in case["explanation"] and case["evidence_key"].endswith("|光明村|主任")
