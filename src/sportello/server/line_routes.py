"""REST routes of the WhatsApp line (admins only: whoever scans its QR code owns the desk's
number; domain/permissions.py):

- `GET /api/gateway/line` -> `{"ok": true, "line": <line>}`: the line as this node knows
  it (wpp_line.py; `NOT_CONFIGURED` on a node without WPPConnect Server);
- `POST /api/gateway/line/start` (body optional: `{"phone": "<digits>"}` to link with a
  code typed on the phone instead of a QR) -> the same, once WPPConnect answered the
  start: a new session, so a new QR code. Refused with 409 `line_not_configured`,
  `line_not_managed` (no secret key: this server only follows the session) or
  `line_connected` (already linked), 400 `invalid_phone`.
"""

from __future__ import annotations

import re

from aiohttp import web

from sportello.domain.permissions import DeskAction
from sportello.server.access import admin_caller
from sportello.server.responses import ApiError, json_response, read_json
from sportello.server.workers import WORKERS
from sportello.server.wpp_line import LineNotStartable

_PHONE = re.compile(r"[0-9]{8,15}")


async def get_line(request: web.Request) -> web.Response:
    """GET /api/gateway/line (admins): the line's state, QR code included while it waits."""
    await admin_caller(request, DeskAction.CONNECT_WHATSAPP_LINE)
    return json_response({"ok": True, "line": request.app[WORKERS].hub.line_json()})


async def start_line(request: web.Request) -> web.Response:
    """POST /api/gateway/line/start (admins): start the session now, for a fresh QR code."""
    await admin_caller(request, DeskAction.CONNECT_WHATSAPP_LINE)
    line = request.app[WORKERS].line
    phone = await _phone(request)
    if line is None:
        raise ApiError(
            409,
            "line_not_configured",
            "this server has no WPPConnect Server to use (--wppconnect-url)",
        )
    try:
        view = await line.start_now(phone)
    except LineNotStartable as exc:
        raise ApiError(409, exc.code, exc.message) from None
    return json_response({"ok": True, "line": view.to_json()})


async def _phone(request: web.Request) -> str | None:
    if not request.can_read_body:
        return None
    data = await read_json(request)
    phone = data.get("phone") if isinstance(data, dict) else None
    if not isinstance(data, dict) or phone is None:
        return None
    # WPPConnect wants the number as digits only, country code first (no +, no spaces).
    if not isinstance(phone, str) or not _PHONE.fullmatch(phone):
        raise ApiError(
            400, "invalid_phone", "phone: the office number as digits, country code first"
        )
    return phone


def add_line_routes(app: web.Application) -> None:
    app.router.add_get("/api/gateway/line", get_line)
    app.router.add_post("/api/gateway/line/start", start_line)
