"""The case store: migrations, append-only logs, and (hypothesis, stateful) any sequence of decisions,
undos, reopenings and monthly runs leaves the latest event as the state and loses no event."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from crosscheck.carry_over import carry_over
from crosscheck.errors import CrosscheckError
from crosscheck.review_log import ReviewError, decide, reopen, state, undo
from crosscheck.store import Store
from crosscheck.store_schema import CASE_FIELDS, MIGRATIONS, migrate, schema_version

CASES = ["c1", "c2", "c3"]
USERS = {"ann": "inspector", "bob": "inspector", "sue": "supervisor", "vic": "viewer"}


def cases_frame(fingerprints: dict[str, str], month: str = "2022-12") -> pl.DataFrame:
    """A month's cases as the pipeline makes them (every case column), with the given fingerprints."""
    rows = []
    for cid, fp in fingerprints.items():
        row = {f: None for f in CASE_FIELDS}
        row.update(case_id=cid, rule_id="deceased", severity="hold", program="rural_dibao", programs="rural_dibao",
                   household_id=f"H-{cid}", id_number="431221194804085284", name="孙云", evidence="{}",
                   evidence_fingerprint=fp, month=month, amount=300.0, amount_at_risk=300.0)
        rows.append(row)
    schema = {f: (pl.Float64 if f in ("match_score", "amount_at_risk", "amount") else pl.String) for f in CASE_FIELDS}
    return pl.DataFrame(rows, schema=schema)


def record(store: Store, fingerprints: dict[str, str], month: str = "2022-12") -> pl.DataFrame:
    cases = carry_over(cases_frame(fingerprints, month), store.current_states())
    store.record_run(cases, month=month, out_dir=Path("/tmp/out"), summary={})
    return cases


def test_update_and_delete_of_events_and_audit_raise(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "review.db")
    record(store, {"c1": "f1"})
    decide(store, "c1", user="ann", role="inspector", decision="confirmed")
    with store.connect() as conn:
        for sql in ("UPDATE events SET decision = 'dismissed'", "DELETE FROM events",
                    "UPDATE audit SET user = 'x'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    assert state(store, "c1") == "confirmed"
    assert len(store.history("c1")) == 1


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "review.db")
    with store.connect() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert schema_version(conn) == len(MIGRATIONS)


