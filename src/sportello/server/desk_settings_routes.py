"""REST routes of desk-wide settings: the ticket rules and the gateway settings.

Reading the rules is for everyone (an operator may ask why a ticket is URGENT); changing
them and seeing how the gateways are reached is for admins (domain/permissions.py).

The rules live where the server was told to read them, the `--rules` file: `PUT` checks
the text exactly as `sportello rules check` does, rewrites that file (atomically, same
permissions) and applies it to every message this node ingests from then on. A server
started without `--rules` runs the built-in rules and cannot change them here (409).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from sportello.domain.permissions import DeskAction
from sportello.domain.rules import RulesError, TicketRules
from sportello.server.access import admin_caller, caller
from sportello.server.context import CONTEXT, ServerContext
from sportello.server.responses import ApiError, json_response, read_json

# Two admins saving at once: the file and the rules in use end up from the same request.
_RULES_LOCK = web.AppKey("rules_lock", asyncio.Lock)


def _rules_json(ctx: ServerContext) -> dict[str, Any]:
    return {
        "source": ctx.rules.source,
        "editable": ctx.config.rules is not None,
        "text": ctx.rules.text,
        "summary": ctx.rules.describe(),
    }


async def get_rules(request: web.Request) -> web.Response:
    """GET /api/rules: the rules in use, their TOML text and a readable summary."""
    await caller(request)
    return json_response(_rules_json(request.app[CONTEXT]))


async def put_rules(request: web.Request) -> web.Response:
    """PUT /api/rules {text} (admins): check, save to the --rules file, apply."""
    await admin_caller(request, DeskAction.CHANGE_RULES)
    ctx = request.app[CONTEXT]
    data = await read_json(request)
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise ApiError(400, "invalid_body", "expected {text: <TOML rules>}")
    path = ctx.config.rules
    if path is None:
        raise ApiError(
            409,
            "rules_not_editable",
            "this server runs the built-in rules: start it with --rules FILE to change them here",
        )
    try:
        rules = TicketRules.from_toml(text, source=path)
    except RulesError as exc:
        raise ApiError(400, "invalid_rules", str(exc)) from None
    async with request.app[_RULES_LOCK]:
        try:
            await asyncio.to_thread(_replace_file, Path(path), text)
        except OSError as exc:
            raise ApiError(
                500,
                "rules_not_saved",
                f"{path}: cannot write the rules file: {exc.strerror or exc}",
            ) from None
        ctx.rules = rules
        ctx.ingest.replace_rules(rules)
    return json_response(_rules_json(ctx))


def _replace_file(path: Path, text: str) -> None:
    """Write beside, then rename over: a crash leaves the old file or the new, never half."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


async def gateway_settings(request: web.Request) -> web.Response:
    """GET /api/settings/gateways (admins): how this node reaches the gateways; no secrets."""
    await admin_caller(request, DeskAction.VIEW_GATEWAY_SETTINGS)
    config = request.app[CONTEXT].config
    wppconnect = None
    if config.wppconnect_url is not None:
        wppconnect = {
            "url": config.wppconnect_url,
            "session": config.wppconnect_session or "default",
            "tokenSet": bool(config.wppconnect_token),
            "secretKeySet": bool(config.wppconnect_secret_key),
            "publicUrl": config.public_url,
            "pollIntervalSeconds": config.gateway_poll_interval,
            "sendSeen": not config.no_send_seen,
        }
    meta = None
    if config.meta_phone_number_id is not None or config.meta_access_token:
        meta = {
            "phoneNumberId": config.meta_phone_number_id,
            "graphUrl": config.meta_graph_url,
            "accessTokenSet": bool(config.meta_access_token),
        }
    return json_response(
        {
            "webhooks": {
                "secretSet": bool(config.webhook_secret),
                "metaAppSecretSet": bool(config.meta_app_secret),
                "metaVerifyTokenSet": bool(config.meta_verify_token),
            },
            "wppconnect": wppconnect,
            "meta": meta,
            "assigneeOnlyReplies": config.assignee_only_replies,
            "sendMaxAttempts": config.send_max_attempts,
        }
    )


def add_desk_settings_routes(app: web.Application) -> None:
    app[_RULES_LOCK] = asyncio.Lock()
    app.router.add_get("/api/rules", get_rules)
    app.router.add_put("/api/rules", put_rules)
    app.router.add_get("/api/settings/gateways", gateway_settings)
