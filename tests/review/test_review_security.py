"""Access control of the review server, on a store filled by a real run: every route refuses the
anonymous (iterating over app.routes, so a new route is covered without editing this test), roles,
CSRF on every POST, cookie flags, masking by default, and the audit log."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from conftest import PASSWORD, client_for, csrf_of

from crosscheck.review_web import UNGUARDED, create_app
from crosscheck.store import Store


def _case_ids(store_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(store_path) as conn:
        return conn.execute("SELECT case_id, id_number, name FROM cases WHERE id_number IS NOT NULL "
                            "AND rule_id = 'deceased' ORDER BY case_id").fetchall()


def _routes(store_path: Path, case_id: str) -> list[tuple[str, str]]:
    app = create_app(Store.open(store_path))
    out = []
    for route in app.routes:
        for method in sorted(route.methods - {"HEAD"}):
            out.append((method, route.path.replace("{case_id}", case_id)))
    assert len(out) >= 15
    return out


def _audit(store_path: Path) -> list[tuple]:
    with sqlite3.connect(store_path) as conn:
        return conn.execute("SELECT user, action, case_id FROM audit ORDER BY audit_id").fetchall()


def test_every_route_refuses_the_anonymous(fresh_store: Path) -> None:
    case_id, id_number, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, None)
    for method, path in _routes(fresh_store, case_id):
        if path in UNGUARDED:
            continue
        response = client.request(method, path, follow_redirects=False,
                                  data={"decision": "dismissed", "reason": "x"} if method == "POST" else None)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303 and response.headers["location"] == "/login", (method, path)
        assert id_number not in response.text
    with sqlite3.connect(fresh_store) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_every_post_without_the_csrf_token_is_refused(fresh_store: Path) -> None:
    case_id, _, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, "boss")
    posts = [path for method, path in _routes(fresh_store, case_id) if method == "POST"]
    assert f"/cases/{case_id}/decide" in posts and f"/api/cases/{case_id}/decisions" in posts
    for path in posts:
        forged = client.post(path, data={"decision": "dismissed", "reason": "伪造"}, follow_redirects=False)
        assert forged.status_code == 403, path
        wrong = client.post(path, data={"decision": "dismissed", "reason": "伪造", "csrf": "x" * 43},
                            follow_redirects=False)
        assert wrong.status_code == 403, path
    api = client.post(f"/api/cases/{case_id}/decisions", json={"decision": "confirmed"})
    assert api.status_code == 403
    with sqlite3.connect(fresh_store) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    # and the login form itself
    anonymous = client_for(fresh_store, None)
    anonymous.get("/login")
    assert anonymous.post("/login", data={"username": "boss", "password": PASSWORD}).status_code == 403


def test_a_viewer_reads_but_cannot_decide(fresh_store: Path) -> None:
    case_id, _, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, "look")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and 'id="confirm"' not in page.text
    token = csrf_of(page.text)
    for decision in ("confirmed", "dismissed", "field_check"):
        response = client.post(f"/cases/{case_id}/decide", data={"csrf": token, "decision": decision, "reason": "r"},
                               follow_redirects=False)
        assert response.status_code == 403
    session = client.get("/api/session").json()
    assert session["role"] == "viewer"
    api = client.post(f"/api/cases/{case_id}/decisions", json={"decision": "confirmed"},
                      headers={"X-CSRF-Token": session["csrf"]})
    assert api.status_code == 403
    assert client.get("/export?month=2022-12").status_code == 403
    with sqlite3.connect(fresh_store) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_an_inspector_decides_but_cannot_reopen_or_export(fresh_store: Path) -> None:
    case_id, _, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, "insp")
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    ok = client.post(f"/cases/{case_id}/decide", data={"csrf": token, "decision": "confirmed"}, follow_redirects=False)
    assert ok.status_code == 303
    again = client.post(f"/cases/{case_id}/decide", data={"csrf": token, "decision": "dismissed", "reason": "r"})
    assert again.status_code == 403 and "重新打开" in again.text
    assert client.post(f"/cases/{case_id}/reopen", data={"csrf": token}).status_code == 403
    assert client.get("/export?month=2022-12").status_code == 403
    assert client.get("/audit").status_code == 403
    boss = client_for(fresh_store, "boss")
    token = csrf_of(boss.get(f"/cases/{case_id}").text)
    assert boss.post(f"/cases/{case_id}/reopen", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert boss.get(f"/api/cases/{case_id}").json()["state"] == "pending"


def test_session_cookie_flags_and_tampering(fresh_store: Path) -> None:
    client = client_for(fresh_store, None)
    login = client.get("/login")
    cookie = login.headers["set-cookie"]
    assert login.headers["cache-control"] == "no-store" and login.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    from starlette.testclient import TestClient

    plain = TestClient(create_app(Store.open(fresh_store), cookie_secure=False))
    assert "Secure" not in plain.get("/login").headers["set-cookie"]
    logged_in = client_for(fresh_store, "boss")
    value = logged_in.cookies.get("crosscheck_session")
    assert logged_in.get("/api/cases").status_code == 200
    tampered = client_for(fresh_store, None)
    tampered.cookies.set("crosscheck_session", value[:-3] + ("aaa" if not value.endswith("aaa") else "bbb"))
    assert tampered.get("/api/cases").status_code == 401
    forged = client_for(fresh_store, None)  # a session someone signed with another key
    from itsdangerous import URLSafeTimedSerializer

    forged.cookies.set("crosscheck_session", URLSafeTimedSerializer("guess", salt="crosscheck-session").dumps(
        {"u": "boss", "csrf": "x"}))
    assert forged.get("/api/cases").status_code == 401


def test_wrong_password_is_refused_and_logged(fresh_store: Path) -> None:
    client = client_for(fresh_store, None)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf": token, "username": "boss", "password": "wrong-password"})
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    assert client.get("/api/cases").status_code == 401
    assert ("boss", "login_failed", None) in _audit(fresh_store)


def test_masked_by_default_reveal_is_a_post_and_audited(fresh_store: Path) -> None:
    cases = _case_ids(fresh_store)
    case_id, id_number, name = cases[0]
    client = client_for(fresh_store, "insp")
    listing = client.get("/cases?month=2022-12&rule=deceased").text
    assert not any(number in listing for number, in [(c[1],) for c in cases])
    page = client.get(f"/cases/{case_id}")
    assert id_number not in page.text and name not in page.text and id_number[:6] in page.text
    assert client.get(f"/api/cases/{case_id}").json()["id_number"] != id_number
    assert client.get(f"/cases/{case_id}/reveal").status_code == 405
    assert ("insp", "reveal", case_id) not in _audit(fresh_store)
    revealed = client.post(f"/cases/{case_id}/reveal", data={"csrf": csrf_of(page.text)})
    assert revealed.status_code == 200 and id_number in revealed.text and name in revealed.text
    assert ("insp", "reveal", case_id) in _audit(fresh_store)


def test_decisions_logins_and_exports_are_audited(fresh_store: Path) -> None:
    case_id, _, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, "boss")
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    client.post(f"/cases/{case_id}/decide", data={"csrf": token, "decision": "dismissed", "reason": "已迁出本县"})
    client.post(f"/cases/{case_id}/undo", data={"csrf": token})
    assert client.get("/export?month=2022-12").status_code == 200
    audit = _audit(fresh_store)
    for entry in [("boss", "login", None), ("boss", "decide", case_id), ("boss", "undo", case_id),
                  ("boss", "export", None)]:
        assert entry in audit
    page = client.get("/audit").text
    assert "导出整改台账" in page and "已迁出本县" in page


@pytest.mark.parametrize("path", ["/cases/0000000000000000", "/api/cases/0000000000000000"])
def test_unknown_case(fresh_store: Path, path: str) -> None:
    assert client_for(fresh_store, "look").get(path).status_code == 404


def test_logout_ends_the_session_even_for_a_copied_cookie(fresh_store: Path) -> None:
    client = client_for(fresh_store, "insp")
    stolen = client.cookies.get("crosscheck_session")
    token = csrf_of(client.get("/cases").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    replay = client_for(fresh_store, None)
    replay.cookies.set("crosscheck_session", stolen)
    assert replay.get("/api/cases").status_code == 401
    assert ("insp", "logout", None) in _audit(fresh_store)


def test_a_new_password_or_a_removed_user_ends_their_sessions(fresh_store: Path) -> None:
    from crosscheck.users import add_user, remove_user

    client = client_for(fresh_store, "insp")
    add_user(Store.open(fresh_store), "insp", "inspector", "a-new-password")
    assert client.get("/api/cases").status_code == 401
    boss = client_for(fresh_store, "boss")
    remove_user(Store.open(fresh_store), "boss")
    assert boss.get("/api/cases").status_code == 401


def test_repeated_failed_logins_lock_the_name(fresh_store: Path) -> None:
    client = client_for(fresh_store, None)
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        assert client.post("/login", data={"csrf": token, "username": "boss", "password": "guess"}).status_code == 401
    locked = client.post("/login", data={"csrf": token, "username": "boss", "password": PASSWORD})
    assert locked.status_code == 429 and "次数过多" in locked.text
    assert client_for(fresh_store, "insp").get("/api/cases").status_code == 200  # other names unaffected


_LONG_NUMBER = re.compile(r"(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15}|1\d{10}|\d{16,19})(?![\dA-Za-z])")


def _numbers_in_store(store_path: Path) -> set[str]:
    """Every ID number, bank account and mobile number the store holds, anywhere in a case row."""
    with sqlite3.connect(store_path) as conn:
        rows = conn.execute("SELECT id_number, evidence_key, evidence, explanation FROM cases").fetchall()
    found = {m for row in rows for text in row if text for m in _LONG_NUMBER.findall(text)}
    assert any(len(n) == 18 for n in found) and any(len(n) == 11 for n in found)
    return found


def test_no_full_number_in_any_masked_case_page_or_api_answer(fresh_store: Path) -> None:
    numbers = _numbers_in_store(fresh_store)
    with sqlite3.connect(fresh_store) as conn:
        case_ids = [r[0] for r in conn.execute("SELECT case_id FROM cases ORDER BY case_id")]
    client = client_for(fresh_store, "look")
    answers = [client.get("/api/cases?per_page=1000").text, client.get("/cases").text]
    for case_id in case_ids:
        answers.append(client.get(f"/api/cases/{case_id}").text)
        answers.append(client.get(f"/cases/{case_id}").text)
    leaked = {n for n in numbers for text in answers if n in text}
    assert not leaked


def test_payees_known_by_name_and_phone_numbers_are_masked_in_free_text() -> None:
    from crosscheck.review_display import evidence_value, mask_text

    assert mask_text("account:6221801885930460648;payee:name:林小红;phone:19900000007") == \
        "account:6221 **** 0648;payee:name:林**;phone:199****0007"
    assert evidence_value("tie", "name:何秀英", False, []) == "姓名 何**"
    assert evidence_value("tie", "name:何秀英", True, []) == "姓名 何秀英"
    assert "何秀英" not in mask_text("proxy_collector|name:何秀英|CJ431221-000045")


def test_a_forged_token_with_chinese_characters_is_refused_not_a_server_error(fresh_store: Path) -> None:
    case_id, _, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, "boss")
    form = client.post(f"/cases/{case_id}/decide", data={"csrf": "伪造的令牌", "decision": "confirmed"},
                       follow_redirects=False)
    assert form.status_code == 403
    header = client.post(f"/api/cases/{case_id}/decisions", json={"decision": "confirmed"},
                         headers={"X-CSRF-Token": ("\u00e9" * 43).encode("latin-1")})
    assert header.status_code == 403
    anonymous = client_for(fresh_store, None)
    anonymous.get("/login")
    login = anonymous.post("/login", data={"csrf": "令牌", "username": "boss", "password": PASSWORD})
    assert login.status_code == 403
    with sqlite3.connect(fresh_store) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0


def test_a_link_cannot_put_its_own_message_on_a_page(fresh_store: Path) -> None:
    """A flash message comes from the server, never from the query string (a phishing link could
    otherwise show 系统通知 of its own making inside the trusted page)."""
    case_id, _, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, "insp")
    bait = "系统升级，请将密码发送至管理员邮箱"
    for path in ("/cases", f"/cases/{case_id}"):
        page = client.get(path, params={"msg": bait})
        assert page.status_code == 200 and bait not in page.text, path


def test_linked_household_ties_are_shown_in_chinese_and_masked() -> None:
    from crosscheck.review_display import evidence_value

    ties = "account:6221801885930460648;payee:id:431221197507205634;payee:name:林小红;phone:19900000007;address:老垅村10组63号"
    assert evidence_value("ties", ties, False, []) == \
        "银行账号 6221 **** 0648；代领人 身份证 431221********5634；代领人 林**；联系电话 199****0007；住址 老垅村10组**号"
    assert evidence_value("ties", ties, True, []) == \
        "银行账号 6221801885930460648；代领人 身份证 431221197507205634；代领人 林小红；联系电话 19900000007；住址 老垅村10组63号"
    assert evidence_value("tie", "name:何秀英", False, []) == "姓名 何**"


def test_every_evidence_field_of_a_real_run_has_a_chinese_label(fresh_store: Path) -> None:
    with sqlite3.connect(fresh_store) as conn:
        by_rule = dict(conn.execute("SELECT rule_id, min(case_id) FROM cases GROUP BY rule_id").fetchall())
    client = client_for(fresh_store, "look")
    for rule, case_id in by_rule.items():
        page = client.get(f"/cases/{case_id}").text
        table = page[page.index('id="sides"'):page.index("</table>", page.index('id="sides"'))]
        labels = re.findall(r"<tr><th>([^<]*)</th>", table)
        assert labels and all(re.search(r"[\u4e00-\u9fff]", label) for label in labels), (rule, labels)
        assert not re.search(r"\b(account|payee|phone|address|name):", table), (rule, table)


def test_a_decision_from_a_page_someone_else_has_since_decided_on_is_refused(fresh_store: Path) -> None:
    """Two inspectors on the same queue land on the same next pending case: the second to submit
    must not silently replace the first one's decision it never saw (nor a supervisor's stale page
    overturn a confirmation, nor a stale undo take back someone else's newer decision)."""
    from crosscheck.users import add_user

    case_id, _, _ = _case_ids(fresh_store)[0]
    add_user(Store.open(fresh_store), "insp2", "inspector", PASSWORD)
    first, second, boss = (client_for(fresh_store, u) for u in ("insp", "insp2", "boss"))
    first_page, second_page, boss_page = (c.get(f"/cases/{case_id}").text for c in (first, second, boss))

    def post(client, page, action, **data):
        form = dict(re.findall(r'<input type="hidden" name="(csrf|seen)" value="([^"]*)"', page)) | data
        return client.post(f"/cases/{case_id}/{action}", data=form, follow_redirects=False)

    assert post(first, first_page, "decide", decision="field_check").status_code == 303
    stale = post(second, second_page, "decide", decision="confirmed")
    assert stale.status_code == 409 and "刷新" in stale.text
    assert post(boss, boss_page, "decide", decision="dismissed", reason="同名").status_code == 409
    assert post(boss, boss_page, "undo").status_code == 409
    with sqlite3.connect(fresh_store) as conn:
        assert conn.execute("SELECT user, decision FROM events").fetchall() == [("insp", "field_check")]
    # on a fresh page the same decisions go through
    fresh = second.get(f"/cases/{case_id}").text
    assert post(second, fresh, "decide", decision="confirmed").status_code == 303
    assert post(boss, boss.get(f"/cases/{case_id}").text, "undo").status_code == 303
    # and the API, given the event it saw
    token = first.get("/api/session").json()["csrf"]
    seen = first.get(f"/api/cases/{case_id}").json()["decisions"][0]["event_id"]
    api = first.post(f"/api/cases/{case_id}/decisions", headers={"X-CSRF-Token": token},
                     json={"decision": "confirmed", "seen": seen})
    assert api.status_code == 409


