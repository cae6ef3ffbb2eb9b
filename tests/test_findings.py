"""ScreenContext's shared matchings: sources matched together give what each gives alone."""

from __future__ import annotations

import datetime as dt

import pytest
from people_frames import make_id, people
from polars.testing import assert_frame_equal

from crosscheck.candidates import BlockingExplosion
from crosscheck.catalog import load_catalog
from crosscheck.findings import ScreenContext
from crosscheck.link import match_persons

BORN = dt.date(1980, 1, 1)


def _context(max_pairs: int, sources: dict) -> ScreenContext:
    catalog = load_catalog()
    catalog = catalog.model_copy(update={"matching": catalog.matching.model_copy(update={"max_pairs_per_rule": max_pairs})})
    roster = people([make_id("431221", "19800101", 1), None, None], ["张伟"] * 3, [BORN] * 3)
    return ScreenContext(first_day=dt.date(2022, 12, 1), last_day=dt.date(2022, 12, 31), catalog=catalog,
                         roster=roster, sources=sources)


def test_a_source_no_rule_asks_for_cannot_stop_another_sources_matching() -> None:
    """Deaths are matched with prisoners and other counties' rosters in one pass; a prisoners table
    whose blocks pass the pair limit must not stop the deaths rule (the limit is per table, and
    matched alone deaths are under it), and stops the prisoner rule as it did."""
    deaths = people([make_id("431221", "19800101", 1), None], ["张伟", "张伟"], [BORN] * 2)
    prisoners = people([None] * 5, ["张伟"] * 5, [BORN] * 5)  # 2 x 5 name+birth pairs > 8
    ctx = _context(8, {"deaths": deaths, "prisoners": prisoners})
    got = ctx.matches("deaths")
    assert_frame_equal(got, match_persons(ctx.roster, deaths, ctx.catalog.matching))
    assert got.height == 6  # name and birth date of their own agree: 7 + 3 reaches the threshold
    with pytest.raises(BlockingExplosion):
        ctx.matches("prisoners")


def test_sources_matched_together_equal_each_alone() -> None:
    deaths = people([make_id("431221", "19800101", 1), None], ["张伟", "李娜"], [BORN] * 2)
    prisoners = people([None, make_id("431221", "19800101", 2)], ["张伟", "张伟"], [BORN] * 2)
    ctx = _context(20_000_000, {"deaths": deaths, "prisoners": prisoners})
    for kind, source in (("deaths", deaths), ("prisoners", prisoners)):
        assert_frame_equal(ctx.matches(kind), match_persons(ctx.roster, source, ctx.catalog.matching))
