"""Presence, gateway health, service windows and waiting tickets, on the client side.

Speaks the additions of docs/protocol.md section 4: `deskState` after every connection
(its `canSend` says whether replies can go out at all; asked again when a reply is refused
for that reason, and on each gateway push while replies cannot go out, so the composer
follows the line coming back),
`viewConversation` for the conversation on screen (repeated every `HEARTBEAT_S` while it
stays there), and the pushes `presence`, `gatewayState` and `ticketOpened`. Changes reach
the UI through the state's listeners like every other change. Nothing here is cached:
all of it is ephemeral or asked again at each connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    DeskSettingsChanged,
    GatewayHealthChanged,
    IncomingMessage,
    PresenceChanged,
    ProtocolProfile,
    ReplyFailed,
    SendabilityChanged,
    ServiceWindowChanged,
    StateChange,
    SyncStateChanged,
    TicketChanged,
    WaitingTicketsChanged,
)
from sportello.client.desk_records import GatewayInfo, Sendability, WaitingTicket, WindowInfo
from sportello.client.errors import ClientError
from sportello.client.state import ClientState
from sportello.domain.values import utc_now

log = logging.getLogger(__name__)

Call = Callable[[str, Any, float], Awaitable[Any]]
HEARTBEAT_S = 30.0
# While replies cannot go out, `deskState` is asked again this often: the pushes say when
# the line moves, and this is the net under them (one small question per blocked console).
BLOCKED_RECHECK_S = 10.0
EVENTS = frozenset({"presence", "gatewayState", "ticketOpened"})
# `sendMessage` refusals that mean no reply can go out now (the server's `canSend` codes).
CANNOT_SEND = frozenset({"no_gateway", "line_not_linked", "gateway_down"})


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _sendability(data: object, default_gateway: object) -> Sendability:
    """`deskState.canSend`, one `{ok, code, message}` per gateway: the default gateway's (the
    one new conversations and this desk's replies go through, `settings.defaultGateway`).
    Absent (an older server) or not an object: replies can go out."""
    if isinstance(data, Mapping) and "ok" not in data:
        data = data.get(str(default_gateway or "wppconnect"))
    if not isinstance(data, Mapping) or data.get("ok") is not False:
        return Sendability()
    code = data.get("code")
    return Sendability(False, str(code) if code else None, str(data.get("message") or ""))


def _names(entries: object, own_id: str) -> tuple[str, ...]:
    if not isinstance(entries, list):
        return ()
    return tuple(
        str(e.get("name") or e.get("id"))
        for e in entries
        if isinstance(e, Mapping) and str(e.get("id")) != own_id
    )


class DeskAwareness:
    """The desk facts a console shows beside the messages; one per SportelloClient."""

    def __init__(self, state: ClientState, call: Call) -> None:
        self._state = state
        self._call = call
        self.assignee_only_replies = False
        self.can_send = Sendability()
        self.gateways: dict[str, GatewayInfo] = {}
        self.windows: dict[str, WindowInfo] = {}
        self.waiting: dict[str, WaitingTicket] = {}
        self._presence: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._viewing: str | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._refreshing: asyncio.Task[None] | None = None
        self._refresh_again = False
        self._recheck: asyncio.Task[None] | None = None
        # While `deskState` is in flight, the pushes applied meanwhile: the server may read
        # its lists before a ticket is created (or a gateway drops) and answer after the
        # push, so the answer alone would undo it (an URGENT ticket missing from `waiting`
        # never rings again). They are applied again, in order, on top of the answer.
        self._since_asked: list[Callable[[], object]] | None = None
        state.subscribe(self._on_change)

    # ---- reading ------------------------------------------------------------------------

    def presence(self, conversation_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(colleagues viewing, colleagues writing a reply) in a conversation."""
        viewers: list[str] = []
        typing: list[str] = []
        for (conv, _node), (seen, writing) in self._presence.items():
            if conv == conversation_id:
                viewers += [n for n in seen if n not in viewers]
                typing += [n for n in writing if n not in typing]
        return tuple(viewers), tuple(typing)

    @property
    def gateways_down(self) -> list[GatewayInfo]:
        return [g for g in self.gateways.values() if g.down]

    # ---- commands -----------------------------------------------------------------------

    async def view(self, conversation_id: str | None) -> None:
        """The console now shows this conversation (None: none, or the window is hidden)."""
        self._viewing = conversation_id
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        await self._send_view()
        if conversation_id is not None:
            self._heartbeat = asyncio.get_running_loop().create_task(
                self._beat(), name="presence-heartbeat"
            )

    async def refresh(self) -> None:
        """Ask `deskState` again (done after every connection): one question at a time (the
        pushes meanwhile are kept for its answer), and once more when asked meanwhile."""
        self._ask_again()
        assert self._refreshing is not None
        await asyncio.shield(self._refreshing)

    async def _ask_desk_state(self) -> None:
        self._since_asked = []
        try:
            ack = await self._call("deskState", None, 10.0)
        except (ClientError, TimeoutError) as exc:
            log.info("deskState not available: %s", exc)
            return
        finally:
            since_asked, self._since_asked = self._since_asked, None
        if not isinstance(ack, Mapping) or ack.get("ok") is not True:
            return
        settings = ack.get("settings")
        if isinstance(settings, Mapping):
            self.assignee_only_replies = bool(settings.get("assigneeOnlyReplies"))
            self._state.publish(DeskSettingsChanged(self.assignee_only_replies))
        default_gateway = settings.get("defaultGateway") if isinstance(settings, Mapping) else None
        can_send = _sendability(ack.get("canSend"), default_gateway)
        if can_send != self.can_send:
            self.can_send = can_send
            if not can_send.ok:
                log.info("replies cannot go out: %s (%s)", can_send.code, can_send.message)
            self._state.publish(SendabilityChanged(can_send))
        if not can_send.ok and (self._recheck is None or self._recheck.done()):
            self._recheck = asyncio.get_running_loop().create_task(
                self._recheck_while_blocked(), name="desk-state-recheck"
            )
        self.gateways = {}
        for item in ack.get("gateways") or []:
            self._put_gateway(item)
        for item in ack.get("presence") or []:
            self._apply_presence(item)
        self.waiting = {}
        for item in ack.get("waitingTickets") or []:
            ticket = self._waiting_ticket(item)
            if ticket is not None:
                self.waiting[ticket.ticket_id] = ticket
        for again in since_asked or []:
            again()
        self._state.publish(GatewayHealthChanged(tuple(self.gateways.values())))
        self._state.publish(WaitingTicketsChanged(tuple(self.waiting.values())))
        await self._send_view()

    # ---- events -------------------------------------------------------------------------

    def apply(self, name: str, data: Any, replayed: bool = False) -> None:
        """An event of docs/protocol.md section 4 (called by the session)."""
        if not isinstance(data, Mapping):
            return
        if name == "presence":
            self._apply_presence(data)
            self._noted(lambda: self._apply_presence(data))
        elif name == "gatewayState":
            self._put_gateway(data)
            self._noted(lambda: self._put_gateway(data))
            self._state.publish(GatewayHealthChanged(tuple(self.gateways.values())))
            # The line moved (back, or down): may replies go out? (`canSend`; pushes are rare)
            self._refresh_soon()
        elif name == "ticketOpened":
            ticket_id = str(data.get("ticketId"))
            self._noted(lambda: self.waiting.pop(ticket_id, None))
            if self.waiting.pop(ticket_id, None) is not None or not replayed:
                self._state.publish(
                    WaitingTicketsChanged(tuple(self.waiting.values()), opened=(ticket_id,))
                )

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, ConnectionStateChanged):
            if change.state is ConnectionState.ONLINE:
                self._refresh_soon()
            elif self._presence:
                stale = {conv for conv, _ in self._presence}
                self._presence.clear()
                for conv in stale:
                    self._state.publish(PresenceChanged(conv, (), ()))
        elif isinstance(change, SyncStateChanged) and not change.syncing:
            self._refresh_soon()  # tickets replayed by sync: the server says which wait
        elif isinstance(change, TicketChanged) and not self._state.syncing:
            self._ticket_changed(change)
        elif isinstance(change, ReplyFailed) and change.error in CANNOT_SEND:
            if self.can_send.ok and not change.replayed:
                self._refresh_soon()  # refused for the line itself: the composer must say so
        elif isinstance(change, IncomingMessage):
            window = self.windows.get(change.message.conversation_id)
            when = _parse_time(change.message.timestamp)
            if (
                window is not None
                and when is not None
                and (window.last_inbound_at is None or when > window.last_inbound_at)
            ):
                moved = WindowInfo(window.gateway, when)
                self.windows[change.message.conversation_id] = moved
                self._state.publish(ServiceWindowChanged(change.message.conversation_id, moved))

    def _ticket_changed(self, change: TicketChanged) -> None:
        ticket = change.ticket
        if change.created and ticket.is_open and ticket.conversation_id:
            since = _parse_time(ticket.created_at) or utc_now()
            self.waiting[ticket.id] = WaitingTicket(
                ticket.id,
                ticket.number,
                ticket.conversation_id,
                ticket.priority.value,
                ticket.title,
                since,
            )
            waiting = self.waiting[ticket.id]
            self._noted(lambda: self.waiting.__setitem__(ticket.id, waiting))
            if ticket.conversation_id == self._viewing:
                # Already on screen here: opening it is what viewConversation records.
                asyncio.get_running_loop().create_task(self._send_view())
        elif not ticket.is_open:
            self._noted(lambda: self.waiting.pop(ticket.id, None))
            if self.waiting.pop(ticket.id, None) is None:
                return
        else:
            return
        self._state.publish(WaitingTicketsChanged(tuple(self.waiting.values())))

    # ---- internals ----------------------------------------------------------------------

    def _noted(self, again: Callable[[], object]) -> None:
        """Keep `again` to apply on top of the `deskState` answer on its way, if one is."""
        if self._since_asked is not None:
            self._since_asked.append(again)

    def _refresh_soon(self) -> None:
        if self._state.profile is ProtocolProfile.SEED:
            return
        self._ask_again()

    def _ask_again(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            # Asked while an answer is on its way (a sync ended, the line moved): that
            # answer may predate it, so ask once more after it.
            self._refresh_again = True
            return
        self._refreshing = asyncio.get_running_loop().create_task(
            self._refresh_until_current(), name="desk-state"
        )

    async def _refresh_until_current(self) -> None:
        while True:
            self._refresh_again = False
            await self._ask_desk_state()
            if not self._refresh_again:
                return

    async def _recheck_while_blocked(self) -> None:
        while not self.can_send.ok:
            await asyncio.sleep(BLOCKED_RECHECK_S)
            if self.can_send.ok:
                return
            await self.refresh()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await self._send_view()

    async def _send_view(self) -> None:
        if self._state.profile is ProtocolProfile.SEED:
            return
        conversation_id = self._viewing
        try:
            ack = await self._call("viewConversation", {"conversationId": conversation_id}, 10.0)
        except (ClientError, TimeoutError) as exc:
            log.debug("viewConversation not sent: %s", exc)
            return
        if not isinstance(ack, Mapping) or ack.get("ok") is not True or conversation_id is None:
            return
        if isinstance(ack.get("presence"), Mapping):
            self._apply_presence(ack["presence"])
        window = ack.get("serviceWindow")
        if isinstance(window, Mapping):
            info = WindowInfo(
                str(window.get("gateway") or ""), _parse_time(window.get("lastInboundAt"))
            )
            if self.windows.get(conversation_id) != info:
                self.windows[conversation_id] = info
                self._state.publish(ServiceWindowChanged(conversation_id, info))
        opened = [str(t) for t in ack.get("opened") or []]
        self._noted(lambda: [self.waiting.pop(t, None) for t in opened])
        if opened and any(self.waiting.pop(t, None) for t in opened):
            self._state.publish(
                WaitingTicketsChanged(tuple(self.waiting.values()), opened=tuple(opened))
            )

    def _apply_presence(self, data: Mapping[str, Any]) -> None:
        conversation = data.get("conversationId")
        if conversation is None:
            return
        key = (str(conversation), str(data.get("node") or ""))
        own = self._state.own_user_id
        entry = (_names(data.get("viewers"), own), _names(data.get("typing"), own))
        before = self.presence(key[0])
        if entry == ((), ()):
            self._presence.pop(key, None)
        else:
            self._presence[key] = entry
        after = self.presence(key[0])
        if after != before:
            self._state.publish(PresenceChanged(key[0], *after))

    def _put_gateway(self, data: object) -> None:
        if not isinstance(data, Mapping) or not data.get("key"):
            return
        info = GatewayInfo(
            key=str(data["key"]),
            gateway=str(data.get("gateway") or ""),
            account=str(data["account"]) if data.get("account") else None,
            state=str(data.get("state") or "UNKNOWN"),
            down=bool(data.get("down")),
            action=str(data.get("action") or ""),
            detail=str(data.get("detail") or ""),
            at=str(data.get("at") or ""),
        )
        self.gateways[info.key] = info

    @staticmethod
    def _waiting_ticket(data: object) -> WaitingTicket | None:
        if not isinstance(data, Mapping) or not data.get("ticketId"):
            return None
        return WaitingTicket(
            str(data["ticketId"]),
            str(data.get("number") or data["ticketId"]),
            str(data.get("conversationId") or ""),
            str(data.get("priority") or "MEDIUM"),
            str(data.get("title") or ""),
            _parse_time(data.get("createdAt")) or utc_now(),
        )

    def close(self) -> None:
        for task in (self._heartbeat, self._refreshing, self._recheck):
            if task is not None:
                task.cancel()
