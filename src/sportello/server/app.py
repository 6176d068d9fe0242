"""The application factory: one aiohttp app serving HTTP, webhooks and Socket.IO.

Background work (group-commit batcher, event broadcaster, outbox worker, gateway poller
and reconciler) lives in a cleanup context, so it starts with the app and is drained when
the app stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import socketio
from aiohttp import web

from sportello.domain.rules import TicketRules
from sportello.domain.values import Gateway
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestService
from sportello.server import ws_coalescing
from sportello.server.auth import LoginLimiter, TokenAuthenticator
from sportello.server.broadcast import NAMESPACE, EventBroadcaster
from sportello.server.config import ServerConfig
from sportello.server.context import CONTEXT, ServerContext
from sportello.server.db_executor import DbExecutor
from sportello.server.desk_awareness import make_gateway_health
from sportello.server.desk_settings_routes import add_desk_settings_routes
from sportello.server.fast_manager import make_client_manager
from sportello.server.gateways.wppconnect_session import SessionToken
from sportello.server.http_api import add_api_routes
from sportello.server.in_flight import InFlightRequests
from sportello.server.ingest_batcher import IngestBatcher
from sportello.server.line_routes import add_line_routes
from sportello.server.logs import fields
from sportello.server.media_routes import add_media_routes
from sportello.server.operator_routes import add_operator_routes
from sportello.server.read_receipts import ReadReceipts
from sportello.server.realtime import RealtimeHub
from sportello.server.reconcile import reconciler_from_config
from sportello.server.responses import MAX_BODY_BYTES, error_middleware
from sportello.server.revocation import RevocationWatch
from sportello.server.sender import OutboxWorker
from sportello.server.webhooks import add_webhook_routes
from sportello.server.wire_json import SocketJson
from sportello.server.workers import WORKERS, Workers
from sportello.server.wpp_line import line_from_config
from sportello.store.database import Database
from sportello.store.media_storage import MediaStorage

log = logging.getLogger(__name__)


def _default_gateway(config: ServerConfig) -> Gateway:
    if config.wppconnect_url is None and config.meta_phone_number_id is not None:
        return Gateway.META
    return Gateway.WPPCONNECT


def create_app(config: ServerConfig, db: Database, rules: TicketRules) -> web.Application:
    """Build the app; `db` must be migrated already (run.py does it before listening)."""
    requests = InFlightRequests()
    app = web.Application(
        client_max_size=MAX_BODY_BYTES, middlewares=[requests.middleware, error_middleware]
    )
    origins: str | list[str] = "*" if "*" in config.cors_origins else list(config.cors_origins)
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=make_client_manager(config.redis, config.redis_channel),
        cors_allowed_origins=origins,
        json=SocketJson,
        logger=False,
        engineio_logger=False,
        max_http_buffer_size=MAX_BODY_BYTES,
    )
    sio.attach(app)
    if not ws_coalescing.install(sio.eio):
        log.warning("engine.io internals changed: WebSocket writes are not coalesced")
    executor = DbExecutor()
    media = MediaStorage.for_url(db.url)
    ingest = IngestService(db, rules, media)
    ctx = ServerContext(
        config=config,
        db=db,
        rules=rules,
        executor=executor,
        ingest=ingest,
        desk=DeskService(db, default_gateway=_default_gateway(config)),
        batcher=IngestBatcher(ingest, executor),
        auth=TokenAuthenticator(db, executor),
        login_limiter=LoginLimiter(config.login_attempts, config.login_window),
        sio=sio,
        broadcaster=EventBroadcaster(sio),
        media=media,
        requests=requests,
    )
    # The WPPConnect session token: given, or made by the line; every caller shares it.
    token = SessionToken(config.wppconnect_token)
    health = make_gateway_health(sio, ctx.gateway_states)
    line = line_from_config(config, health, token, db, executor)
    receipts = ReadReceipts(config, line)
    hub = RealtimeHub(ctx, health=health, line=line, receipts=receipts)
    sio.register_namespace(hub)
    app[CONTEXT] = ctx
    app[WORKERS] = Workers(
        hub=hub,
        sender=OutboxWorker(ctx, health, token),
        revocations=RevocationWatch(
            ctx, hub, config.token_recheck_interval, hub.authenticated_sessions
        ),
        line=line,
        receipts=receipts,
        reconciler=reconciler_from_config(ctx, health, token=lambda: token.value),
    )
    add_api_routes(app)
    add_operator_routes(app)
    add_desk_settings_routes(app)
    add_media_routes(app)
    add_line_routes(app)
    add_webhook_routes(app)
    app.on_shutdown.append(_stop_accepting)
    app.cleanup_ctx.append(_background_work)
    return app


async def _background_work(app: web.Application) -> AsyncIterator[None]:
    ctx = app[CONTEXT]
    workers = app[WORKERS]
    ctx.media.sweep_spool()
    ctx.executor.set_event_sink(ctx.broadcaster.publish)
    ctx.broadcaster.start()
    ctx.batcher.start()
    workers.sender.start()
    workers.receipts.start()
    if workers.line is not None:
        workers.line.start()  # and its status poller
    workers.revocations.start()
    if workers.reconciler is not None:
        workers.reconciler.start()  # its first round: what came in while we were away
    yield
    # aiohttp has already waited for in-flight requests (webhooks) at this point.
    ctx.begin_drain(ctx.config.drain_timeout)
    if workers.reconciler is not None:
        # Cut short: what a round had not stored yet, the next start reads back again.
        await workers.reconciler.stop()
    await workers.receipts.close()  # before the line: they use its HTTP session
    if workers.line is not None:
        await workers.line.stop()
    await workers.revocations.stop()
    await ctx.batcher.close()
    await workers.sender.stop()
    await ctx.broadcaster.drain()
    workers.hub.close()
    ctx.executor.shutdown()
    ctx.media.close()
    log.info("drained", extra=fields(batches=ctx.batcher.batches, messages=ctx.batcher.messages))


async def _stop_accepting(app: web.Application) -> None:
    """aiohttp's shutdown step: refuse new webhooks, stop engine.io's ping task.

    The sockets are closed before this (run.py), while their connections are still read.
    """
    ctx = app[CONTEXT]
    ctx.begin_drain(ctx.config.drain_timeout)
    await ctx.sio.shutdown()
    # Events already committed still go out to sockets of other nodes via the manager;
    # local clients resume with sync when they reconnect to whichever node is up.


__all__ = ["NAMESPACE", "create_app"]
