"""Socket.IO namespace /whatsapp: authentication, live events, typing, and client commands.

Only authenticated sockets join the broadcast room, so a socket that never authenticates
receives nothing and is dropped after `--auth-timeout` seconds. A valid handshake token
authenticates at connect; the seed's `authenticate` event then answers with the cursor
and the unread snapshot (and is the only way in for seed clients).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import socketio
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from sportello.domain import permissions
from sportello.domain.phone import normalize_phone
from sportello.domain.values import PresenceUpdate, iso_utc, utc_now
from sportello.server import commands
from sportello.server.auth import OperatorInfo, is_loopback
from sportello.server.broadcast import ADMINS_ROOM, NAMESPACE, OPERATORS_ROOM, operator_room
from sportello.server.client_events import (
    event_label,
    is_client_command,
    library_connect,
    library_disconnect,
)
from sportello.server.client_events import refused as _fail
from sportello.server.commands import CommandError
from sportello.server.context import ServerContext
from sportello.server.desk_awareness import DeskAwareness
from sportello.server.gateway_health import GatewayHealth
from sportello.server.logs import fields
from sportello.server.read_receipts import ReadReceipts
from sportello.server.typing import TypingTracker
from sportello.server.wpp_line import WppLine
from sportello.store.operators import token_digest

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SocketState:
    address: str | None
    handshake_token: str | None = None
    operator: OperatorInfo | None = None
    # sha256 of the token that let this socket in (None: legacy auth); re-checked by
    # revocation.py, which sets `ended` once it told the socket its access was withdrawn.
    token_digest: str | None = None
    ended: bool = False
    timer: asyncio.TimerHandle | None = None
    typing_in: set[str | None] = field(default_factory=set)


def _payload(args: tuple[Any, ...]) -> dict[str, Any]:
    """The first argument of an event when it is an object, else an empty one."""
    if args and isinstance(args[0], dict):
        return args[0]
    return {}


def _conversation_key(data: dict[str, Any]) -> str | None:
    for key in ("conversationId", "to"):
        value = data.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and len(str(value)) < 200:
            return str(value)
    return None


class RealtimeHub(DeskAwareness, socketio.AsyncNamespace):  # type: ignore[misc]
    """The /whatsapp namespace and the typing state it shares with the webhooks."""

    def __init__(
        self,
        ctx: ServerContext,
        *,
        health: GatewayHealth,
        line: WppLine | None,
        receipts: ReadReceipts,
    ) -> None:
        super().__init__(NAMESPACE)
        self.ctx = ctx
        self.receipts = receipts
        self.sockets: dict[str, SocketState] = {}
        self._by_operator: dict[int, set[str]] = {}
        self._operator_typing = TypingTracker(ctx.config.typing_timeout, self._operator_expired)
        self._customer_typing = TypingTracker(ctx.config.typing_timeout, self._customer_expired)
        self._chat_conversations: dict[str, str | None] = {}
        self._init_awareness(health, line)

    # -- dispatch (client_events.py says why it is not python-socketio's on_<name>) ------

    async def trigger_event(self, event: Any, *args: Any) -> Any:
        """Route the library's connect/disconnect and the listed client commands; drop the rest."""
        sid = args[0] if args else None
        manager = self.server.manager
        if event == "connect" and library_connect(manager, sid, self.namespace):
            return await self._socket_connected(*args)
        if event == "disconnect" and library_disconnect(manager, sid, self.namespace):
            return await self._socket_left(*args)
        if not is_client_command(event):
            log.info(
                "client event ignored: not a command",
                extra=fields(sid=sid, event=event_label(event)),
            )
            return _fail("unknown_event", f"{event_label(event)} is not a command of this server")
        try:
            return await getattr(self, f"on_{event}")(sid, *args[1:])
        except Exception:  # an ack for every command, as REST answers every request
            log.exception("command failed", extra=fields(sid=sid, event=event))
            return _fail("internal_error", "internal error, see the server log")

    # -- connection and authentication -------------------------------------------------

    async def _socket_connected(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        request = environ.get("aiohttp.request")
        address = getattr(request, "remote", None)
        state = SocketState(address=address)
        token = auth.get("token") if isinstance(auth, dict) else None
        if token is not None:
            operator = await self.ctx.auth.operator_for_token(token)
            if operator is None:
                log.info("socket refused: bad token", extra=fields(address=address))
                raise SocketRefused("unauthorized")
            state.handshake_token = token
            state.token_digest = token_digest(token)
            self.sockets[sid] = state
            await self._admit(sid, state, operator)
            return
        self.sockets[sid] = state
        loop = asyncio.get_running_loop()
        state.timer = loop.call_later(
            self.ctx.config.auth_timeout, lambda: loop.create_task(self._auth_expired(sid))
        )

    async def _auth_expired(self, sid: str) -> None:
        state = self.sockets.get(sid)
        if state is not None and state.operator is None:
            log.info(
                "socket dropped: not authenticated in time",
                extra=fields(sid=sid, address=state.address),
            )
            await self.disconnect(sid)

    async def _admit(self, sid: str, state: SocketState, operator: OperatorInfo) -> None:
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        if state.operator is not None:
            return
        state.operator = operator
        self._by_operator.setdefault(operator.id, set()).add(sid)
        await self.enter_room(sid, operator_room(operator.id))
        # Join before the cursor is read: every event after the cursor is then either in
        # the log above it or delivered live (or both; clients de-duplicate by seq).
        await self.enter_room(sid, OPERATORS_ROOM)
        if permissions.allowed(operator.role, permissions.DeskAction.CONNECT_WHATSAPP_LINE):
            await self.enter_room(sid, ADMINS_ROOM)
        log.info("operator connected", extra=fields(sid=sid, operator=operator.name))

    async def _socket_left(self, sid: str, *args: Any) -> None:
        state = self.sockets.pop(sid, None)
        if state is None:
            return
        if state.timer is not None:
            state.timer.cancel()
        operator = state.operator
        if operator is None:
            return
        sids = self._by_operator.get(operator.id)
        await self.awareness_left(sid, operator.id, last_socket=not (sids or set()) - {sid})
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self._by_operator[operator.id]
                for conversation in self._operator_typing.forget(str(operator.id)):
                    await self._emit_operator_stopped(operator.id, conversation)

    async def on_authenticate(self, sid: str, *args: Any) -> None:
        state = self.sockets.get(sid)
        if state is None:
            return
        data = _payload(args)
        operator = state.operator
        token = data.get("token")
        if token is not None:
            operator = await self.ctx.auth.operator_for_token(token)
        elif operator is None and self.ctx.config.allow_legacy_auth and is_loopback(state.address):
            operator = await self.ctx.auth.operator_by_id(data.get("userId"))
        if operator is None or (state.operator is not None and operator.id != state.operator.id):
            reason = "invalid token" if token is not None else "authentication required"
            log.info(
                "authenticate refused", extra=fields(sid=sid, address=state.address, reason=reason)
            )
            await self.emit(
                "authenticated", {"success": False, "error": reason}, to=sid, ignore_queue=True
            )
            await self.disconnect(sid)
            return
        if token is not None:
            state.token_digest = token_digest(token)
        await self._admit(sid, state, operator)
        cursor = await self.ctx.executor.read(lambda: commands.current_seq(self.ctx.db))
        await self.emit(
            "authenticated",
            {"success": True, "user": operator.user_json, "cursor": cursor},
            to=sid,
            ignore_queue=True,
        )
        unread = await self.ctx.executor.read(lambda: commands.unread_snapshot(self.ctx.db))
        await self.emit("unreadMessages", unread, to=sid, ignore_queue=True)

    def _operator(self, sid: str) -> OperatorInfo | None:
        state = self.sockets.get(sid)
        return None if state is None or state.ended else state.operator

    def authenticated_sessions(self) -> list[tuple[str, str | None, int]]:
        """(sid, token digest or None for legacy auth, operator id) of each live session."""
        return [
            (sid, state.token_digest, state.operator.id)
            for sid, state in self.sockets.items()
            if state.operator is not None and not state.ended
        ]

    # -- client commands ---------------------------------------------------------------

    async def on_markAsRead(self, sid: str, *args: Any) -> dict[str, Any]:
        operator = self._operator(sid)
        if operator is None:
            return _fail("unauthorized", "authenticate first")
        data = _payload(args)
        try:
            message_id = commands.parse_id(data.get("messageId"), "messageId")
            receipt = await self.ctx.executor.write_events(
                lambda: commands.mark_read(self.ctx.desk, message_id, operator.id)
            )
        except CommandError as exc:
            return _fail(exc.code, exc.message)
        self.receipts.read(receipt)  # committed: the customer may now see blue ticks
        return {"ok": True}

    async def on_sendMessage(self, sid: str, *args: Any) -> dict[str, Any]:
        operator = self._operator(sid)
        if operator is None:
            return _fail("unauthorized", "authenticate first")
        try:
            request = commands.parse_send_request(_payload(args))
            await self.check_send(request, operator.id)
            ack = await self.ctx.executor.write_events(
                lambda: commands.send_message(self.ctx.desk, request, operator.id)
            )
        except CommandError as exc:
            return _fail(exc.code, exc.message)
        self.ctx.outbox_waiting.set()
        return ack

    async def on_retryMessage(self, sid: str, *args: Any) -> dict[str, Any]:
        """A failed reply sent again in place (docs/protocol.md): same id, same clientId."""
        operator = self._operator(sid)
        if operator is None:
            return _fail("unauthorized", "authenticate first")
        try:
            message_id = commands.parse_id(_payload(args).get("messageId"), "messageId")
            await self.check_retry(message_id, operator.id)
            ack = await self.ctx.executor.write_events(
                lambda: commands.retry_message(self.ctx.db, message_id)
            )
        except CommandError as exc:
            return _fail(exc.code, exc.message)
        self.ctx.outbox_waiting.set()
        return ack

    async def on_updateTicket(self, sid: str, *args: Any) -> dict[str, Any]:
        operator = self._operator(sid)
        if operator is None:
            return _fail("unauthorized", "authenticate first")
        # Under --assignee-only-replies an assignment is the right to reply: dispatching
        # tickets between colleagues is then for admins (domain/permissions.py).
        refusal = (
            permissions.refusal(operator.role, permissions.DeskAction.REASSIGN_TICKETS)
            if self.ctx.config.assignee_only_replies
            else None
        )
        try:
            change = commands.parse_ticket_change(_payload(args))
            return await self.ctx.executor.write_events(
                lambda: commands.update_ticket(self.ctx.desk, change, operator.id, refusal)
            )
        except CommandError as exc:
            return _fail(exc.code, exc.message)

    async def on_createTicket(self, sid: str, *args: Any) -> dict[str, Any]:
        operator = self._operator(sid)
        if operator is None:
            return _fail("unauthorized", "authenticate first")
        try:
            request = commands.parse_create_ticket(_payload(args))
            return await self.ctx.executor.write_events(
                lambda: commands.create_ticket(self.ctx.desk, request, operator.id)
            )
        except CommandError as exc:
            return _fail(exc.code, exc.message)

    async def on_sync(self, sid: str, *args: Any) -> dict[str, Any]:
        if self._operator(sid) is None:
            return _fail("unauthorized", "authenticate first")
        try:
            since = commands.parse_since(_payload(args))
        except CommandError as exc:
            return _fail(exc.code, exc.message)
        return await self.ctx.executor.read(lambda: commands.sync_page(self.ctx.db, since))

    # -- typing ------------------------------------------------------------------------

    async def on_typing(self, sid: str, *args: Any) -> None:
        operator = self._operator(sid)
        if operator is None:
            return
        conversation = _conversation_key(_payload(args))
        await self.presence.typing(operator.id, operator.display_name, conversation)
        if self._operator_typing.typing(str(operator.id), conversation):
            await self.emit(
                "userTyping",
                {
                    "from": str(operator.id),
                    "timestamp": iso_utc(utc_now()),
                    "conversationId": conversation,
                },
                room=OPERATORS_ROOM,
                skip_sid=list(self._by_operator.get(operator.id, ())),
            )

    async def on_stopTyping(self, sid: str, *args: Any) -> None:
        operator = self._operator(sid)
        if operator is None:
            return
        conversation = _conversation_key(_payload(args))
        await self.presence.stopped_typing(operator.id, conversation)
        if self._operator_typing.stopped(str(operator.id), conversation):
            await self._emit_operator_stopped(operator.id, conversation)

    async def _operator_expired(self, who: str, conversation: str | None) -> None:
        await self._emit_operator_stopped(int(who), conversation)

    async def _emit_operator_stopped(self, operator_id: int, conversation: str | None) -> None:
        await self.emit(
            "userStoppedTyping",
            {"from": str(operator_id), "conversationId": conversation},
            room=OPERATORS_ROOM,
            skip_sid=list(self._by_operator.get(operator_id, ())),
        )

    async def customer_presence(self, presence: PresenceUpdate) -> None:
        """A gateway says a customer is (or stopped) typing: tell every operator."""
        phone = normalize_phone(presence.chat_id)
        who = phone.e164 or phone.raw
        conversation = await self._conversation_of(presence.chat_id)
        if presence.typing:
            if self._customer_typing.typing(who, conversation):
                await self.emit(
                    "userTyping",
                    {
                        "from": who,
                        "timestamp": iso_utc(presence.timestamp),
                        "conversationId": conversation,
                    },
                    room=OPERATORS_ROOM,
                )
        elif self._customer_typing.stopped(who, conversation):
            await self._customer_expired(who, conversation)

    async def _customer_expired(self, who: str, conversation: str | None) -> None:
        await self.emit(
            "userStoppedTyping",
            {"from": who, "conversationId": conversation},
            room=OPERATORS_ROOM,
        )

    async def _conversation_of(self, chat_id: str) -> str | None:
        key = normalize_phone(chat_id).key
        if key in self._chat_conversations:
            return self._chat_conversations[key]
        found = await self.ctx.executor.read(
            lambda: commands.conversation_for_phone_key(self.ctx.db, key)
        )
        if found is not None:
            if len(self._chat_conversations) > 50_000:
                self._chat_conversations.clear()
            self._chat_conversations[key] = found
        return found

    def close(self) -> None:
        self.close_awareness()
        self._operator_typing.close()
        self._customer_typing.close()
        for state in self.sockets.values():
            if state.timer is not None:
                state.timer.cancel()