def test_not_found_and_wrong_method_answer_in_chinese(fresh_store: Path) -> None:
    case_id, _, _ = _case_ids(fresh_store)[0]
    client = client_for(fresh_store, "look")
    for method, path, status in [("GET", "/no-such-page", 404), ("GET", f"/cases/{case_id}/reveal", 405),
                                 ("GET", "/api/no-such-thing", 404)]:
        response = client.request(method, path)
        assert response.status_code == status and re.search(r"[\u4e00-\u9fff]", response.text), (path, response.text)
        assert "no-store" in response.headers["cache-control"]


def test_a_crafted_done_link_offers_no_undo_of_someone_else_s_decision(fresh_store: Path) -> None:
    """`?done=` names the case just decided so that `u` undoes it from the next page; a link naming a
    case someone else decided must not turn `u` into an undo of their decision."""
    cases = _case_ids(fresh_store)
    (decided, _, _), (other, _, _) = cases[0], cases[1]
    insp = client_for(fresh_store, "insp")
    token = csrf_of(insp.get(f"/cases/{decided}").text)
    insp.post(f"/cases/{decided}/decide", data={"csrf": token, "decision": "confirmed"})
    boss = client_for(fresh_store, "boss")
    crafted = boss.get(f"/cases/{other}?done={decided}").text
    assert 'id="undo-last-form"' not in crafted and f"/cases/{decided}/undo" not in crafted
    own = insp.get(f"/cases/{other}?done={decided}").text
    assert 'id="undo-last-form"' in own and f"/cases/{decided}/undo" in own
    insp.post(f"/cases/{decided}/undo", data={"csrf": token})
    assert 'id="undo-last-form"' not in insp.get(f"/cases/{other}?done={decided}").text  # nothing left to undo


