"""Gateway webhooks: authenticate, parse, store (group commit), answer 200 after commit.

Order of checks on every POST: size (413), secret or signature (401), JSON (400), shape
(4xx from the parser, after `ingest/webhook_body` made its text storable). Only then is
anything stored, so bad input changes nothing.

`/webhooks/wppconnect` takes media files (`server/media_webhook.py`), so its size check
comes in three steps around the same order: the announced size (413), the secret (401,
before any byte of a big body is read), the size as the body streams in (413: 1 MiB of
JSON besides the file, the largest media limit for the file), JSON (400), the size for
the message's type (413), shape.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiohttp import web

from sportello.domain.values import Gateway
from sportello.ingest.generic import parse_generic
from sportello.ingest.meta import parse_meta, verify_meta_signature
from sportello.ingest.parsed import ParsedWebhook, WebhookError
from sportello.ingest.service import IngestFailure, IngestResult
from sportello.ingest.webhook_body import Parser, parse_webhook_body
from sportello.ingest.wppconnect import parse_wppconnect
from sportello.server.context import CONTEXT, ServerContext
from sportello.server.ingest_batcher import BatcherClosed
from sportello.server.logs import fields
from sportello.server.media_webhook import (
    check_announced_size,
    media_file_of,
    received_body,
    with_media_file,
)
from sportello.server.realtime import RealtimeHub
from sportello.server.responses import ApiError, decode_json, json_response, read_body
from sportello.server.status_updates import apply_statuses
from sportello.server.workers import WORKERS

log = logging.getLogger(__name__)


def _secret_matches(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _check_token(request: web.Request, ctx: ServerContext, *, query_allowed: bool) -> None:
    expected = ctx.config.webhook_secret
    if not expected:
        log.warning(
            "webhook refused: the server has no --webhook-secret", extra=fields(path=request.path)
        )
        raise ApiError(401, "unauthorized", "webhook secret not configured on the server")
    given = request.headers.get("X-Webhook-Token")
    if given is None and query_allowed:
        given = request.query.get("token")
    if not _secret_matches(given, expected):
        raise ApiError(401, "unauthorized", "missing or wrong webhook token")


def _check_not_draining(ctx: ServerContext) -> None:
    if ctx.draining:
        raise ApiError(
            503,
            "shutting_down",
            "server is shutting down, retry later",
            headers={"Retry-After": "5"},
        )


async def wppconnect_webhook(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    _check_not_draining(ctx)
    check_announced_size(request)
    _check_token(request, ctx, query_allowed=True)
    async with received_body(request, ctx.media) as received:
        body = decode_json(received.head)
        file = await media_file_of(body, received)
        parsed = with_media_file(_parsed(parse_wppconnect, body), file)
        if parsed.is_empty:
            return json_response({"ignored": parsed.ignored or "empty"})
        return await _apply(ctx, request.app[WORKERS].hub, Gateway.WPPCONNECT, parsed)


async def generic_webhook(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    _check_not_draining(ctx)
    raw = await read_body(request)
    _check_token(request, ctx, query_allowed=True)
    return await _handle(ctx, request.app[WORKERS].hub, Gateway.GENERIC, parse_generic, raw)


async def meta_webhook(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    _check_not_draining(ctx)
    return await _meta_webhook(request, ctx)


async def _meta_webhook(request: web.Request, ctx: ServerContext) -> web.Response:
    raw = await read_body(request)
    secret = ctx.config.meta_app_secret
    if not secret:
        log.warning("meta webhook refused: the server has no --meta-app-secret")
        raise ApiError(401, "unauthorized", "Meta app secret not configured on the server")
    if not verify_meta_signature(raw, request.headers.get("X-Hub-Signature-256"), secret):
        raise ApiError(401, "bad_signature", "missing or wrong X-Hub-Signature-256")
    return await _handle(ctx, request.app[WORKERS].hub, Gateway.META, parse_meta, raw)


async def meta_verification(request: web.Request) -> web.Response:
    """Meta's subscription handshake: echo hub.challenge when hub.verify_token matches."""
    ctx = request.app[CONTEXT]
    mode = request.query.get("hub.mode")
    token = request.query.get("hub.verify_token")
    challenge = request.query.get("hub.challenge", "")
    if mode == "subscribe" and _secret_matches(token, ctx.config.meta_verify_token):
        return web.Response(text=challenge, content_type="text/plain")
    return web.Response(status=403, text="verification failed", content_type="text/plain")


async def _handle(
    ctx: ServerContext, hub: RealtimeHub, gateway: Gateway, parse: Parser, raw: bytes
) -> web.Response:
    parsed = _parsed(parse, decode_json(raw))
    if parsed.is_empty:
        return json_response({"ignored": parsed.ignored or "empty"})
    return await _apply(ctx, hub, gateway, parsed)


def _parsed(parse: Parser, body: object) -> ParsedWebhook:
    try:
        return parse_webhook_body(parse, body)
    except WebhookError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


async def _apply(
    ctx: ServerContext, hub: RealtimeHub, gateway: Gateway, parsed: ParsedWebhook
) -> web.Response:
    answer: dict[str, Any] = {"ok": True}
    if parsed.messages:
        try:
            outcomes = await ctx.batcher.ingest(parsed.messages)
        except BatcherClosed:
            raise ApiError(
                503,
                "shutting_down",
                "server is shutting down, retry later",
                headers={"Retry-After": "5"},
            ) from None
        failures = [o for o in outcomes if isinstance(o, IngestFailure)]
        stored = [o for o in outcomes if isinstance(o, IngestResult)]
        answer["messages"] = [{"id": str(o.message_id), "created": o.created} for o in stored]
        if failures:
            # The database refused these (the parser let something through it should not
            # have); the other messages are stored, so a retry is harmless.
            raise ApiError(
                422,
                "message_refused",
                "; ".join(f"{f.gateway_message_id}: {f.error}" for f in failures)[:500],
            )
    if parsed.statuses:
        answer["statuses"] = await apply_statuses(ctx.executor, ctx.ingest, parsed.statuses)
    for presence in parsed.presences:
        await hub.customer_presence(presence)
    for state in parsed.states:
        key = f"{state.gateway.value}:{state.account or ''}"
        ctx.gateway_states[key] = state
        await hub.gateway_state(state)
        log.info(
            "gateway state",
            extra=fields(gateway=state.gateway.value, account=state.account, state=state.state),
        )
    if parsed.refused:
        # The rest of the body is stored; only these are refused (a retry is harmless).
        log.warning(
            "webhook items refused",
            extra=fields(gateway=gateway.value, refused=list(parsed.refused)),
        )
        raise ApiError(422, "invalid_text", "; ".join(parsed.refused)[:500])
    return json_response(answer)


def add_webhook_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/wppconnect", wppconnect_webhook)
    app.router.add_post("/webhooks/generic", generic_webhook)
    app.router.add_post("/webhooks/meta", meta_webhook)
    app.router.add_get("/webhooks/meta", meta_verification)
