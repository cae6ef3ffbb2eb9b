"""The rules stage: run every rule of the catalog over the month's normalised frames.

Each rule id maps to its implementation and its parameter model; the catalog (rules/*.yaml) says
which rules run, for which programs, how severely and with which parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import polars as pl
from pydantic import BaseModel

from crosscheck import graph_checks, graph_groups, member_checks, roster_checks, source_checks
from crosscheck.catalog import Catalog, rule_params
from crosscheck.findings import FINDING_SCHEMA, ScreenContext

RuleFunction = Callable[[ScreenContext, object, BaseModel], pl.LazyFrame]

IMPLEMENTATIONS: dict[str, tuple[type[BaseModel], RuleFunction]] = {
    "deceased": (source_checks.DeceasedParams, source_checks.deceased),
    "invalid_id": (roster_checks.InvalidIdParams, roster_checks.invalid_id),
    "duplicate_in_roster": (roster_checks.DuplicateParams, roster_checks.duplicate_in_roster),
    "exclusive_programs": (roster_checks.ExclusiveParams, roster_checks.exclusive_programs),
    "age_mismatch": (roster_checks.AgeParams, roster_checks.age_mismatch),
    "amount_above_standard": (roster_checks.AmountParams, roster_checks.amount_above_standard),
    "prisoner": (source_checks.PrisonerParams, source_checks.prisoner),
    "cross_region": (source_checks.CrossRegionParams, source_checks.cross_region),
    "public_employee": (member_checks.PublicEmployeeParams, member_checks.public_employee),
    "vehicle": (member_checks.VehicleParams, member_checks.vehicle),
    "business": (member_checks.BusinessParams, member_checks.business),
    "cadre_relative": (member_checks.CadreRelativeParams, member_checks.cadre_relative),
    "shared_account": (graph_checks.SharedAccountParams, graph_checks.shared_account),
    "proxy_collector": (graph_checks.ProxyCollectorParams, graph_checks.proxy_collector),
    "official_proxy": (graph_checks.OfficialProxyParams, graph_checks.official_proxy),
    "linked_households": (graph_groups.LinkedHouseholdsParams, graph_groups.linked_households),
}
RULE_PARAMS: dict[str, type[BaseModel]] = {k: v[0] for k, v in IMPLEMENTATIONS.items()}


GRAPH_RULES = ("shared_account", "proxy_collector", "linked_households")
# rules that read the roster matched with itself (`ScreenContext.matches("roster")`)
ROSTER_PAIR_RULES = ("duplicate_in_roster", "exclusive_programs")


def run_rules(ctx: ScreenContext, catalog: Catalog, timings: dict[str, float] | None = None,
              advance=None) -> dict[str, pl.DataFrame]:
    """Findings per rule id, in the catalog's order; each rule's seconds into `timings` (shared work,
    such as a matching or the graph, counts for the first rule that needs it)."""
    out: dict[str, pl.DataFrame] = {}
    for rule_id, rule in catalog.rules.items():
        _, function = IMPLEMENTATIONS[rule_id]
        start = time.perf_counter()
        out[rule_id] = function(ctx, rule, rule_params(rule)).collect()
        if timings is not None:
            timings[f"rule:{rule_id}"] = round(time.perf_counter() - start, 3)
        if advance is not None:
            advance()
    return out


def all_findings(per_rule: dict[str, pl.DataFrame]) -> pl.DataFrame:
    frames = list(per_rule.values())
    return pl.concat(frames) if frames else pl.DataFrame(schema=FINDING_SCHEMA)
