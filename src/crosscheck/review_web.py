"""The inspectors' review pages (server-rendered, Chinese): log in, filter a month's cases, open a
case, decide it, undo, reopen, reveal full personal data (audited) and export the 整改台账.

Every route except the login page is wrapped in review_auth.guarded; `create_app` refuses to build
an app with a route that is not, so a new route cannot be left open by mistake.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from crosscheck.masking import mask_id, mask_name
from crosscheck.review_auth import csrf_ok, guarded, new_session, read_session, set_session
from crosscheck.review_display import SOURCE_KINDS, group_drawing, is_graph_rule, mask_text, side_by_side
from crosscheck.review_log import NotPermitted, ReviewError, decide, reopen, undo
from crosscheck.review_queries import PER_PAGE, CaseFilter, all_cases, choices, list_cases, neighbours, run_labels
from crosscheck.store import ROLES, STATES, Store
from crosscheck.users import (LOCKOUT_MINUTES, address_locked_out, close_session, locked_out, open_session, user_role,
                              verify_login)

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "review_templates"),
                        autoescape=select_autoescape(["html"]))
SEVERITIES = {"hold": "暂停发放", "review": "核实"}
ACTIONS = {"decide": "作出结论", "undo": "撤销", "reopen": "重新打开", "evidence_changed": "证据变化，重新核查",
           "login": "登录", "login_failed": "登录失败", "login_locked": "登录被锁定", "logout": "退出", "reveal": "显示完整信息",
           "export": "导出整改台账", "user_saved": "保存用户", "user_removed": "删除用户"}
UNGUARDED = {"/login"}


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    state = request.state
    user = getattr(state, "user", None)
    role = getattr(state, "role", None)
    html = TEMPLATES.get_template(name).render(
        user=user, role=role, role_label=ROLES.get(role or "", ""), csrf=getattr(state, "csrf", ""),
        states=STATES, severities=SEVERITIES, actions=ACTIONS, **context)
    return HTMLResponse(html, status_code=status)


def _store(request: Request) -> Store:
    return request.app.state.store


async def login_page(request: Request) -> Response:
    session = read_session(request)
    if session is None or session.sid is not None:
        session = new_session(None)
    request.state.csrf = session.csrf
    return set_session(request, render(request, "login.html"), session)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    session = read_session(request)
    if not csrf_ok(session, form.get("csrf")):
        request.state.csrf = (session or new_session(None)).csrf
        return render(request, "login.html", 403, message="页面已过期，请重新登录", error=True)
    name, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    store = _store(request)
    request.state.csrf = session.csrf
    address = request.client.host if request.client else "-"
    if (name and locked_out(store, name)) or address_locked_out(store, address):
        store.audit(name if user_role(store, name) else "-", "login_locked", detail=f"from {address}")
        return render(request, "login.html", 429, message=f"登录失败次数过多，请{LOCKOUT_MINUTES}分钟后再试", error=True)
    if not name or verify_login(store, name, password) is None:
        # an unknown name is not kept: it may be a password typed into the wrong field
        store.audit(name if user_role(store, name) else "-", "login_failed", detail=f"from {address}")
        return render(request, "login.html", 401, message="用户名或密码错误", error=True)
    store.audit(name, "login")
    # a fresh session (and CSRF token) at login, so a token seen before login is worthless after it
    return set_session(request, RedirectResponse("/cases", status_code=303), new_session(open_session(store, name)))


@guarded("viewer")
async def logout(request: Request) -> Response:
    _store(request).audit(request.state.user, "logout")
    close_session(_store(request), request.state.sid)
    return set_session(request, RedirectResponse("/login", status_code=303), None)


@guarded("viewer")
async def home(request: Request) -> Response:
    return RedirectResponse("/cases", status_code=303)


def _list_row(row: dict, labels: dict[str, str]) -> dict:
    row["masked_name"] = mask_name(row["name"]) if row.get("name") else ""
    row["masked_id"] = mask_id(row.get("id_number"))
    row["program_labels"] = "、".join(labels.get(p, p) for p in (row.get("programs") or "").split(",") if p)
    return row


@guarded("viewer")
async def case_list(request: Request) -> Response:
    store = _store(request)
    filt = CaseFilter.from_query(request.query_params, store)
    try:
        page = max(int(request.query_params.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows, total = list_cases(store, filt, page=page)
    names = run_labels(store, filt.month)
    first_pending = next((c["case_id"] for c in all_cases(store, filt) if c["state"] == "pending"), None)
    return render(request, "cases.html", filt=filt, months=store.months(), choices=choices(store, filt.month),
                  rows=[_list_row(r, names["labels"]) for r in rows], total=total, page=page,
                  pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), first_pending=first_pending, **names)


def _case_page(request: Request, case_id: str, *, filt: CaseFilter | None = None, revealed: bool = False,
               message: str | None = None, error: bool = False, status: int = 200) -> Response:
    store = _store(request)
    filt = filt or CaseFilter.from_query(request.query_params, store)
    case = store.case(case_id, filt.month or None) or store.case(case_id)
    if case is None:
        return render(request, "base.html", 404, message="没有这个案件", error=True)
    names = run_labels(store, case["month"])
    done = store.case(request.query_params.get("done", "")) if request.query_params.get("done") else None
    done_history = store.history(done["case_id"]) if done else []
    if not done_history or done_history[-1]["user"] != request.state.user or done_history[-1]["action"] != "decide":
        done = None  # only the user's own latest decision: a crafted ?done= must not arm `u` against another's
    if done is not None and message is None:
        message = f"上一案件（{done['case_id']}）已记录为“{STATES[done['state']]}”"
    history = store.history(case_id)
    explanation = case.get("explanation") or ""
    if not revealed:
        explanation = mask_text(explanation, [case.get("name")])
    return render(request, "case.html", status, filt=filt, case=case, revealed=revealed,
                  sides=side_by_side(case, reveal=revealed, labels=names["labels"]),
                  explanation=explanation, graph=is_graph_rule(case["rule_id"]), drawing=group_drawing(store, case),
                  source_label=SOURCE_KINDS.get(case.get("source_kind") or "", case.get("source_kind") or ""),
                  nav=neighbours(store, filt, case_id), history=history, seen=_latest_event(history), done=done,
                  done_seen=_latest_event(done_history),
                  message=message, error=error, **names)


@guarded("viewer")
async def case_page(request: Request) -> Response:
    return _case_page(request, request.path_params["case_id"])


@guarded("inspector")  # a full ID and name only for those who decide (PIPL: the least access needed)
async def reveal(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    store = _store(request)
    if store.case(case_id) is None:
        return render(request, "base.html", 404, message="没有这个案件", error=True)
    store.audit(request.state.user, "reveal", case_id, "显示完整身份证号码和姓名")
    return _case_page(request, case_id, revealed=True)


async def _act(request: Request, action) -> Response:
    """Run a decision action; on success go to the next pending case of the queue."""
    case_id = request.path_params["case_id"]
    form = await request.form()
    back = str(form.get("back", ""))
    store = _store(request)
    filt = CaseFilter.from_query(dict(parse_qsl(back)), store)
    back = filt.query()
    try:
        action(store, case_id, form, filt.month)  # the queue's month: the evidence the page showed
    except ReviewError as e:
        status = 403 if isinstance(e, NotPermitted) else 409
        return _case_page(request, case_id, filt=filt, message=str(e), error=True, status=status)
    nav = neighbours(store, filt, case_id)
    if form.get("decision") and nav["next_pending"] and nav["next_pending"] != case_id:
        # on to the next pending case, naming the one just decided so that `u` can undo it from there
        done = urlencode({"done": case_id})
        return RedirectResponse(f"/cases/{nav['next_pending']}?{back}{'&' if back else ''}{done}", status_code=303)
    return RedirectResponse(f"/cases/{case_id}?{back}", status_code=303)


def _seen(form) -> int | None:
    """The latest event id the page showed (hidden field `seen`), None when the form has none."""
    try:
        return int(str(form.get("seen", "")))
    except ValueError:
        return None


def _latest_event(history: list[dict]) -> int:
    return history[-1]["event_id"] if history else 0


@guarded("inspector")
async def decide_route(request: Request) -> Response:
    user, role = request.state.user, request.state.role
    return await _act(request, lambda store, cid, form, month: decide(
        store, cid, user=user, role=role, decision=str(form.get("decision", "")),
        reason=str(form.get("reason", "")), note=str(form.get("note", "")), month=month, seen=_seen(form)))


@guarded("inspector")
async def undo_route(request: Request) -> Response:
    user, role = request.state.user, request.state.role
    return await _act(request, lambda store, cid, form, month: undo(store, cid, user=user, role=role,
                                                                     seen=_seen(form)))


@guarded("supervisor")
async def reopen_route(request: Request) -> Response:
    user, role = request.state.user, request.state.role
    return await _act(request, lambda store, cid, form, month: reopen(store, cid, user=user, role=role,
                                                                      reason=str(form.get("reason", "")),
                                                                      seen=_seen(form)))


@guarded("supervisor")
async def audit_page(request: Request) -> Response:
    return render(request, "audit.html", rows=_store(request).audit_log())


class SecurityHeaders:
    """Headers on every response: no framing, no caching of personal data, no outside resources."""

    HEADERS = [
        (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                                     b"img-src 'self'; connect-src 'self'; form-action 'self'; "
                                     b"frame-ancestors 'none'; base-uri 'none'"),
        (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store"),
    ]

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


_HTTP_ERRORS = {404: "页面不存在", 405: "不支持该请求方式"}


async def _http_error(request: Request, exc) -> Response:
    """Starlette's own 404 and 405 (unknown paths, GET on a POST route), in Chinese."""
    message = _HTTP_ERRORS.get(exc.status_code, "请求无效")
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(message, status_code=exc.status_code, headers=exc.headers)


def create_app(store: Store, *, cookie_secure: bool = True) -> Starlette:
    """The review app on a case store."""
    from crosscheck.review_api import API_ROUTES
    from crosscheck.review_export import export_route

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home, methods=["GET"]),
        Route("/cases", case_list, methods=["GET"]),
        Route("/cases/{case_id}", case_page, methods=["GET"]),
        Route("/cases/{case_id}/reveal", reveal, methods=["POST"]),
        Route("/cases/{case_id}/decide", decide_route, methods=["POST"]),
        Route("/cases/{case_id}/undo", undo_route, methods=["POST"]),
        Route("/cases/{case_id}/reopen", reopen_route, methods=["POST"]),
        Route("/audit", audit_page, methods=["GET"]),
        Route("/export", export_route, methods=["GET"]),
        *API_ROUTES,
    ]
    for route in routes:
        if route.path not in UNGUARDED and not hasattr(route.endpoint, "guarded_role"):
            raise RuntimeError(f"route {route.path} is not guarded")
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: _http_error, 405: _http_error})
    app.state.store = store
    app.state.secret_key = store.secret_key()
    app.state.cookie_secure = cookie_secure
    return app
