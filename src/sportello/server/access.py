"""Who is asking, and may they: the bearer check of every REST route and the role check
of admin-only actions on REST (401/403). Socket.IO commands ask
`sportello.domain.permissions.refusal` directly and ack its reason as `forbidden`.

What is admin-only is decided in `sportello.domain.permissions`; this module only applies
that table to a request.
"""

from __future__ import annotations

from aiohttp import web

from sportello.domain.permissions import DeskAction, refusal
from sportello.server.auth import OperatorInfo, bearer_token
from sportello.server.context import CONTEXT
from sportello.server.responses import ApiError

FORBIDDEN = "forbidden"


async def caller(request: web.Request) -> OperatorInfo:
    """The operator of the request's bearer token, else 401."""
    ctx = request.app[CONTEXT]
    token = bearer_token(request.headers.get("Authorization"))
    operator = await ctx.auth.operator_for_token(token) if token else None
    if operator is None:
        raise ApiError(
            401,
            "unauthorized",
            "missing or invalid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return operator


def require(operator: OperatorInfo, action: DeskAction) -> None:
    """403 `forbidden` unless the operator's role allows the action."""
    reason = refusal(operator.role, action)
    if reason is not None:
        raise ApiError(403, FORBIDDEN, reason)


async def admin_caller(request: web.Request, action: DeskAction) -> OperatorInfo:
    """The request's operator when allowed to take `action`: 401, then 403 otherwise."""
    operator = await caller(request)
    require(operator, action)
    return operator