def test_a_viewer_cannot_reveal_full_ids(fresh_store: Path) -> None:
    client = client_for(fresh_store, "look")
    case_id = client.get("/api/cases?per_page=1").json()["cases"][0]["case_id"]
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and 'id="reveal"' not in page.text
    refused = client.post(f"/cases/{case_id}/reveal", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403
    assert ("look", "reveal", case_id) not in _audit(fresh_store)


def test_password_spraying_from_one_address_is_stopped_and_typed_names_are_not_kept(fresh_store: Path) -> None:
    """Failed logins over many names from one client address lock that address out; a name that is
    no user (it may be a password typed into the wrong field) is not written to the audit log."""
    from crosscheck.users import IP_LOCKOUT_FAILURES

    client = client_for(fresh_store, None)
    for i in range(IP_LOCKOUT_FAILURES):
        token = csrf_of(client.get("/login").text)
        answer = client.post("/login", data={"csrf": token, "username": f"secret-pass-{i}", "password": "x"})
        assert answer.status_code == 401
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"csrf": token, "username": "insp", "password": PASSWORD})
    assert answer.status_code == 429  # even the right password, from this address, for a while
    assert {user for user, action, _ in _audit(fresh_store) if action == "login_failed"} == {"-"}
    assert ("insp", "login_locked", None) in _audit(fresh_store)  # a real user's name is kept
    assert not any("secret-pass" in str(row) for row in _audit(fresh_store))
