"""The review JSON API under /api/, with the same session as the pages (log in through /login).

GET  /api/session                      the user, role and the CSRF token to send as X-CSRF-Token
GET  /api/cases?month=&rule=&town=&program=&severity=&state=&page=&per_page=
GET  /api/cases/{case_id}              one case (personal data masked) with its decisions
GET  /api/decisions?month=&case_id=    the decision log
POST /api/cases/{case_id}/decisions    {"action": "decide"|"undo"|"reopen", "decision", "reason", "note",
                                        "month": the month whose evidence was reviewed (default: the latest),
                                        "seen": the latest event_id read (0: none); refused (409) if
                                        the case has been acted on since}
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crosscheck.masking import mask_id, mask_name
from crosscheck.review_auth import guarded
from crosscheck.review_display import evidence_value, mask_text
from crosscheck.review_log import NotPermitted, ReviewError, decide, reopen, undo
from crosscheck.review_queries import PER_PAGE, CaseFilter, list_cases
from crosscheck.store import Store

_LIST_FIELDS = ("case_id", "month", "rule_id", "severity", "programs", "household_id", "id_number", "name",
                "town", "village", "amount_at_risk", "state", "review_state")


def _masked(case: dict) -> dict:
    out = dict(case)
    out["id_number"] = mask_id(case.get("id_number"))
    out["name"] = mask_name(case["name"]) if case.get("name") else ""
    if "evidence_key" in out:  # it names the evidence record by its ID or account number
        out["evidence_key"] = mask_text(case.get("evidence_key"), [case.get("name")])
    return out


def _store(request: Request) -> Store:
    return request.app.state.store


@guarded("viewer")
async def session_info(request: Request) -> Response:
    return JSONResponse({"user": request.state.user, "role": request.state.role, "csrf": request.state.csrf})


@guarded("viewer")
async def cases(request: Request) -> Response:
    store = _store(request)
    filt = CaseFilter.from_query(request.query_params, store)
    try:
        page = max(int(request.query_params.get("page", "1")), 1)
        per_page = min(max(int(request.query_params.get("per_page", str(PER_PAGE))), 1), 1000)
    except ValueError:
        return JSONResponse({"error": "page 和 per_page 必须是整数"}, status_code=400)
    rows, total = list_cases(store, filt, page=page, per_page=per_page)
    return JSONResponse({"filters": filt.as_dict(), "total": total, "page": page, "per_page": per_page,
                         "cases": [{k: _masked(r).get(k) for k in _LIST_FIELDS} for r in rows]})


@guarded("viewer")
async def one_case(request: Request) -> Response:
    store = _store(request)
    case = store.case(request.path_params["case_id"], request.query_params.get("month") or None)
    if case is None:
        return JSONResponse({"error": "没有这个案件"}, status_code=404)
    names = [case.get("name")]
    evidence = {k: evidence_value(k, v, False, names) for k, v in json.loads(case.get("evidence") or "{}").items()}
    out = _masked(case) | {"evidence": evidence, "explanation": mask_text(case.get("explanation"), names)}
    out["decisions"] = store.history(case["case_id"])
    return JSONResponse(out)


@guarded("viewer")
async def decisions(request: Request) -> Response:
    store = _store(request)
    case_id = request.query_params.get("case_id")
    if case_id:
        return JSONResponse({"decisions": store.history(case_id)})
    return JSONResponse({"decisions": store.events(month=request.query_params.get("month") or None)})


@guarded("inspector")
async def post_decision(request: Request) -> Response:
    store = _store(request)
    case_id = request.path_params["case_id"]
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "请求体必须是 JSON"}, status_code=400)
    if not isinstance(body, dict):
        return JSONResponse({"error": "请求体必须是 JSON 对象"}, status_code=400)
    user, role = request.state.user, request.state.role
    action = body.get("action", "decide")
    seen = body.get("seen")
    if seen is not None and (isinstance(seen, bool) or not isinstance(seen, int)):
        return JSONResponse({"error": "seen 必须是整数（已看到的最新处理记录编号，0 表示尚无记录）"}, status_code=400)
    try:
        if action == "decide":
            event_id = decide(store, case_id, user=user, role=role, decision=str(body.get("decision", "")),
                              reason=str(body.get("reason", "")), note=str(body.get("note", "")),
                              month=str(body.get("month") or "") or None, seen=seen)
        elif action == "undo":
            event_id = undo(store, case_id, user=user, role=role, seen=seen)
        elif action == "reopen":
            event_id = reopen(store, case_id, user=user, role=role, reason=str(body.get("reason", "")), seen=seen)
        else:
            return JSONResponse({"error": f"未知操作 {action}"}, status_code=400)
    except ReviewError as e:
        return JSONResponse({"error": str(e)}, status_code=403 if isinstance(e, NotPermitted) else 409)
    return JSONResponse({"event_id": event_id, "state": store.history(case_id)[-1]["decision"]}, status_code=201)


API_ROUTES = [
    Route("/api/session", session_info, methods=["GET"]),
    Route("/api/cases", cases, methods=["GET"]),
    Route("/api/cases/{case_id}", one_case, methods=["GET"]),
    Route("/api/decisions", decisions, methods=["GET"]),
    Route("/api/cases/{case_id}/decisions", post_decision, methods=["POST"]),
]
