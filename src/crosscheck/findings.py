"""What every rule returns: findings, one row per flagged roster row, with their evidence.

A rule is a function `(ScreenContext, params) -> LazyFrame` of FINDING_SCHEMA. It sees the month's
roster and sources as normalised frames and says, for each roster row it flags, which evidence
record triggered it (`source_kind`, `source_ref` = file:row), why (`explanation`, plain words),
how sure the match is (`match_score`) and what is at stake (`amount_at_risk`). `evidence_key`
identifies the evidence record across months (it goes into the stable case id); `evidence` holds
the evidence values (a later decision can tell whether they changed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from crosscheck.catalog import Catalog, Rule

FINDING_SCHEMA = {
    "rule_id": pl.String,
    "roster_file": pl.String,
    "roster_row": pl.Int64,
    "household_id": pl.String,
    "program": pl.String,
    "id_number": pl.String,
    "id_raw": pl.String,
    "name": pl.String,
    "town": pl.String,
    "village": pl.String,
    "amount": pl.Float64,
    "source_kind": pl.String,
    "source_ref": pl.String,
    "evidence_key": pl.String,
    "evidence": pl.String,
    "match_score": pl.Float64,
    "explanation": pl.String,
    "amount_at_risk": pl.Float64,
}


# the sources matched against the roster itself, and against household members, in one pass each
ROSTER_MATCHED = ("deaths", "prisoners", "rosters_elsewhere")
MEMBER_MATCHED = ("public_employees", "vehicles", "businesses", "cadres")


@dataclass(frozen=True)
class ScreenContext:
    """The month being screened and its normalised inputs (every frame has a unique Int64 `_key`)."""

    first_day: dt.date
    last_day: dt.date
    catalog: Catalog
    roster: pl.LazyFrame
    sources: dict[str, pl.LazyFrame] = field(default_factory=dict)
    # every input has a label (its path as written) of its own, so no two records share a
    # reference file:row; the run knows it from its config (two sheets of one workbook, or one
    # file given twice, share one), other callers may not: then lookups guard against repeats
    distinct_files: bool = False
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def month(self) -> str:
        return self.first_day.strftime("%Y-%m")

    def roster_for(self, rule: Rule) -> pl.LazyFrame:
        """The roster rows of the programs a rule applies to."""
        return self.roster.filter(pl.col("program").is_in(self.catalog.program_codes(rule)))

    def source(self, kind: str) -> pl.LazyFrame | None:
        return self.sources.get(kind)

    def _matched_with_group(self, left: pl.LazyFrame, group: tuple[str, ...], kind: str) -> dict[str, pl.DataFrame]:
        """Accepted matches of `left` with `kind`, and with every other source of `group` in the same
        blocking pass; alone (as before) when `kind` is not of the group or the group's stacked
        blocks would pass the pair limit (a limit per table, which an unused table must not trip)."""
        from crosscheck.candidates import BlockingExplosion
        from crosscheck.link import match_many, match_persons

        rights = {k: self.sources[k] for k in group if k in self.sources}
        if kind in rights:
            try:
                return match_many(left, rights, self.catalog.matching)
            except BlockingExplosion:
                pass
        other = None if kind == "roster" else self.sources[kind]
        return {kind: match_persons(left, other, self.catalog.matching)}

    def matches(self, kind: str) -> pl.DataFrame:
        """Accepted person matches (`l_key` roster, `r_key` source, weights, explanation) between
        the roster and a source kind, or the roster and itself (kind "roster": each pair once).
        The roster is matched against every source of ROSTER_MATCHED at once (户籍 is looked up
        apart, by `household.hukou_numbers`)."""
        if kind not in self._cache:
            self._cache.update(self._matched_with_group(self.roster, ROSTER_MATCHED, kind))
        return self._cache[kind]

    def members(self, programs: list[str]) -> pl.DataFrame:
        """Members of the roster households of these programs (`household.household_members`),
        computed once per set of programs."""
        key = ("members", tuple(sorted(programs)))
        if key not in self._cache:
            from crosscheck.household import household_members

            self._cache[key] = household_members(self, programs)
        return self._cache[key]

    def member_matches(self, programs: list[str], kind: str) -> pl.DataFrame:
        """Accepted matches between those household members (`l_key`) and a source kind (`r_key`);
        the members are matched against every source of MEMBER_MATCHED at once."""
        key = ("member_matches", tuple(sorted(programs)), kind)
        if key not in self._cache:
            found = self._matched_with_group(self.members(programs).lazy(), MEMBER_MATCHED, kind)
            self._cache.update({(*key[:2], k): v for k, v in found.items()})
        return self._cache[key]


def ref(file: pl.Expr, row: pl.Expr) -> pl.Expr:
    """`file:row` of a record, as inspectors look it up."""
    return file + pl.lit(":") + row.cast(pl.String)


def evidence_json(**values: pl.Expr) -> pl.Expr:
    """Evidence values as one JSON string (stable key order)."""
    return pl.struct(**{k: v.cast(pl.String) for k, v in sorted(values.items())}).struct.json_encode()


def findings(
    roster_rows: pl.LazyFrame,
    rule_id: str,
    *,
    source_kind: str | pl.Expr,
    source_ref: pl.Expr,
    evidence_key: pl.Expr,
    evidence: pl.Expr,
    explanation: pl.Expr,
    match_score: pl.Expr | None = None,
    amount_at_risk: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Findings of one rule from roster rows joined to their evidence (columns as in FINDING_SCHEMA)."""
    return roster_rows.select(
        pl.lit(rule_id).alias("rule_id"),
        pl.col("_file").alias("roster_file"),
        pl.col("_row").alias("roster_row"),
        pl.col("household_id"),
        pl.col("program"),
        pl.col("id").alias("id_number"),
        pl.col("id_raw"),
        pl.col("name"),
        pl.col("town"),
        pl.col("village"),
        pl.col("amount"),
        (pl.lit(source_kind) if isinstance(source_kind, str) else source_kind).alias("source_kind"),
        source_ref.alias("source_ref"),
        evidence_key.alias("evidence_key"),
        evidence.alias("evidence"),
        (match_score if match_score is not None else pl.lit(None, pl.Float64)).alias("match_score"),
        explanation.alias("explanation"),
        (amount_at_risk if amount_at_risk is not None else pl.col("amount")).alias("amount_at_risk"),
    ).cast(FINDING_SCHEMA)


def empty_findings() -> pl.LazyFrame:
    return pl.LazyFrame(schema=FINDING_SCHEMA)


def yuan(amount: pl.Expr) -> pl.Expr:
    """An amount in yuan as text: 385, 420.5, 1300.25."""
    return (
        pl.when(amount == amount.floor()).then(amount.cast(pl.Int64).cast(pl.String))
        .otherwise(amount.round(2).cast(pl.String))
    )
