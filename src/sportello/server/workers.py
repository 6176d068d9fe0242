"""What one server runs beside its shared services: the namespace, the outbox worker, the
WhatsApp line (with its status poller), the reconciler, the read receipts and the revocation watch.

`ServerContext` (context.py) holds the services these are built from; it names none of
them, so it is complete when made and nothing in it is filled in later. `create_app`
builds the workers in order from a finished context (the hub first: the others report
through it) and keeps them under their own `web.AppKey`; `_background_work` only starts
and stops them.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from sportello.server.gateway_poller import WppSessionPoller
from sportello.server.read_receipts import ReadReceipts
from sportello.server.realtime import RealtimeHub
from sportello.server.reconcile import GatewayReconciler
from sportello.server.revocation import RevocationWatch
from sportello.server.sender import OutboxWorker
from sportello.server.wpp_line import WppLine


@dataclass(frozen=True, slots=True)
class Workers:
    hub: RealtimeHub
    sender: OutboxWorker
    revocations: RevocationWatch
    line: WppLine | None  # None: no WPPConnect Server configured
    receipts: ReadReceipts
    reconciler: GatewayReconciler | None = None  # None: no WPPConnect history to read back

    @property
    def gateway_poller(self) -> WppSessionPoller | None:
        """The line's status poller (None: no line, polling off, or no token to poll with)."""
        return None if self.line is None else self.line.poller


WORKERS = web.AppKey("sportello_workers", Workers)
