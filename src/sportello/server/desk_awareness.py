"""Socket commands and pushes of "never miss, never collide" (docs/protocol.md, section 4).

A mixin of `RealtimeHub`: `viewConversation` (presence, ticket openings, the service
window of the conversation), `deskState` (what a console needs after connecting), the
`presence`, `gatewayState` and (to admins) `gatewayLine` pushes, and the checks run before
a reply is queued (send_gate.py: can its gateway send at all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import socketio

from sportello.domain import permissions
from sportello.domain.values import Gateway, utc_now
from sportello.ingest.parsed import GatewayState
from sportello.server import service_window
from sportello.server.broadcast import ADMINS_ROOM, NAMESPACE, OPERATORS_ROOM
from sportello.server.client_events import refused as _fail
from sportello.server.commands import CommandError, SendRequest, parse_id
from sportello.server.gateway_health import GatewayHealth
from sportello.server.line_view import not_configured
from sportello.server.presence import PresenceBoard
from sportello.server.send_gate import SendGate
from sportello.store.events import StoredEvent, append_events
from sportello.store.ticket_openings import open_conversation_tickets, waiting_tickets

if TYPE_CHECKING:
    from sportello.server.auth import OperatorInfo
    from sportello.server.context import ServerContext
    from sportello.server.wpp_line import WppLine

PRESENCE = "presence"
GATEWAY_STATE = "gatewayState"
GATEWAY_LINE = "gatewayLine"


def _default_gateway(wppconnect_url: str | None, meta_number: str | None) -> Gateway:
    """Where a reply to a brand-new number goes (same rule as server/app.py)."""
    if wppconnect_url is None and meta_number is not None:
        return Gateway.META
    return Gateway.WPPCONNECT


def make_gateway_health(
    sio: socketio.AsyncServer, states: dict[str, GatewayState]
) -> GatewayHealth:
    """GatewayHealth pushing `gatewayState` to every operator and `gatewayLine` to admins,
    through the Socket.IO manager (with --redis, every node's consoles get them)."""

    async def to_operators(payload: dict[str, Any]) -> None:
        await sio.emit(GATEWAY_STATE, payload, room=OPERATORS_ROOM, namespace=NAMESPACE)

    async def to_admins(payload: dict[str, Any]) -> None:
        await sio.emit(GATEWAY_LINE, payload, room=ADMINS_ROOM, namespace=NAMESPACE)

    return GatewayHealth(states, to_operators, to_admins)


class DeskAwareness:
    """Mixed into RealtimeHub; relies on its `ctx`, `emit` and `_operator(sid)`."""

    ctx: ServerContext

    if TYPE_CHECKING:

        def _operator(self, sid: str) -> OperatorInfo | None: ...
        async def emit(self, event: str, data: Any = None, **kwargs: Any) -> None: ...

    def _init_awareness(self, health: GatewayHealth, line: WppLine | None) -> None:
        config = self.ctx.config
        node = config.node_name or f"{config.host}:{config.port}"
        self.presence = PresenceBoard(
            self._publish_presence,
            view_timeout=config.presence_timeout,
            typing_timeout=config.typing_timeout,
            node=node,
        )
        self.gateway_health = health
        self.line = line
        self.send_gate = SendGate(config, line)

    async def _publish_presence(self, conversation_id: str, payload: dict[str, Any]) -> None:
        await self.emit(PRESENCE, payload, room=OPERATORS_ROOM)

    async def gateway_state(self, state: GatewayState) -> None:
        """A gateway webhook reported its session state."""
        await self.gateway_health.record(state)
        if self.line is not None:
            await self.line.on_webhook(state)

    def line_json(self) -> dict[str, Any]:
        """The `line` object of docs/protocol.md, as this node knows it."""
        if self.line is not None:
            return self.line.view.to_json()
        return not_configured(self.ctx.config.wppconnect_session or "default").to_json()

    # -- commands ----------------------------------------------------------------------

    async def on_viewConversation(self, sid: str, *args: Any) -> dict[str, Any]:
        operator = self._operator(sid)
        if operator is None:
            return _fail("unauthorized", "authenticate first")
        data = args[0] if args and isinstance(args[0], dict) else {}
        raw = data.get("conversationId")
        if raw in (None, ""):
            await self.presence.view(sid, operator.id, operator.display_name, None)
            return {"ok": True, "conversationId": None}
        try:
            conversation_id = parse_id(raw, "conversationId")
        except CommandError as exc:
            return _fail(exc.code, exc.message)
        window = await self.ctx.executor.read(
            lambda: service_window.conversation_window(self.ctx.db, conversation_id)
        )
        if window is None:
            return _fail("not_found", f"no conversation with id {conversation_id}")
        key = str(conversation_id)
        await self.presence.view(sid, operator.id, operator.display_name, key)
        opened = await self.ctx.executor.write_events(
            lambda: self._record_openings(conversation_id, operator.id)
        )
        return {
            "ok": True,
            "conversationId": key,
            "presence": self.presence.of(key),
            "serviceWindow": window,
            "opened": opened,
        }

    def _record_openings(
        self, conversation_id: int, operator_id: int
    ) -> tuple[list[str], list[StoredEvent]]:
        with self.ctx.db.session() as session:
            drafts = open_conversation_tickets(session, conversation_id, operator_id, utc_now())
            if not drafts:
                session.rollback()
                return [], []
            stored = append_events(session, drafts)
            session.commit()
        return [str(d.payload["ticketId"]) for d in drafts], stored

    async def on_deskState(self, sid: str, *args: Any) -> dict[str, Any]:
        operator = self._operator(sid)
        if operator is None:
            return _fail("unauthorized", "authenticate first")

        def read() -> list[dict[str, Any]]:
            with self.ctx.db.read_session() as session:
                return [t.to_json() for t in waiting_tickets(session)]

        waiting = await self.ctx.executor.read(read)
        config = self.ctx.config
        answer = {
            "ok": True,
            "settings": {
                "assigneeOnlyReplies": config.assignee_only_replies,
                "serviceWindowHours": 24,
                "defaultGateway": _default_gateway(
                    config.wppconnect_url, config.meta_phone_number_id
                ).value,
            },
            "gateways": self.gateway_health.snapshot(),
            "canSend": self.send_gate.to_json(),
            "presence": self.presence.all(),
            "waitingTickets": waiting,
        }
        if permissions.allowed(operator.role, permissions.DeskAction.CONNECT_WHATSAPP_LINE):
            answer["line"] = self.line_json()
        return answer

    # -- hooks called by RealtimeHub ---------------------------------------------------

    async def check_send(self, request: SendRequest, operator_id: int) -> None:
        """Raise CommandError when the reply must be refused (see server/service_window.py)."""
        config = self.ctx.config
        await self.ctx.executor.read(
            lambda: service_window.check_send(
                self.ctx.db,
                request,
                operator_id,
                assignee_only=config.assignee_only_replies,
                default_gateway=_default_gateway(
                    config.wppconnect_url, config.meta_phone_number_id
                ),
                gate=self._gate,
            )
        )

    async def check_retry(self, message_id: int, operator_id: int) -> None:
        """Raise CommandError when sending this failed reply again must be refused."""
        assignee_only = self.ctx.config.assignee_only_replies
        await self.ctx.executor.read(
            lambda: service_window.check_retry(
                self.ctx.db, message_id, operator_id, assignee_only=assignee_only, gate=self._gate
            )
        )

    def _gate(self, gateway: Gateway, account: str | None) -> None:
        """Raise the refusal of send_gate.py (runs on a database reader thread: memory only)."""
        refused = self.send_gate.refusal(gateway, account)
        if refused is not None:
            raise CommandError(refused.code, refused.message)

    async def awareness_left(self, sid: str, operator_id: int, last_socket: bool) -> None:
        await self.presence.leave(sid, operator_id, last_socket)

    def close_awareness(self) -> None:
        self.presence.close()


__all__ = ["GATEWAY_LINE", "GATEWAY_STATE", "NAMESPACE", "PRESENCE", "DeskAwareness"]
