"""REST routes of operators: who am I, the colleague list, and (admins) managing access.

The same actions as `sportello operator add/deactivate` and `sportello token revoke`, for
an admin console; who may call which is `sportello.domain.permissions`. Access withdrawn
here ends the operator's sockets on this node at once (other nodes at their re-check).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sportello.domain.permissions import DeskAction, role_of
from sportello.domain.values import Role
from sportello.server.access import admin_caller, caller, require
from sportello.server.auth import OperatorInfo
from sportello.server.context import CONTEXT
from sportello.server.responses import ApiError, json_response, read_json
from sportello.server.workers import WORKERS
from sportello.store.models import Operator
from sportello.store.operators import (
    OperatorExists,
    Withdrawn,
    create_operator,
    deactivate_operator,
    display_name_problem,
    get_operator,
    list_operators,
    name_problem,
    password_problem,
    revoke_operator_tokens,
)


def operator_json(operator: Operator) -> dict[str, Any]:
    return {
        "id": str(operator.id),
        "name": operator.name,
        "displayName": operator.display_name,
        "role": operator.role.value,
        "active": operator.active,
    }


async def operators(request: web.Request) -> web.Response:
    """GET /api/operators: active operators (assignee pickers); `?all=true` (admins) all."""
    operator = await caller(request)
    everyone = request.query.get("all", "").lower() in ("1", "true", "yes")
    if everyone:
        require(operator, DeskAction.LIST_ALL_OPERATORS)
    ctx = request.app[CONTEXT]

    def query() -> dict[str, Any]:
        with ctx.db.read_session() as session:
            rows = list_operators(session)
            return {"operators": [operator_json(op) for op in rows if everyone or op.active]}

    return json_response(await ctx.executor.read(query))


async def me(request: web.Request) -> web.Response:
    """GET /api/operators/me: the caller, with the role that decides what it may do."""
    operator = await caller(request)
    return json_response(
        {
            "id": str(operator.id),
            "name": operator.name,
            "displayName": operator.display_name,
            "role": operator.role.value,
        }
    )


async def create(request: web.Request) -> web.Response:
    """POST /api/operators {name, password, role?, displayName?} (admins): 201 {operator}."""
    await admin_caller(request, DeskAction.CREATE_OPERATOR)
    ctx = request.app[CONTEXT]
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", "expected {name, password, role?, displayName?}")
    name, password = data.get("name"), data.get("password")
    display_name, raw_role = data.get("displayName"), data.get("role", Role.OPERATOR.value)
    if not isinstance(name, str) or not isinstance(password, str):
        raise ApiError(400, "invalid_body", "name and password must be strings")
    if display_name is not None and not isinstance(display_name, str):
        raise ApiError(400, "invalid_body", "displayName must be a string")
    if raw_role not in (Role.ADMIN.value, Role.OPERATOR.value):
        raise ApiError(400, "invalid_role", "role must be admin or operator")
    problem = name_problem(name) or display_name_problem(display_name or "")
    if problem is not None:
        raise ApiError(400, "invalid_name", problem)
    problem = password_problem(password)
    if problem is not None:
        raise ApiError(400, "invalid_password", problem)
    role = role_of(raw_role)

    def write() -> dict[str, Any]:
        with ctx.db.session() as session:
            made = create_operator(session, name, role, password, display_name=display_name)
            session.commit()
            return operator_json(made)

    try:
        made = await ctx.executor.write(write)
    except OperatorExists as exc:
        raise ApiError(409, "operator_exists", str(exc)) from None
    return json_response({"operator": made}, status=201)


async def deactivate(request: web.Request) -> web.Response:
    """POST /api/operators/{id}/deactivate (admins): its tokens stop, its sockets end."""
    admin = await admin_caller(request, DeskAction.DEACTIVATE_OPERATOR)
    ctx = request.app[CONTEXT]
    target = await _target(request)
    if target.id == admin.id:
        # The console's own admin locking themselves out leaves the desk without one;
        # `sportello operator deactivate` on the server's machine can still do it.
        raise ApiError(
            409,
            "cannot_deactivate_self",
            "an administrator cannot deactivate their own account here",
        )

    def write() -> tuple[bool, dict[str, Any]]:
        with ctx.db.session() as session:
            changed = deactivate_operator(session, target.name)
            session.commit()
            found = get_operator(session, target.id)
            assert found is not None
            return changed, operator_json(found)

    changed, body = await ctx.executor.write(write)
    ended = await request.app[WORKERS].revocations.end_operator(
        target.id, Withdrawn.OPERATOR_DEACTIVATED
    )
    return json_response({"ok": True, "changed": changed, "operator": body, "endedSockets": ended})


async def revoke_tokens(request: web.Request) -> web.Response:
    """POST /api/operators/{id}/revoke-tokens: every token of one operator.

    Anyone for themselves ("sign me out everywhere"); admins for anyone.
    """
    operator = await caller(request)
    ctx = request.app[CONTEXT]
    target = await _target(request)
    if target.id != operator.id:
        require(operator, DeskAction.REVOKE_OTHERS_ACCESS)

    def write() -> int:
        with ctx.db.session() as session:
            count = revoke_operator_tokens(session, target.name)
            session.commit()
            return count

    revoked = await ctx.executor.write(write)
    ended = await request.app[WORKERS].revocations.end_operator(target.id, Withdrawn.TOKEN_REVOKED)
    return json_response({"ok": True, "revoked": revoked, "endedSockets": ended})


async def _target(request: web.Request) -> OperatorInfo:
    """The operator named by the `{operator_id}` of the path, else 404."""
    ctx = request.app[CONTEXT]
    raw_id = request.match_info["operator_id"]
    if not raw_id.isdigit() or len(raw_id) > 18:
        raise ApiError(404, "not_found", f"no operator with id {raw_id!r:.40}")
    operator_id = int(raw_id)

    def query() -> OperatorInfo | None:
        with ctx.db.read_session() as session:
            found = get_operator(session, operator_id)
            return None if found is None else OperatorInfo.of(found)

    found = await ctx.executor.read(query)
    if found is None:
        raise ApiError(404, "not_found", f"no operator with id {operator_id}")
    return found


def add_operator_routes(app: web.Application) -> None:
    app.router.add_get("/api/operators", operators)
    app.router.add_post("/api/operators", create)
    app.router.add_get("/api/operators/me", me)
    app.router.add_post(r"/api/operators/{operator_id}/deactivate", deactivate)
    app.router.add_post(r"/api/operators/{operator_id}/revoke-tokens", revoke_tokens)
