"""The services one running server shares between its HTTP handlers, sockets and tasks.

Complete when made: what runs on these services (the namespace, the outbox worker, the
poller, the revocation watch) is in workers.py, built afterwards from this context.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import socketio
from aiohttp import web

from sportello.domain.rules import TicketRules
from sportello.ingest.desk import DeskService
from sportello.ingest.parsed import GatewayState
from sportello.ingest.service import IngestService
from sportello.server.auth import LoginLimiter, TokenAuthenticator
from sportello.server.broadcast import EventBroadcaster
from sportello.server.config import ServerConfig
from sportello.server.db_executor import DbExecutor
from sportello.server.in_flight import InFlightRequests
from sportello.server.ingest_batcher import IngestBatcher
from sportello.store.database import Database
from sportello.store.media_storage import MediaStorage


@dataclass(slots=True)
class ServerContext:
    config: ServerConfig
    db: Database
    rules: TicketRules
    executor: DbExecutor
    ingest: IngestService
    desk: DeskService
    batcher: IngestBatcher
    auth: TokenAuthenticator
    login_limiter: LoginLimiter
    sio: socketio.AsyncServer
    broadcaster: EventBroadcaster
    media: MediaStorage  # where media bytes and the files being received live
    # Set when a reply is queued; the outbox worker waits on it (the hub rings it).
    outbox_waiting: asyncio.Event = field(default_factory=asyncio.Event)
    started_at: float = field(default_factory=time.monotonic)
    gateway_states: dict[str, GatewayState] = field(default_factory=dict)
    draining: bool = False  # webhooks answer 503 shutting_down
    requests: InFlightRequests = field(default_factory=InFlightRequests)
    drain_deadline: float | None = None  # event-loop time by which a shutdown must be done

    def begin_drain(self, timeout: float) -> None:
        """Refuse new webhooks; the shutdown under way has `timeout` seconds in all."""
        self.draining = True
        if self.drain_deadline is None:
            self.drain_deadline = asyncio.get_running_loop().time() + timeout

    def cut_drain_short(self) -> None:
        """A second stop signal: what still waits for the drain's deadline waits no more."""
        self.draining = True
        self.drain_deadline = asyncio.get_running_loop().time()

    def drain_time_left(self) -> float:
        """Seconds left of the shutdown's --drain-timeout (all of it before one began)."""
        if self.drain_deadline is None:
            return self.config.drain_timeout
        return max(0.0, self.drain_deadline - asyncio.get_running_loop().time())


CONTEXT = web.AppKey("sportello_context", ServerContext)
