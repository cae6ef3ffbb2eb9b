"""The case store (review.db): runs, their cases, the decision log, users and the audit log.

One SQLite file in WAL mode, so the review server can read while a monthly run writes. Every
operation opens its own short connection (safe across the server's threads). The decision log is
append-only (see store_schema.py); a case's current state is its latest event, `pending` when it
has none. Decisions themselves are made through review_log.py, which enforces who may do what.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from crosscheck.errors import CrosscheckError
from crosscheck.store_schema import CASE_FIELDS, migrate

STATES = {"pending": "待核查", "confirmed": "属实", "dismissed": "不属实", "field_check": "待实地核查"}
ROLES = {"inspector": "核查员", "supervisor": "审核负责人", "viewer": "只读"}

# the latest event of every case: its current state
LATEST_EVENTS = """
    SELECT e.case_id, e.decision, e.evidence_fingerprint, e.user, e.at, e.reason, e.note
    FROM events e JOIN (SELECT case_id, max(event_id) AS last FROM events GROUP BY case_id) l
      ON e.event_id = l.last
"""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _wal(conn: sqlite3.Connection, timeout: float = 15.0) -> None:
    """Switch to WAL mode. Another process switching at the same moment makes SQLite answer `database
    is locked` at once (the busy timeout does not apply), so try again for a while."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Store:
    """A handle on one review.db; cheap to create, holds no open connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Store:
        """Open (and create or migrate) the store at `path`."""
        path = Path(path)
        if not path.exists() and not create:
            raise CrosscheckError(f"{path}: no such case store (a `crosscheck run --store {path}` creates it)")
        if path.parent and not path.parent.exists():
            raise CrosscheckError(f"{path}: the folder {path.parent} does not exist")
        store = cls(path)
        try:
            with store.connect() as conn:
                _wal(conn)
                migrate(conn)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('secret_key', ?)", (secrets.token_hex(32),))
        except sqlite3.DatabaseError as e:
            raise CrosscheckError(f"{path}: not a crosscheck case store ({e})") from e
        return store

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode; use `with conn:` blocks or BEGIN IMMEDIATE for transactions."""
        conn = sqlite3.connect(self.path, timeout=15, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=15000")
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at its start, so read-then-append sequences cannot interleave."""
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def secret_key(self) -> str:
        with self.connect() as conn:
            return conn.execute("SELECT value FROM meta WHERE key = 'secret_key'").fetchone()[0]

    # -- runs and cases -------------------------------------------------------------------------

    def current_states(self) -> pl.DataFrame:
        """case_id, state, evidence_fingerprint (the one the latest event was made on) of every case seen
        before: decided cases from their latest event, undecided ones as `pending` with no fingerprint."""
        with self.connect() as conn:
            rows = conn.execute(
                f"SELECT case_id, decision, evidence_fingerprint FROM ({LATEST_EVENTS}) UNION ALL "
                "SELECT DISTINCT case_id, 'pending', NULL FROM cases WHERE case_id NOT IN (SELECT case_id FROM events)"
            ).fetchall()
        return pl.DataFrame([tuple(r) for r in rows], orient="row",
                            schema={"case_id": pl.String, "state": pl.String, "evidence_fingerprint": pl.String})

    def record_run(self, cases: pl.DataFrame, *, month: str, out_dir: Path, summary: dict) -> int:
        """Store a run's cases (with their review_state); a dismissed case whose evidence changed is
        reopened by an `evidence_changed` event. Returns the run id.

        The review states were read when the run started: a case decided again since then (say
        reopened and confirmed) keeps that newer decision, so the event is only appended where the
        latest event is still a dismissal made on other evidence."""
        fields = CASE_FIELDS + ["review_state"]
        rows = cases.select(fields).rows()
        changed = cases.filter(pl.col("review_state") == "evidence_changed").select("case_id", "evidence_fingerprint")
        at = now()
        with self.transaction() as conn:
            run_id = conn.execute("INSERT INTO runs (month, out_dir, created_at, summary) VALUES (?, ?, ?, ?)",
                                  (month, str(out_dir), at, json.dumps(summary, ensure_ascii=False))).lastrowid
            conn.executemany(f"INSERT INTO cases (run_id, {', '.join(fields)}) VALUES (?{', ?' * len(fields)})",
                             [(run_id, *r) for r in rows])
            latest = {}
            for cid, fp in changed.iter_rows():
                row = conn.execute("SELECT decision, evidence_fingerprint FROM events WHERE case_id = ? "
                                   "ORDER BY event_id DESC LIMIT 1", (cid,)).fetchone()
                latest[cid] = tuple(row) if row else None
            conn.executemany(
                "INSERT INTO events (case_id, at, user, action, decision, reason, evidence_fingerprint) "
                "VALUES (?, ?, 'system', 'evidence_changed', 'pending', ?, ?)",
                [(cid, at, f"{month} 证据已变化，重新核查", fp) for cid, fp in changed.iter_rows()
                 if latest[cid] is not None and latest[cid][0] == "dismissed" and latest[cid][1] != fp])
        return run_id

    def runs(self) -> list[dict]:
        with self.connect() as conn:
            return [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY run_id")]

    def months(self) -> list[str]:
        """Months with at least one run, latest first."""
        with self.connect() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT month FROM runs ORDER BY month DESC")]

    def latest_run(self, month: str) -> int | None:
        with self.connect() as conn:
            return conn.execute("SELECT max(run_id) FROM runs WHERE month = ?", (month,)).fetchone()[0]

    def case(self, case_id: str, month: str | None = None) -> dict | None:
        """The case as its latest run (of `month`, if given) recorded it, with its current state."""
        month_clause = "AND r.month = ?" if month else ""
        params = (case_id, month) if month else (case_id,)
        with self.connect() as conn:
            row = conn.execute(
                f"SELECT c.*, coalesce(s.decision, 'pending') AS state FROM cases c JOIN runs r USING (run_id) "
                f"LEFT JOIN ({LATEST_EVENTS}) s USING (case_id) "
                f"WHERE c.case_id = ? {month_clause} ORDER BY c.run_id DESC LIMIT 1", params).fetchone()
        return dict(row) if row else None

    def history(self, case_id: str) -> list[dict]:
        """Every event of a case, oldest first."""
        with self.connect() as conn:
            return [dict(r) for r in conn.execute("SELECT * FROM events WHERE case_id = ? ORDER BY event_id",
                                                  (case_id,))]

    def events(self, *, month: str | None = None) -> list[dict]:
        """The decision log, oldest first; with `month`, the events of that month's cases."""
        with self.connect() as conn:
            if month is None:
                return [dict(r) for r in conn.execute("SELECT * FROM events ORDER BY event_id")]
            run_id = self.latest_run(month)
            return [dict(r) for r in conn.execute(
                "SELECT * FROM events WHERE case_id IN (SELECT case_id FROM cases WHERE run_id = ?) ORDER BY event_id",
                (run_id,))]

    # -- audit ----------------------------------------------------------------------------------

    def audit(self, user: str, action: str, case_id: str | None = None, detail: str = "",
              conn: sqlite3.Connection | None = None) -> None:
        """Append to the audit log (reveals, decisions, logins, exports)."""
        sql = "INSERT INTO audit (at, user, action, case_id, detail) VALUES (?, ?, ?, ?, ?)"
        if conn is not None:
            conn.execute(sql, (now(), user, action, case_id, detail))
            return
        with self.connect() as c:
            c.execute(sql, (now(), user, action, case_id, detail))

    def audit_log(self, *, limit: int = 500) -> list[dict]:
        with self.connect() as conn:
            return [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY audit_id DESC LIMIT ?", (limit,))]
