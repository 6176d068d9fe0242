"""`sportello server`: open the database, listen, serve until SIGTERM/SIGINT, drain, exit.

Start-up failures (bad rules file, unreachable or unmigratable database, unreachable
Redis, port in use) print ONE line on stderr and return exit code 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from sportello import __version__
from sportello.server.config import EXIT_USAGE, ServerConfig
from sportello.server.logs import configure_logging, fields
from sportello.system.listen_check import cannot_listen_reason

if TYPE_CHECKING:
    from sportello.server.context import ServerContext

log = logging.getLogger("sportello.server")


class StartupError(Exception):
    """Why the server cannot start, in one line."""


def _fail(message: str) -> int:
    print(f"sportello server: error: {message}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def run_server(config: ServerConfig) -> int:
    """Run until a stop signal; 0 after a clean drain, 2 when it cannot start."""
    configure_logging(config.log_format, config.log_level)
    try:
        return asyncio.run(_serve(config))
    except StartupError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 0


def _load_rules(path: str | None):  # type: ignore[no-untyped-def]
    from sportello.domain.rules import RulesError, TicketRules

    if path is None:
        return TicketRules.default()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StartupError(f"{path}: cannot read rules file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise StartupError(f"{path}: rules file is not UTF-8: {exc.reason}") from None
    try:
        return TicketRules.from_toml(text, source=path)
    except RulesError as exc:
        raise StartupError(str(exc)) from None


def _open_database(url: str | None):  # type: ignore[no-untyped-def]
    from sportello.store.database import Database, DatabaseUnavailable, default_sqlite_url

    try:
        db = Database(url or default_sqlite_url())
        db.ensure_reachable()
        db.upgrade()
    except DatabaseUnavailable as exc:
        raise StartupError(str(exc)) from None
    from sqlalchemy.exc import SQLAlchemyError

    from sportello.server.search_index import ensure_search_indexes

    try:
        ensure_search_indexes(db)
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StartupError(f"cannot create the search indexes: {first}") from None
    return db


def _warn_about_missing_secrets(config: ServerConfig) -> None:
    """Said once at start: without its secret a gateway's every webhook is refused (401)."""
    if not config.webhook_secret:
        log.warning(
            "no webhook secret: every WPPConnect and generic webhook will be refused (401); "
            "set SPORTELLO_WEBHOOK_SECRET (or --webhook-secret)"
        )
    meta_in_use = config.meta_phone_number_id or config.meta_access_token
    if meta_in_use and not config.meta_app_secret:
        log.warning(
            "no Meta app secret: every Cloud API webhook will be refused (401); "
            "set SPORTELLO_META_APP_SECRET (or --meta-app-secret)"
        )


async def _check_redis(url: str) -> None:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    try:
        client = aioredis.Redis.from_url(url, socket_connect_timeout=5)
    except ValueError as exc:
        raise StartupError(f"invalid Redis URL: {exc}") from None
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        raise StartupError(f"cannot reach Redis: {' '.join(str(exc).split())}") from None
    finally:
        await client.aclose()


