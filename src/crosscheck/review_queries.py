"""Read queries of the review server: a month's cases with filters and pages, the filter choices,
and a case's neighbours in the queue (previous, next, next pending).

A month's cases are those of its latest run; a case's state is its latest decision event.
The queue order is: hold cases first, then by rule, household and case id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from crosscheck.store import LATEST_EVENTS, STATES, Store

FILTERS = ("rule", "town", "program", "severity", "state")
PER_PAGE = 50
_ORDER = "ORDER BY (c.severity != 'hold'), c.rule_id, c.household_id, c.case_id"


@dataclass
class CaseFilter:
    """The filters of the case list, as read from a query string; empty values mean any."""

    month: str = ""
    rule: str = ""
    town: str = ""
    program: str = ""
    severity: str = ""
    state: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_query(cls, params, store: Store) -> CaseFilter:
        values = {k: (params.get(k) or "").strip() for k in ("month", *FILTERS)}
        if not values["month"]:
            months = store.months()
            values["month"] = months[0] if months else ""
        if values["state"] and values["state"] not in STATES:
            values["state"] = ""
        return cls(**values)

    def query(self, **override: str) -> str:
        """The filters as a query string (for links that keep the queue)."""
        from urllib.parse import urlencode

        values = {k: getattr(self, k) for k in ("month", *FILTERS)} | override
        return urlencode({k: v for k, v in values.items() if v})

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("month", *FILTERS)}


def _where(store: Store, f: CaseFilter, *, with_state: bool = True) -> tuple[str, list]:
    run_id = store.latest_run(f.month) if f.month else None
    clauses, params = ["c.run_id = ?"], [run_id if run_id is not None else -1]
    if f.rule:
        clauses.append("c.rule_id = ?")
        params.append(f.rule)
    if f.town:
        clauses.append("c.town = ?")
        params.append(f.town)
    if f.program:
        clauses.append("instr(',' || c.programs || ',', ',' || ? || ',') > 0")
        params.append(f.program)
    if f.severity:
        clauses.append("c.severity = ?")
        params.append(f.severity)
    if with_state and f.state:
        clauses.append("coalesce(s.decision, 'pending') = ?")
        params.append(f.state)
    return " AND ".join(clauses), params


_SELECT = (f"SELECT c.*, coalesce(s.decision, 'pending') AS state, s.user AS decided_by, s.at AS decided_at, "
           f"s.reason AS decision_reason, s.note AS decision_note FROM cases c LEFT JOIN ({LATEST_EVENTS}) s USING (case_id)")


def list_cases(store: Store, f: CaseFilter, *, page: int = 1, per_page: int = PER_PAGE) -> tuple[list[dict], int]:
    """One page of the filtered cases, and how many there are in all."""
    where, params = _where(store, f)
    with store.connect() as conn:
        total = conn.execute(f"SELECT count(*) FROM cases c LEFT JOIN ({LATEST_EVENTS}) s USING (case_id) "
                             f"WHERE {where}", params).fetchone()[0]
        rows = conn.execute(f"{_SELECT} WHERE {where} {_ORDER} LIMIT ? OFFSET ?",
                            [*params, per_page, max(page - 1, 0) * per_page]).fetchall()
    return [dict(r) for r in rows], total


def all_cases(store: Store, f: CaseFilter) -> list[dict]:
    where, params = _where(store, f)
    with store.connect() as conn:
        return [dict(r) for r in conn.execute(f"{_SELECT} WHERE {where} {_ORDER}", params)]


def choices(store: Store, month: str) -> dict[str, list[str]]:
    """The values each filter can take in a month's run."""
    run_id = store.latest_run(month) if month else None
    with store.connect() as conn:
        def distinct(col: str) -> list[str]:
            return [r[0] for r in conn.execute(
                f"SELECT DISTINCT {col} FROM cases WHERE run_id = ? AND {col} IS NOT NULL ORDER BY {col}", (run_id,))]
        programs = sorted({p for ps in distinct("programs") for p in ps.split(",") if p})
        return {"rule": distinct("rule_id"), "town": distinct("town"), "program": programs,
                "severity": distinct("severity"), "state": list(STATES)}


def neighbours(store: Store, f: CaseFilter, case_id: str) -> dict[str, str | None]:
    """prev / next in the filtered queue (the current case kept in place even when a decision took it
    out of the filter), and the next pending case after it (wrapping round)."""
    where, params = _where(store, f, with_state=False)
    with store.connect() as conn:
        full = [(r[0], r[1]) for r in conn.execute(
            f"SELECT c.case_id, coalesce(s.decision, 'pending') FROM cases c LEFT JOIN ({LATEST_EVENTS}) s "
            f"USING (case_id) WHERE {where} {_ORDER}", params)]
    ids = [cid for cid, _ in full]
    if case_id not in ids:
        return {"prev": None, "next": None, "next_pending": next((c for c, s in full if s == "pending"), None),
                "position": None, "count": len(full)}
    i = ids.index(case_id)
    shown = [cid for cid, s in full if cid == case_id or not f.state or s == f.state]
    j = shown.index(case_id)
    after = full[i + 1:] + full[:i]
    return {"prev": shown[j - 1] if j > 0 else None, "next": shown[j + 1] if j + 1 < len(shown) else None,
            "next_pending": next((c for c, s in after if s == "pending"), None),
            "position": j + 1, "count": len(shown)}


def run_labels(store: Store, month: str) -> dict[str, dict[str, str]]:
    """Rule titles and program labels as the month's latest run recorded them."""
    run_id = store.latest_run(month) if month else None
    with store.connect() as conn:
        row = conn.execute("SELECT summary FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    summary = json.loads(row[0]) if row else {}
    return {"titles": summary.get("titles", {}), "labels": summary.get("labels", {})}
