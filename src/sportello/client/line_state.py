"""The WhatsApp line on the client side: what the server says of it, and starting it again.

An administrator's console reads `GET /api/gateway/line` after every connection and then
follows the `gatewayLine` pushes (docs/protocol.md); `start()` asks the server for a new
session, hence a new QR code (`POST /api/gateway/line/start`). Every change is published
through the state as a `LineChanged`, like the other changes, so the Connect WhatsApp
panel redraws from the state alone. Only administrators may see the QR code (whoever scans
it owns the desk's number): other consoles never ask, and the server refuses them anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    LineChanged,
    OwnRoleChanged,
    StateChange,
)
from sportello.client.errors import ClientError, FeatureUnavailable, ServerRejected
from sportello.client.line_info import LineInfo, parse_line
from sportello.client.rest import RestApi
from sportello.client.state import ClientState
from sportello.client.wire import WireError
from sportello.domain.permissions import DeskAction, allowed

log = logging.getLogger(__name__)

EVENTS = frozenset({"gatewayLine"})
LINE_PATH = "/api/gateway/line"
# The admin-only action the line falls under (domain/permissions.py), the one the server
# checks too (403 `forbidden` otherwise): whoever sees the QR code can take the number.
LINE_ACTION = DeskAction.CONNECT_WHATSAPP_LINE


def may_connect_line(role: str | None) -> bool:
    """May this role see the QR code and start the line? (Unknown role: not yet.)"""
    return role is not None and allowed(role, LINE_ACTION)


class WhatsAppLine:
    """The line of one server, for one console. `info` is None until the server said it."""

    def __init__(self, state: ClientState, rest: RestApi) -> None:
        self._state = state
        self._rest = rest
        self.info: LineInfo | None = None
        # False once the server answered that it has no line to offer (an older server).
        self.offered: bool | None = None
        # The phone was linked and is no longer (it removed the device): until linked again.
        self.lost_link = False
        self._refreshing: asyncio.Task[None] | None = None
        state.subscribe(self._on_change)

    @property
    def may_connect(self) -> bool:
        return may_connect_line(self._state.own_role)

    # ---- commands -----------------------------------------------------------------------

    async def refresh(self) -> LineInfo | None:
        """Ask the server for the line now; None when it offers none. Raises ClientError
        (e.g. `forbidden` for an operator, `unreachable`)."""
        try:
            body = await self._rest.call("GET", LINE_PATH, what="reading the WhatsApp line")
        except (FeatureUnavailable, ServerRejected) as exc:
            if isinstance(exc, ServerRejected) and exc.code != "not_found":
                raise
            # A server without the route: the line is set up on the gateway's own pages.
            log.info("this server offers no WhatsApp line: %s", exc)
            self.offered = False
            self._put(None)
            return None
        return self._take(body, "GET /api/gateway/line")

    async def start(self) -> LineInfo | None:
        """Start the session again for a fresh QR code (an expired QR, an unlinked phone).
        Raises ClientError: `line_connected`, `line_not_managed`, `line_not_configured`..."""
        body = await self._rest.call(
            "POST", LINE_PATH + "/start", json={}, what="starting the WhatsApp line"
        )
        return self._take(body, "POST /api/gateway/line/start")

    def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()

    # ---- events -------------------------------------------------------------------------

    def apply(self, name: str, data: Any, replayed: bool = False) -> None:
        """A `gatewayLine` push (called by the session, like client/awareness.py's)."""
        parsed = parse_line(data)
        if isinstance(parsed, WireError):
            log.warning("%s", parsed)
            return
        self.offered = True
        self._put(parsed)

    def _take(self, body: object, what: str) -> LineInfo | None:
        line = body.get("line") if isinstance(body, Mapping) else None
        parsed = parse_line(line)
        if isinstance(parsed, WireError):
            raise ServerRejected(f"{what}: {parsed}", "unexpected_answer")
        self.offered = True
        self._put(parsed)
        return parsed

    def _put(self, info: LineInfo | None) -> None:
        previous = self.info
        self.info = info
        if info is None and previous is None:
            if self.offered is False:
                self._state.publish(LineChanged(None))
            return
        if info is not None and info.same_view(previous):
            return  # only `at` moved: nothing to redraw
        if info is not None and info.linked:
            self.lost_link = False
        elif previous is not None and previous.linked:
            self.lost_link = True
        self._state.publish(LineChanged(info, previous))

    def _on_change(self, change: StateChange) -> None:
        online = self._state.connection_state is ConnectionState.ONLINE
        came_online = (
            isinstance(change, ConnectionStateChanged) and change.state is ConnectionState.ONLINE
        )
        role_known = isinstance(change, OwnRoleChanged) and online
        if (came_online or role_known) and self.may_connect:
            self._refresh_soon()

    def _refresh_soon(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            return
        self._refreshing = asyncio.get_running_loop().create_task(
            self._refresh_quietly(), name="whatsapp-line"
        )

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except ClientError as exc:
            log.info("the WhatsApp line cannot be read now: %s", exc)
