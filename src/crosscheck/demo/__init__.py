"""A synthetic "demo county" (中方县, 431221): one month's payment rosters, the other departments'
records, planted cases and decoys for every rule, and the answers (expected.csv,
expected_rejects.csv). Deterministic for a given (seed, month, scale).

    from crosscheck.demo import generate_county
    config = generate_county(Path("demo-out"), scale=1.0)   # -> demo-out/month.yaml
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from crosscheck.demo import assemble, cases_graph, cases_household, cases_roster, files, rosters, sources, write
from crosscheck.demo.plant import Planter, plant_rejects
from crosscheck.demo.population import Context

__all__ = ["generate_county", "RULE_ORDER", "HOUSEHOLD_FACTOR"]

RULE_ORDER = ("deceased", "invalid_id", "duplicate_in_roster", "exclusive_programs", "age_mismatch",
              "amount_above_standard", "public_employee", "vehicle", "business", "prisoner", "cross_region",
              "cadre_relative", "shared_account", "proxy_collector", "official_proxy", "linked_households")
CASES = (cases_roster.deceased, cases_roster.invalid_id, cases_roster.duplicates, cases_roster.exclusive,
         cases_roster.ages_and_amounts, cases_roster.prisoners, cases_roster.cross_region, *cases_household.ALL,
         *cases_graph.ALL)
HOUSEHOLD_FACTOR = 3.3          # 户籍 population ~ 3.3 x roster rows


def generate_county(out_dir: Path, *, seed: int = 2022, month: str = "2022-12", scale: float = 1.0,
                    household_factor: float = HOUSEHOLD_FACTOR) -> Path:
    """Write a synthetic county's month folder into out_dir; return the path of its month.yaml.
    `household_factor`: 户籍 people per roster row (at least what the planted households need)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(seed, month, scale)
    pt = Planter(ctx)
    for case in CASES:
        case(pt)
    plant_rejects(pt)
    planted_rows, planted_hh = pt.roster_counts()
    p_roster, p_src = pt.flush()
    b_roster, _ = rosters.background(ctx, planted_rows, planted_hh, pt.next_key)
    roster = pl.concat([p_roster, b_roster])
    rosters.rest_of_county(ctx, max(0, round(household_factor * len(roster)) - ctx.pop.n))
    srcs = sources.background(ctx, len(roster))
    for key, frame in p_src.items():
        srcs[key] = pl.concat([frame, srcs[key]])

    base = assemble.roster_base(ctx, roster)
    created = dt.datetime(ctx.d0.year, ctx.d0.month, 1, 9, 0, 0)
    specs = files.file_specs(ctx.big)
    rejects = []
    for spec in specs:
        if spec.kind == "roster":
            df = assemble.roster_file(ctx, base, spec)
        elif spec.kind == "household":
            df = assemble.household_file(ctx, spec)
        else:
            df = assemble.source_file(ctx, srcs[spec.key], spec)
        for row, tag in write.write_file(df, out_dir, spec, created):
            field, note = tag.split("|", 1)
            rejects.append({"file": spec.path, "row": row, "field": field, "note": note})

    hh_ids = dict(base.select("hh_key", "household_id").unique().iter_rows())
    expected = pl.DataFrame(
        [{"rule_id": e.rule_id, "household_id": hh_ids[e.hh_key], "id_number": e.id_number, "kind": e.kind,
          "needs": e.needs, "note": e.note} for e in pt.expected])
    expected = expected.with_columns(_r=pl.col("rule_id").replace_strict(RULE_ORDER, list(range(len(RULE_ORDER)))))
    expected = expected.sort("_r", pl.col("kind").replace_strict(["planted", "decoy"], [0, 1]), "household_id",
                             "id_number", maintain_order=True).drop("_r")
    reject_df = pl.DataFrame(rejects, schema={"file": pl.String, "row": pl.Int64, "field": pl.String,
                                              "note": pl.String})
    write.write_expected(out_dir, expected, reject_df)
    config = out_dir / "month.yaml"
    config.write_text(write.month_yaml(specs, month, "431221"), encoding="utf-8")
    return config
