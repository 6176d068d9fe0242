"""The objects one running server shares between its HTTP handlers, sockets and tasks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
from sportello.server.ingest_batcher import IngestBatcher
from sportello.store.database import Database

if TYPE_CHECKING:
    from sportello.server.gateway_poller import WppSessionPoller
    from sportello.server.realtime import RealtimeHub
    from sportello.server.revocation import RevocationWatch
    from sportello.server.sender import OutboxWorker


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
    hub: RealtimeHub | None = None
    sender: OutboxWorker | None = None
    gateway_poller: WppSessionPoller | None = None
    revocations: RevocationWatch | None = None
    started_at: float = field(default_factory=time.monotonic)
    gateway_states: dict[str, GatewayState] = field(default_factory=dict)
    draining: bool = False
    in_flight_webhooks: int = 0


CONTEXT = web.AppKey("sportello_context", ServerContext)
