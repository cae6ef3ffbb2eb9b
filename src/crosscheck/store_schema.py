"""The case store's schema as numbered migrations.

`schema_version` holds the number of the last migration applied; opening a store applies the
missing ones in order, each in its own transaction. Add a migration by appending to MIGRATIONS,
never by editing one that has shipped.

The decision log (`events`) and the audit log (`audit`) are append-only: triggers abort any
UPDATE or DELETE on them, so an undo or a correction is always a new row.
"""

from __future__ import annotations

import sqlite3

from crosscheck.errors import CrosscheckError

CASE_FIELDS = [
    "case_id", "rule_id", "severity", "program", "programs", "household_id", "id_number", "name",
    "source_kind", "source_ref", "match_score", "explanation", "amount_at_risk",
    "town", "village", "amount", "roster_ref", "evidence_key", "evidence", "evidence_fingerprint", "month",
]

_APPEND_ONLY = """
CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
"""

MIGRATIONS: list[str] = [
    # 1: runs, their cases, the decision log, users, the audit log
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT,
        month TEXT NOT NULL, out_dir TEXT NOT NULL, created_at TEXT NOT NULL, summary TEXT NOT NULL
    );
    CREATE TABLE cases (
        run_id INTEGER NOT NULL REFERENCES runs(run_id),
        case_id TEXT NOT NULL, rule_id TEXT NOT NULL, severity TEXT, program TEXT, programs TEXT,
        household_id TEXT, id_number TEXT, name TEXT, source_kind TEXT, source_ref TEXT,
        match_score REAL, explanation TEXT, amount_at_risk REAL, town TEXT, village TEXT, amount REAL,
        roster_ref TEXT, evidence_key TEXT, evidence TEXT, evidence_fingerprint TEXT, month TEXT NOT NULL,
        review_state TEXT NOT NULL,
        PRIMARY KEY (run_id, case_id)
    );
    CREATE INDEX cases_by_case ON cases(case_id);
    CREATE TABLE events (
        event_id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id TEXT NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('decide', 'undo', 'reopen', 'evidence_changed')),
        decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'field_check', 'pending')),
        reason TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',
        evidence_fingerprint TEXT, undoes INTEGER REFERENCES events(event_id)
    );
    CREATE INDEX events_by_case ON events(case_id, event_id);
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('inspector', 'supervisor', 'viewer')),
        password_hash TEXT NOT NULL, created_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, case_id TEXT, detail TEXT NOT NULL DEFAULT ''
    );
    """ + _APPEND_ONLY.format(t="events") + _APPEND_ONLY.format(t="audit"),
    # 2: server-side sessions, so logging out (or removing a user) ends a session at once
    """
    CREATE TABLE sessions (
        sid TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        created_at TEXT NOT NULL
    );
    CREATE INDEX audit_by_action ON audit(action, user, at);
    """,
]


def schema_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return row[0] or 0


def _statements(script: str) -> list[str]:
    """A migration script as single statements (executescript would commit the open transaction)."""
    statements, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):  # a ';' inside a trigger body or a string is not an end
            if pending.strip(" \t\r\n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise CrosscheckError(f"incomplete statement in a migration: {pending.strip()[:60]}")
    return statements


def migrate(conn: sqlite3.Connection, migrations: list[str] | None = None) -> int:
    """Apply the migrations a store lacks; return the version it is at afterwards."""
    migrations = MIGRATIONS if migrations is None else migrations
    current = schema_version(conn)
    if current > len(migrations):
        raise CrosscheckError(f"case store schema version {current} is newer than this crosscheck "
                              f"({len(migrations)}): upgrade crosscheck")
    for number, script in enumerate(migrations[current:], start=current + 1):
        # each migration in one write transaction, applied entirely or not at all; the version is read
        # again once the lock is held, since another process (the server, a run) may have applied
        # it while this one waited
        try:
            conn.execute("BEGIN IMMEDIATE")
            if schema_version(conn) >= number:
                conn.execute("COMMIT")
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?)", (number,))
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.rollback()
            raise CrosscheckError(f"case store migration {number} failed: {e}") from e
    return len(migrations)
