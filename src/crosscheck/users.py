"""Review users: name, role (inspector decides; supervisor also reopens and exports; viewer reads
only) and an argon2 password hash. Passwords are never stored or logged in clear."""

from __future__ import annotations

import datetime as dt
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crosscheck.errors import CrosscheckError
from crosscheck.store import ROLES, Store, now

_hasher = PasswordHasher()
# verified against when the user does not exist, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _hasher.hash("crosscheck-no-such-user")
MIN_PASSWORD = 8
LOCKOUT_FAILURES, LOCKOUT_MINUTES = 5, 15
IP_LOCKOUT_FAILURES = 20  # failed logins from one client address, any names, in LOCKOUT_MINUTES
SESSION_HOURS = 12


def add_user(store: Store, name: str, role: str, password: str) -> None:
    """Create a user, or replace an existing user's role and password."""
    name = name.strip()
    if not name:
        raise CrosscheckError("user name is empty")
    if name == "system":
        raise CrosscheckError("'system' is reserved for the run's own events")
    if role not in ROLES:
        raise CrosscheckError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise CrosscheckError(f"password too short: at least {MIN_PASSWORD} characters")
    with store.transaction() as conn:
        conn.execute("INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
                     (name, role, _hasher.hash(password), now()))
        conn.execute("DELETE FROM sessions WHERE user = ?", (name,))  # a new password ends old sessions
        store.audit("system", "user_saved", detail=f"{name} ({role})", conn=conn)


def remove_user(store: Store, name: str) -> None:
    with store.transaction() as conn:
        if conn.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
            raise CrosscheckError(f"no such user: {name}")
        store.audit("system", "user_removed", detail=name, conn=conn)


def list_users(store: Store) -> list[dict]:
    with store.connect() as conn:
        return [dict(r) for r in conn.execute("SELECT name, role, created_at FROM users ORDER BY name")]


def user_role(store: Store, name: str) -> str | None:
    with store.connect() as conn:
        row = conn.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def verify_login(store: Store, name: str, password: str) -> str | None:
    """The user's role when the password is right, else None."""
    with store.connect() as conn:
        row = conn.execute("SELECT role, password_hash FROM users WHERE name = ?", (name,)).fetchone()
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return row["role"] if row else None


def _ago(**delta) -> str:
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(**delta)).isoformat(timespec="seconds")


def locked_out(store: Store, name: str) -> bool:
    """Too many failed logins for this name lately (LOCKOUT_FAILURES in LOCKOUT_MINUTES minutes)."""
    with store.connect() as conn:
        failures = conn.execute("SELECT count(*) FROM audit WHERE action = 'login_failed' AND user = ? AND at > ?",
                                (name, _ago(minutes=LOCKOUT_MINUTES))).fetchone()[0]
    return failures >= LOCKOUT_FAILURES


def address_locked_out(store: Store, address: str) -> bool:
    """Too many failed logins from this client address lately, whatever names were tried
    (IP_LOCKOUT_FAILURES in LOCKOUT_MINUTES minutes): password spraying across names."""
    with store.connect() as conn:
        failures = conn.execute("SELECT count(*) FROM audit WHERE action = 'login_failed' AND detail = ? AND at > ?",
                                (f"from {address}", _ago(minutes=LOCKOUT_MINUTES))).fetchone()[0]
    return failures >= IP_LOCKOUT_FAILURES


def open_session(store: Store, name: str) -> str:
    sid = secrets.token_urlsafe(32)
    with store.transaction() as conn:
        conn.execute("DELETE FROM sessions WHERE created_at < ?", (_ago(hours=SESSION_HOURS),))
        conn.execute("INSERT INTO sessions (sid, user, created_at) VALUES (?, ?, ?)", (sid, name, now()))
    return sid


def session_user(store: Store, sid: str) -> tuple[str, str] | None:
    """(user, role) of a live session, None when it ended, expired or its user is gone."""
    with store.connect() as conn:
        row = conn.execute("SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.user "
                           "WHERE s.sid = ? AND s.created_at > ?", (sid, _ago(hours=SESSION_HOURS))).fetchone()
    return (row[0], row[1]) if row else None


def close_session(store: Store, sid: str) -> None:
    with store.connect() as conn:
        conn.execute("DELETE FROM sessions WHERE sid = ?", (sid,))
