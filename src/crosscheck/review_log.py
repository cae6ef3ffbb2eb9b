"""Decisions on cases: decide, undo and reopen, each appended to the store's decision log.

Nothing is ever updated or deleted. A case's decisions form a stack replayed from its events:
`decide`, `reopen` and the run's `evidence_changed` push a state; `undo` pops the latest decision
or reopening and records the state it restores, so the latest event is always the current state.
Who may do what:

- inspector: decides cases that are pending or awaiting a field check; undoes their own latest decision
- supervisor: decides any case, reopens a decided case, undoes any latest decision or reopening
- viewer: nothing
"""

from __future__ import annotations

import sqlite3

from crosscheck.errors import CrosscheckError
from crosscheck.store import STATES, Store, now

DECISIONS = ("confirmed", "dismissed", "field_check")


class ReviewError(CrosscheckError):
    """A decision that is not allowed: wrong state, or a missing reason."""


class NotPermitted(ReviewError):
    """A decision the user's role does not allow."""


def _stack(conn: sqlite3.Connection, case_id: str) -> list[sqlite3.Row]:
    stack: list[sqlite3.Row] = []
    for event in conn.execute("SELECT * FROM events WHERE case_id = ? ORDER BY event_id", (case_id,)):
        if event["action"] == "undo":
            stack.pop()
        else:
            stack.append(event)
    return stack


def _fingerprint(conn: sqlite3.Connection, case_id: str, month: str | None = None) -> str:
    """The evidence the decision is made on: the case as the latest run of `month` (the month the
    reviewer is looking at) recorded it, else as the latest run recorded it."""
    row = None
    if month:
        row = conn.execute("SELECT c.evidence_fingerprint FROM cases c JOIN runs r USING (run_id) "
                           "WHERE c.case_id = ? AND r.month = ? ORDER BY c.run_id DESC LIMIT 1",
                           (case_id, month)).fetchone()
    if row is None:
        row = conn.execute("SELECT evidence_fingerprint FROM cases WHERE case_id = ? ORDER BY run_id DESC LIMIT 1",
                           (case_id,)).fetchone()
    if row is None:
        raise ReviewError(f"no such case: {case_id}")
    return row[0]


def _check_seen(conn: sqlite3.Connection, case_id: str, seen: int | None) -> None:
    """Refuse an action taken on a page (or API read) older than the case's latest event: `seen` is
    the latest event id the user was shown (0: none). None skips the check."""
    if seen is None:
        return
    latest = conn.execute("SELECT coalesce(max(event_id), 0) FROM events WHERE case_id = ?", (case_id,)).fetchone()[0]
    if latest != seen:
        raise ReviewError("该案件在您打开页面后已被他人处理，请刷新页面查看最新状态后再操作")


def _append(conn: sqlite3.Connection, store: Store, case_id: str, user: str, action: str, decision: str,
            reason: str, note: str, fingerprint: str | None, undoes: int | None = None) -> int:
    event_id = conn.execute(
        "INSERT INTO events (case_id, at, user, action, decision, reason, note, evidence_fingerprint, undoes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, now(), user, action, decision, reason, note, fingerprint, undoes)).lastrowid
    store.audit(user, action, case_id, f"{STATES[decision]} {reason}".strip(), conn=conn)
    return event_id


def state(store: Store, case_id: str) -> str:
    """The current state: the latest event's decision, `pending` without events."""
    with store.connect() as conn:
        row = conn.execute("SELECT decision FROM events WHERE case_id = ? ORDER BY event_id DESC LIMIT 1",
                           (case_id,)).fetchone()
    return row[0] if row else "pending"


def decide(store: Store, case_id: str, *, user: str, role: str, decision: str, reason: str = "",
           note: str = "", month: str | None = None, seen: int | None = None) -> int:
    """Record 属实 / 不属实 / 待实地核查; 不属实 needs a reason. Returns the event id. `month`: the month
    whose evidence the reviewer saw (a later run's evidence may differ); default the latest run's.
    `seen`: the latest event id the reviewer was shown, so a decision made since is not overwritten
    unseen (see _check_seen)."""
    if decision not in DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}: one of {', '.join(DECISIONS)}")
    if role not in ("inspector", "supervisor"):
        raise NotPermitted("只读用户不能作出核查结论")
    reason, note = reason.strip(), note.strip()
    if decision == "dismissed" and not reason:
        raise ReviewError("认定不属实必须填写理由")
    with store.transaction() as conn:
        fingerprint = _fingerprint(conn, case_id, month)
        _check_seen(conn, case_id, seen)
        stack = _stack(conn, case_id)
        current = stack[-1]["decision"] if stack else "pending"
        if role == "inspector" and current not in ("pending", "field_check"):
            raise NotPermitted(f"该案件已认定为“{STATES[current]}”，需由审核负责人重新打开")
        return _append(conn, store, case_id, user, "decide", decision, reason, note, fingerprint)


def reopen(store: Store, case_id: str, *, user: str, role: str, reason: str = "", seen: int | None = None) -> int:
    """Put a decided case back to 待核查 (supervisor only)."""
    if role != "supervisor":
        raise NotPermitted("只有审核负责人可以重新打开案件")
    with store.transaction() as conn:
        fingerprint = _fingerprint(conn, case_id)
        _check_seen(conn, case_id, seen)
        stack = _stack(conn, case_id)
        if not stack or stack[-1]["decision"] == "pending":
            raise ReviewError("该案件尚未作出结论，无需重新打开")
        return _append(conn, store, case_id, user, "reopen", "pending", reason.strip(), "", fingerprint)


def undo(store: Store, case_id: str, *, user: str, role: str, seen: int | None = None) -> int:
    """Undo the latest decision or reopening: a new event restoring the state before it."""
    if role not in ("inspector", "supervisor"):
        raise NotPermitted("只读用户不能撤销")
    with store.transaction() as conn:
        _check_seen(conn, case_id, seen)
        stack = _stack(conn, case_id)
        if not stack or stack[-1]["action"] not in ("decide", "reopen"):
            raise ReviewError("没有可撤销的结论")
        top = stack[-1]
        if role == "inspector" and (top["user"] != user or top["action"] != "decide"):
            raise NotPermitted("核查员只能撤销自己作出的最新结论")
        before = stack[-2] if len(stack) > 1 else None
        restored = before["decision"] if before else "pending"
        fingerprint = before["evidence_fingerprint"] if before else top["evidence_fingerprint"]
        return _append(conn, store, case_id, user, "undo", restored, f"撤销：{STATES[top['decision']]}", "",
                       fingerprint, undoes=top["event_id"])