async def _serve(config: ServerConfig) -> int:
    from sportello.server.app import create_app
    from sportello.server.context import CONTEXT

    rules = _load_rules(config.rules)
    # Before the database: a port that is taken must not leave a new database behind.
    reason = cannot_listen_reason(config.host, config.port)
    if reason is not None:
        raise StartupError(f"cannot listen on {config.host}:{config.port}: {reason}")
    _warn_about_missing_secrets(config)
    loop = asyncio.get_running_loop()
    db = await loop.run_in_executor(None, _open_database, config.db)
    try:
        if config.redis:
            await _check_redis(config.redis)
        app = create_app(config, db, rules)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=_STRAGGLER_GRACE
        )
        await runner.setup()
        site = web.TCPSite(runner, config.host, config.port, backlog=1024)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            reason = exc.strerror or str(exc)
            raise StartupError(f"cannot listen on {config.host}:{config.port}: {reason}") from None
        port = _bound_port(site) or config.port
        log.info(
            "listening",
            extra=fields(
                host=config.host,
                port=port,
                version=__version__,
                redis=bool(config.redis),
                db=db.url.render_as_string(hide_password=True),
            ),
        )
        stop, hurry = asyncio.Event(), asyncio.Event()

        def on_signal() -> None:
            if stop.is_set() and not hurry.is_set():
                log.warning("second stop signal: cutting the drain short")
                app[CONTEXT].cut_drain_short()  # the outbox worker's wait too
                hurry.set()
            stop.set()

        # Kept until the end: a second SIGTERM during the drain shortens it, never kills.
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal)
        await stop.wait()
        log.info(
            "stopping: draining in-flight work", extra=fields(drain_timeout=config.drain_timeout)
        )
        await _drain(runner, app, config.drain_timeout, hurry)
        await runner.cleanup()
        log.info("stopped")
        return 0
    finally:
        db.dispose()


# aiohttp's shutdown_timeout: what is still running once our own drain is over (past the
# deadline, or cut short by a second signal) gets this long, twice (wait, then cancel).
_STRAGGLER_GRACE = 0.2
# Kept out of the drain's waits so the whole process is gone within --drain-timeout:
# aiohttp's grace twice, the background work's last flush and the interpreter's own exit
# (0.5 to 1 s on a busy 2-core machine). Never more than a third of a short timeout.
_EXIT_RESERVE = 1.5


async def _drain(
    runner: web.AppRunner, app: web.Application, timeout: float, hurry: asyncio.Event
) -> None:
    """Stop listening, refuse new webhooks, close the sockets, let requests complete.

    All of it before aiohttp's own shutdown (runner.cleanup), which first stops reading
    every connection (bytes arriving afterwards are dropped) and then waits for each
    handler: a webhook whose body is on its way would be cut off, and a WebSocket never
    ends (its client's close frame is dropped; engine.io swallows the cancellation and
    waits for that frame again), so one idle console made a 15 s drain take 32 s.
    """
    from sportello.server.context import CONTEXT

    ctx = app[CONTEXT]
    ctx.begin_drain(timeout)
    for site in list(runner.sites):
        await site.stop()
    # The clients get engine.io's close packet ("io server disconnect"), answer with a
    # close frame, and reconnect to whichever node is up; they resume with sync.
    sockets = len(ctx.sio.eio.sockets)
    if sockets:
        await _within(ctx, hurry, ctx.sio.eio.disconnect())
    await _within(ctx, hurry, ctx.requests.wait_idle())
    if ctx.requests.count:
        log.warning(
            "shutdown: requests still open when the drain ended; cutting them",
            extra=fields(count=ctx.requests.count, sockets=sockets),
        )
    else:
        log.info("drained the requests and sockets", extra=fields(sockets=sockets))


async def _within(ctx: ServerContext, hurry: asyncio.Event, work: Awaitable[None]) -> None:
    """Await `work` until the drain's deadline (less the exit reserve) or a second signal."""
    task = asyncio.ensure_future(work)
    cut = asyncio.ensure_future(hurry.wait())
    reserve = min(_EXIT_RESERVE, ctx.config.drain_timeout / 3)
    budget = max(0.0, ctx.drain_time_left() - reserve)
    await asyncio.wait({task, cut}, timeout=budget, return_when=asyncio.FIRST_COMPLETED)
    for pending in (task, cut):
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pending
    if not task.cancelled() and task.exception() is not None:
        log.warning(
            "shutdown: a drain step failed", extra=fields(error=repr(task.exception())[:300])
        )


def _bound_port(site: web.TCPSite) -> int | None:
    server = site._server  # aiohttp keeps the asyncio server here
    sockets = getattr(server, "sockets", None) or []
    for sock in sockets:
        return int(sock.getsockname()[1])
    return None