def test_opening_an_old_store_migrates_it_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    # a store as the first release left it: schema version 1, with a run and a decision
    with sqlite3.connect(path) as conn:
        assert migrate(conn, MIGRATIONS[:1]) == 1
    v1 = Store(path)
    record(v1, {"c1": "f1"})
    decide(v1, "c1", user="ann", role="inspector", decision="field_check")
    store = Store.open(path)  # this release migrates it
    with store.connect() as conn:
        assert schema_version(conn) == len(MIGRATIONS) >= 2
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    assert state(store, "c1") == "field_check" and len(store.runs()) == 1
    # a later release adds another migration: applied once, data kept
    later = [*MIGRATIONS, "ALTER TABLE runs ADD COLUMN county TEXT;"]
    with store.connect() as conn:
        assert migrate(conn, later) == len(later)
        assert migrate(conn, later) == len(later)  # idempotent
        assert "county" in [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    assert state(store, "c1") == "field_check"
    # and this release refuses a store from the later one, with one line
    with pytest.raises(CrosscheckError, match="newer than this crosscheck"):
        Store.open(path)


def test_an_empty_store_file_is_migrated_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    sqlite3.connect(path).close()
    Store.open(path)
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM schema_version")] == list(range(1, len(MIGRATIONS) + 1))


def test_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    path.write_text("not sqlite")
    with pytest.raises(CrosscheckError, match="not a crosscheck case store"):
        Store.open(path)


class DecisionLog(RuleBasedStateMachine):
    """The store against a model: a stack of (decision, action, user, fingerprint) per case."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="crosscheck-store-")
        self.store = Store.open(Path(self.dir) / "review.db")
        self.fingerprints = {c: "fp0" for c in CASES}
        record(self.store, self.fingerprints)
        self.stacks: dict[str, list[tuple[str, str, str, str]]] = {c: [] for c in CASES}
        self.n_events = 0
        self.seen: list[tuple] = []

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _top(self, case: str) -> tuple[str, str, str, str] | None:
        return self.stacks[case][-1] if self.stacks[case] else None

    def _state(self, case: str) -> str:
        top = self._top(case)
        return top[0] if top else "pending"

    @rule(case=st.sampled_from(CASES), user=st.sampled_from(sorted(USERS)),
          decision=st.sampled_from(["confirmed", "dismissed", "field_check"]), reason=st.sampled_from(["", "已核实"]))
    def decide(self, case: str, user: str, decision: str, reason: str) -> None:
        role = USERS[user]
        allowed = (role == "supervisor" or (role == "inspector" and self._state(case) in ("pending", "field_check"))) \
            and (decision != "dismissed" or reason)
        if allowed:
            decide(self.store, case, user=user, role=role, decision=decision, reason=reason)
            self.stacks[case].append((decision, "decide", user, self.fingerprints[case]))
            self.n_events += 1
        else:
            with pytest.raises(ReviewError):
                decide(self.store, case, user=user, role=role, decision=decision, reason=reason)

    @rule(case=st.sampled_from(CASES), user=st.sampled_from(sorted(USERS)))
    def undo(self, case: str, user: str) -> None:
        role, top = USERS[user], self._top(case)
        allowed = top is not None and top[1] in ("decide", "reopen") and (
            role == "supervisor" or (role == "inspector" and top[1] == "decide" and top[2] == user))
        if allowed:
            undo(self.store, case, user=user, role=role)
            self.stacks[case].pop()
            self.n_events += 1
        else:
            with pytest.raises(ReviewError):
                undo(self.store, case, user=user, role=role)

    @rule(case=st.sampled_from(CASES), user=st.sampled_from(sorted(USERS)))
    def reopen(self, case: str, user: str) -> None:
        role = USERS[user]
        if role == "supervisor" and self._state(case) != "pending":
            reopen(self.store, case, user=user, role=role)
            self.stacks[case].append(("pending", "reopen", user, self.fingerprints[case]))
            self.n_events += 1
        else:
            with pytest.raises(ReviewError):
                reopen(self.store, case, user=user, role=role)

    @rule(changed=st.sets(st.sampled_from(CASES)))
    def next_month(self, changed: set[str]) -> None:
        for case in changed:
            self.fingerprints[case] += "'"
        cases = record(self.store, self.fingerprints)
        got = dict(cases.select("case_id", "review_state").iter_rows())
        for case in CASES:
            top = self._top(case)
            if top is None:
                assert got[case] == "pending"
            elif top[0] != "dismissed":
                assert got[case] == top[0]
            elif top[3] == self.fingerprints[case]:
                assert got[case] == "carried_dismissed"
            else:
                assert got[case] == "evidence_changed"
                self.stacks[case].append(("pending", "evidence_changed", "system", self.fingerprints[case]))
                self.n_events += 1

    @invariant()
    def latest_event_is_the_state_and_no_event_is_lost(self) -> None:
        events = [tuple(e.values()) for e in self.store.events()]
        assert len(events) == self.n_events
        assert events[:len(self.seen)] == self.seen  # append-only: what was there is still there, unchanged
        self.seen = events
        states = dict(self.store.current_states().select("case_id", "state").iter_rows())
        for case in CASES:
            history = self.store.history(case)
            assert state(self.store, case) == self._state(case) == states[case]
            if history:
                assert history[-1]["decision"] == self._state(case)


TestDecisionLog = DecisionLog.TestCase
TestDecisionLog.settings = settings(max_examples=40, stateful_step_count=20, deadline=None)


def test_a_decision_made_while_a_run_goes_on_is_not_overwritten(tmp_path: Path) -> None:
    """The pipeline reads the states (carry_over) long before it records the run; a supervisor who
    reopens and confirms a dismissed case in between must not see it put back to pending by the
    run's `evidence_changed` event."""
    store = Store.open(tmp_path / "review.db")
    record(store, {"c1": "f0", "c2": "f0"})
    for case in ("c1", "c2"):
        decide(store, case, user="ann", role="inspector", decision="dismissed", reason="同名")
    cases = carry_over(cases_frame({"c1": "f1", "c2": "f1"}), store.current_states())  # the run starts
    assert cases["review_state"].to_list() == ["evidence_changed", "evidence_changed"]
    reopen(store, "c1", user="sue", role="supervisor")
    decide(store, "c1", user="sue", role="supervisor", decision="confirmed")
    store.record_run(cases, month="2022-12", out_dir=Path("/tmp/out"), summary={})  # the run ends
    assert state(store, "c1") == "confirmed"
    assert [e["action"] for e in store.history("c1")] == ["decide", "reopen", "decide"]
    assert state(store, "c2") == "pending"  # untouched in between: reopened by the changed evidence
    assert [e["action"] for e in store.history("c2")] == ["decide", "evidence_changed"]


def test_two_processes_opening_a_new_store_at_once_both_succeed(tmp_path: Path) -> None:
    """The server and a monthly run (or two runs) may open a store at the same moment: each reads the
    schema version, then waits for the other's migration; the one that waited must not apply it again."""
    import threading

    for attempt in range(8):
        path = tmp_path / f"review-{attempt}.db"
        barrier, errors = threading.Barrier(4), []

        def open_it() -> None:
            barrier.wait()
            try:
                Store.open(path)
            except CrosscheckError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        with sqlite3.connect(path) as conn:
            assert [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")] == \
                list(range(1, len(MIGRATIONS) + 1))
