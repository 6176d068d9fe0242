"""The state of each gateway connection, pushed to every console the moment it changes.

Sources: WPPConnect session-state webhooks (`status-find`, `onstatechange`, `qrcode`,
parsed in ingest/wppconnect.py), WPPConnect's status endpoint (polled by
server/gateway_poller.py; no answer at all is `UNREACHABLE`) and the outcome of our own
sends (a Cloud API or WPPConnect answer that refuses the access token marks the gateway
`UNAUTHORIZED`; the next accepted send marks it `CONNECTED` again), and the WhatsApp line's
own calls (wpp_line.py: a refused secret key is `UNAUTHORIZED`, no answer `UNREACHABLE`).
Kept in memory per node: a restarted node learns the state again from its first poll,
webhook or send.

It is also the one place that pushes the line itself to administrators (`gatewayLine`,
with its QR code), again only when something they would see changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from sportello.domain.values import Gateway, iso_utc, utc_now
from sportello.ingest.parsed import ConnectionState, GatewayState
from sportello.server.line_view import refuses_replies
from sportello.server.logs import fields

log = logging.getLogger(__name__)

SETTLE_S = 0.05  # how long a line's move waits for its connection state's own push

Publish = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
# Told of every change of state after it was pushed (the reconciler starts a round when a
# line comes back CONNECTED); it must not block.
StateListener = Callable[[GatewayState], None]

# What an administrator should do, by state (English; consoles translate by `state`).
ACTIONS = {
    ConnectionState.CONNECTED: "",
    ConnectionState.CONNECTING: "wait: the gateway is starting its WhatsApp session",
    ConnectionState.DISCONNECTED: "check that the phone is online and WPPConnect Server is running",
    ConnectionState.UNPAIRED: "scan the QR code again in WPPConnect Server with the business phone",
    ConnectionState.CONFLICT: "WhatsApp is open elsewhere (another WhatsApp Web): close it there",
    ConnectionState.BLOCKED: "the number is blocked by WhatsApp: check the phone",
    ConnectionState.UNAUTHORIZED: "the access token was refused: an administrator must renew it",
    ConnectionState.UNKNOWN: "",
}
# Not a session state: our status poll (server/gateway_poller.py) got no answer at all.
UNREACHABLE = "UNREACHABLE"
UNREACHABLE_ACTION = "check that WPPConnect Server is running and reachable at --wppconnect-url"

DOWN_STATES = frozenset(
    {
        ConnectionState.DISCONNECTED,
        ConnectionState.UNPAIRED,
        ConnectionState.CONFLICT,
        ConnectionState.BLOCKED,
        ConnectionState.UNAUTHORIZED,
    }
)


def gateway_key(gateway: Gateway | str, account: str | None) -> str:
    return f"{Gateway(gateway).value}:{account or ''}"


class GatewayHealth:
    """Latest state per `gateway:account`; publishes `gatewayState` when it changes."""

    def __init__(
        self,
        states: dict[str, GatewayState],
        publish: Publish,
        publish_line: Publish | None = None,
    ) -> None:
        self._states = states  # shared with /health (ServerContext.gateway_states)
        self._detail: dict[str, str] = {}
        self._published: dict[str, str] = {}  # key -> state last pushed
        self._publish = publish
        self._publish_line = publish_line  # to the admins' room
        self._line_published: dict[str, Any] | None = None  # without `at`
        self._listeners: list[StateListener] = []
        self._owed: set[str] = set()  # keys whose line moved with no gatewayState push yet
        self._settling: asyncio.Task[None] | None = None

    def subscribe(self, listener: StateListener) -> None:
        """Call `listener(state)` whenever a gateway's state changes."""
        self._listeners.append(listener)

    async def line_changed(self, line: dict[str, Any]) -> None:
        """Push `gatewayLine` (the `line` object of docs/protocol.md) unless admins already
        have the same one (its `at` aside)."""
        seen = {key: value for key, value in line.items() if key != "at"}
        if seen == self._line_published:
            return
        before = (self._line_published or {}).get("state")
        self._line_published = seen
        if self._publish_line is not None:
            await self._publish_line(line)
        now = line.get("state")
        if before is None or before == now:
            return
        key = gateway_key(Gateway.WPPCONNECT, line.get("session"))
        state = self._states.get(key)
        if state is None:
            return
        if refuses_replies(before) != refuses_replies(now):
            # From turning replies away to taking them, or back (QR scanned, linked,
            # closed...): consoles must ask `deskState` again (`canSend`), and a
            # `gatewayState` push is what makes them. The connection state usually moves
            # too, a moment later (its push then says it); when it does not (the poll says
            # CONNECTED as soon as the QR is read), the same state goes out again.
            self._owed.add(key)
            asyncio.get_running_loop().call_later(SETTLE_S, self._settle_soon, key)
        if now == "CONNECTED":
            for listener in self._listeners:  # the chats are open now: read back (reconcile)
                listener(state)

    def _settle_soon(self, key: str) -> None:
        if key in self._owed:
            self._settling = asyncio.get_running_loop().create_task(self._settle(key))

    async def _settle(self, key: str) -> None:
        state = self._states.get(key)
        if key in self._owed and state is not None:
            self._owed.discard(key)
            await self._publish(self.to_json(key, state))

    async def record(self, state: GatewayState, detail: str = "") -> None:
        key = gateway_key(state.gateway, state.account)
        self._states[key] = state
        self._detail[key] = detail
        if self._published.get(key) == state.state:
            return
        self._published[key] = state.state
        self._owed.discard(key)  # this push is the one consoles were owed
        log.info("gateway state changed", extra=fields(gateway=key, state=state.state))
        await self._publish(self.to_json(key, state))
        for listener in self._listeners:
            listener(state)

    async def send_refused(
        self, gateway: Gateway, account: str | None, error: str, *, unauthorized: bool
    ) -> None:
        """A send failed; only an auth refusal says something about the connection."""
        if unauthorized:
            await self.record(
                GatewayState(gateway, account, ConnectionState.UNAUTHORIZED, utc_now()),
                detail=error[:300],
            )

    async def send_accepted(self, gateway: Gateway, account: str | None) -> None:
        key = gateway_key(gateway, account)
        current = self._states.get(key)
        if current is not None and current.state == ConnectionState.UNAUTHORIZED:
            await self.record(GatewayState(gateway, account, ConnectionState.CONNECTED, utc_now()))

    def current(self, gateway: Gateway, account: str | None) -> GatewayState | None:
        return self._states.get(gateway_key(gateway, account))

    def snapshot(self) -> list[dict[str, Any]]:
        return [self.to_json(key, state) for key, state in sorted(self._states.items())]

    def to_json(self, key: str, state: GatewayState) -> dict[str, Any]:
        """The `gatewayState` payload of docs/protocol.md."""
        word = _raw_word(state)
        if state.state == UNREACHABLE:
            name, down, action = UNREACHABLE, True, UNREACHABLE_ACTION
        else:
            try:
                normalized = ConnectionState(state.state)
            except ValueError:
                normalized = ConnectionState.UNKNOWN
            name, down, action = normalized.value, normalized in DOWN_STATES, ACTIONS[normalized]
        return {
            "gateway": state.gateway.value,
            "account": state.account,
            "key": key,
            "state": name,
            "down": down,
            "raw": word,
            "detail": self._detail.get(key, ""),
            "action": action,
            "at": _iso(state.timestamp),
        }


def _raw_word(state: GatewayState) -> str | None:
    for key in ("state", "status", "event"):
        value = state.raw.get(key)
        if isinstance(value, str):
            return value[:64]
    return None


def _iso(moment: datetime) -> str:
    return iso_utc(moment)
