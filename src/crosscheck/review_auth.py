"""Sessions, CSRF and roles for the review server.

The session lives in one signed cookie (itsdangerous, key kept in the store's meta table):
HttpOnly, SameSite=Strict, Secure unless the server runs plain http on an intranet. It holds a
session id and a per-session CSRF token; the user and role are read from the store's sessions
table on every request, so logging out, a new password or a removed user ends the session at
once, and a changed role takes effect at once. Every route but the login page is wrapped in `guarded`, which
refuses anonymous requests (pages: redirect to /login; /api/: 401), checks the role, and checks
the CSRF token (form field `csrf` or header X-CSRF-Token) on every POST.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from crosscheck.users import session_user

COOKIE = "crosscheck_session"
MAX_AGE = 12 * 3600
RANK = {"viewer": 0, "inspector": 1, "supervisor": 2}
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Session:
    sid: str | None  # None before login: the session only carries the login form's CSRF token
    csrf: str


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.secret_key, salt="crosscheck-session")


def read_session(request: Request) -> Session | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
        return None
    sid = data.get("sid")
    return Session(sid=sid if isinstance(sid, str) else None, csrf=data["csrf"])


def new_session(sid: str | None) -> Session:
    return Session(sid=sid, csrf=secrets.token_urlsafe(32))


def set_session(request: Request, response: Response, session: Session | None) -> Response:
    """Write the session cookie (or clear it with None)."""
    secure = request.app.state.cookie_secure
    if session is None:
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure)
        return response
    value = _serializer(request).dumps({"sid": session.sid, "csrf": session.csrf})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="strict", secure=secure)
    return response


def csrf_ok(session: Session | None, token: object) -> bool:
    # compared as bytes: compare_digest raises TypeError on a str with non-ASCII characters
    return session is not None and isinstance(token, str) and hmac.compare_digest(
        token.encode("utf-8", "surrogatepass"), session.csrf.encode("utf-8"))


def _refuse(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    if status == 401:
        return RedirectResponse("/login", status_code=303)
    return PlainTextResponse(message, status_code=status)


def guarded(role: str = "viewer") -> Callable[[Handler], Handler]:
    """Wrap a route: a logged-in user of at least `role`, and a valid CSRF token on POST."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            session = read_session(request)
            live = session_user(request.app.state.store, session.sid) if session and session.sid else None
            if live is None:
                return _refuse(request, 401, "请先登录")
            user, current = live
            if request.method not in ("GET", "HEAD"):
                token = request.headers.get("x-csrf-token")
                if token is None and "form" in request.headers.get("content-type", ""):
                    token = (await request.form()).get("csrf")
                if not csrf_ok(session, token):
                    return _refuse(request, 403, "请求无效（CSRF校验失败），请刷新页面后重试")
            if RANK[current] < RANK[role]:
                return _refuse(request, 403, "当前账号无权执行此操作")
            request.state.user, request.state.role = user, current
            request.state.csrf, request.state.sid = session.csrf, session.sid
            return await handler(request)

        endpoint.guarded_role = role  # type: ignore[attr-defined]
        return endpoint

    return wrap
