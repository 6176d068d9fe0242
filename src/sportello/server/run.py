"""`sportello server`: open the database, listen, serve until SIGTERM/SIGINT, drain, exit.

Start-up failures (bad rules file, unreachable or unmigratable database, unreachable
Redis, port in use) print ONE line on stderr and return exit code 2.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from sportello import __version__
from sportello.server.config import EXIT_USAGE, ServerConfig
from sportello.server.logs import configure_logging, fields

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

    rules = _load_rules(config.rules)
    loop = asyncio.get_running_loop()
    db = await loop.run_in_executor(None, _open_database, config.db)
    try:
        if config.redis:
            await _check_redis(config.redis)
        app = create_app(config, db, rules)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None,
            shutdown_timeout=config.drain_timeout,
        )
        await runner.setup()
        site = web.TCPSite(runner, config.host, config.port, backlog=1024)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            reason = exc.strerror or str(exc)
            raise StartupError(
                f"cannot listen on {config.host}:{config.port}: {reason}"
            ) from None
        port = _bound_port(site) or config.port
        log.info("listening", extra=fields(
            host=config.host, port=port, version=__version__,
            redis=bool(config.redis), db=db.url.render_as_string(hide_password=True)))
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("stopping: draining in-flight work")
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await _finish_in_flight_webhooks(runner, app, config.drain_timeout)
        await runner.cleanup()
        log.info("stopped")
        return 0
    finally:
        db.dispose()


async def _finish_in_flight_webhooks(
    runner: web.AppRunner, app: web.Application, timeout: float
) -> None:
    """Stop listening, refuse new webhooks, and let the ones already arriving complete.

    aiohttp's own shutdown stops reading from every connection at once, which would cut
    off a webhook whose body is still on its way: wait for those first.
    """
    from sportello.server.context import CONTEXT

    ctx = app[CONTEXT]
    ctx.draining = True
    for site in list(runner.sites):
        await site.stop()
    deadline = asyncio.get_running_loop().time() + timeout
    while ctx.in_flight_webhooks and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)
    if ctx.in_flight_webhooks:
        log.warning("shutdown: webhooks still in flight after the drain timeout",
                    extra=fields(count=ctx.in_flight_webhooks))


def _bound_port(site: web.TCPSite) -> int | None:
    server = site._server  # aiohttp keeps the asyncio server here
    sockets = getattr(server, "sockets", None) or []
    for sock in sockets:
        return int(sock.getsockname()[1])
    return None
