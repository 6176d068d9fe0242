"""A console client (`ConsoleClient`) whose network half is a recorder.

State and desk awareness are the real ClientState and DeskAwareness, fed through their
public methods exactly as the client core feeds them from wire events; actions are
recorded and answered the way a server would. It is not a SportelloClient: it satisfies
the port the UI asks for (ui/client_port.py), which mypy checks below.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from sportello.client.awareness import DeskAwareness
from sportello.client.changes import ProtocolProfile
from sportello.client.desk_admin import DeskAdmin
from sportello.client.errors import ClientError, FeatureUnavailable, NotConnected, ServerRejected
from sportello.client.line_state import WhatsAppLine
from sportello.client.records import (
    LOCAL_ID_PREFIX,
    Message,
    Operator,
    SearchHit,
    ServerProfile,
    Ticket,
    TicketEvent,
)
from sportello.client.rest import RestApi
from sportello.client.state import ClientState
from sportello.domain.values import DeliveryStatus, Direction, Priority, TicketStatus
from sportello.ui.client_port import ConsoleClient

_ids = itertools.count(1)


def stamp(minute: int, day: int = 0, hour: int = 9) -> str:
    """A wire timestamp for tests: 2024-05-10 09:00 UTC plus offsets."""
    return f"2024-05-{10 + day:02d}T{hour:02d}:{minute:02d}:00.000Z"


def incoming(
    conv: str, body: str, ts: str, *, name: str = "", phone: str = "", mid: str = ""
) -> Message:
    return Message(
        id=mid or f"m{next(_ids)}",
        conversation_id=conv,
        timestamp=ts,
        direction=Direction.INCOMING,
        status=DeliveryStatus.RECEIVED,
        body=body,
        sender_name=name or None,
        phone=phone or None,
    )


def outgoing(
    conv: str,
    body: str,
    ts: str,
    status: DeliveryStatus,
    *,
    mid: str = "",
    error: str | None = None,
) -> Message:
    return Message(
        id=mid or f"m{next(_ids)}",
        conversation_id=conv,
        timestamp=ts,
        direction=Direction.OUTGOING,
        status=status,
        body=body,
        error=error,
    )


def ticket(
    tid: str, conv: str, number: str, priority: Priority = Priority.MEDIUM, **kw: Any
) -> Ticket:
    return Ticket(
        id=tid,
        number=number,
        conversation_id=conv,
        title=kw.pop("title", "WhatsApp: richiesta"),
        status=kw.pop("status", TicketStatus.PENDING),
        priority=priority,
        contact_id=kw.pop("contact_id", "c-" + conv),
        created_at=kw.pop("created_at", stamp(0)),
        updated_at=kw.pop("updated_at", stamp(0)),
        **kw,
    )


class FakeClient:
    def __init__(self, user_id: str = "op1") -> None:
        self.profile = ServerProfile("http://127.0.0.1:3200", "t0ken", user_id, "test")
        self.state = ClientState(own_user_id=user_id)
        # Real desk awareness on a connection that never comes up, as a client offline.
        self.awareness = DeskAwareness(self.state, self._call)
        self.admin = DeskAdmin(RestApi(self.profile.url, self.profile.token))
        # The real line record keeper; tests feed it `gatewayLine` events (`line.apply`).
        self.line = WhatsAppLine(self.state, RestApi(self.profile.url, self.profile.token))
        self.calls: list[tuple[str, Any]] = []
        self.pages: dict[str, list[Message]] = {}  # full history per conversation, oldest first
        self.page_size = 20
        self.fail_update: str | None = None
        self.search_hits: list[SearchHit] = []
        self.operator_list: list[Operator] = []
        self.histories: dict[str, list[TicketEvent]] = {}
        self._sent = itertools.count(1)
        # What `deskState` answers (None: nothing, as a client offline).
        self.desk_state: dict[str, Any] | None = None

    async def _call(self, event: str, data: Any, timeout: float) -> Any:
        if event == "deskState" and self.desk_state is not None:
            self.calls.append(("desk_state", None))
            return self.desk_state
        raise NotConnected(f"cannot send {event}: not connected to the server")

    async def start(self) -> None:
        self.calls.append(("start", None))

    async def stop(self) -> None:
        self.calls.append(("stop", None))

    async def open_thread(self, conversation_id: str, page_size: int = 50) -> None:
        self.calls.append(("open_thread", conversation_id))
        history = self.pages.get(conversation_id, [])
        page = history[-self.page_size :]
        self.state.open_thread(conversation_id, page, has_older=len(history) > len(page))

    def close_thread(self) -> None:
        self.state.close_thread()

    async def load_older(self, conversation_id: str, page_size: int = 50) -> int:
        self.calls.append(("load_older", conversation_id))
        history = self.pages.get(conversation_id, [])
        loaded = self.state.thread
        oldest = loaded[0].sort_key if loaded else None
        older = [m for m in history if oldest is None or m.sort_key < oldest]
        page = older[-self.page_size :]
        return self.state.prepend_messages(conversation_id, page, has_older=len(older) > len(page))

    async def send_message(
        self, conversation_id: str | None, body: str, *, to: str | None = None
    ) -> Message:
        self.calls.append(("send_message", (conversation_id, body)))
        client_id = f"c{next(self._sent)}"
        message = Message(
            id=LOCAL_ID_PREFIX + client_id,
            conversation_id=conversation_id or "",
            timestamp=stamp(59, hour=23),
            direction=Direction.OUTGOING,
            status=DeliveryStatus.QUEUED,
            body=body,
            client_id=client_id,
        )
        self.state.apply_message(message)
        return message

    async def retry(self, message: Message) -> Message:
        """In place, as the real client does: the same message queued again."""
        self.calls.append(("retry", message.id))
        self.state.apply_status(
            message.id, DeliveryStatus.QUEUED, conversation_id=message.conversation_id, retry=True
        )
        return replace(message, status=DeliveryStatus.QUEUED, error=None)

    async def mark_read(self, conversation_id: str) -> None:
        self.calls.append(("mark_read", conversation_id))
        newest = self.state.newest_unread(conversation_id)
        if newest is not None:
            self.state.apply_read(newest, cascade=True)

    async def update_ticket(
        self,
        ticket_id: str,
        *,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        assignee_id: str | None = None,
    ) -> Ticket:
        self.calls.append(("update_ticket", (ticket_id, status, priority, assignee_id)))
        if self.fail_update:
            raise ClientError(self.fail_update)
        old = self.state.tickets[ticket_id]
        new = replace(
            old,
            status=status or old.status,
            priority=priority or old.priority,
            assignee_id=assignee_id or old.assignee_id,
        )
        self.state.apply_ticket(new)
        return new

    async def create_ticket_from_message(
        self, message_id: str, title: str | None = None, priority: Priority | None = None
    ) -> Ticket:
        self.calls.append(("create_ticket", message_id))
        if self.state.profile is ProtocolProfile.SEED:
            raise FeatureUnavailable("create_ticket", "ticket edits are not available")
        found = [m for m in self.state.thread if m.id == message_id]
        conv = found[0].conversation_id if found else None
        if conv is not None and any(
            t.conversation_id == conv and t.is_open for t in self.state.tickets.values()
        ):
            raise ServerRejected("create ticket: the contact already has an open ticket")
        number = str(900 + len(self.state.tickets))
        created = Ticket(
            id=f"t-{number}",
            number=number,
            conversation_id=conv,
            title=title or f"WhatsApp: {found[0].body if found else ''}"[:60],
            status=TicketStatus.PENDING,
            priority=priority or Priority.MEDIUM,
            created_at="2024-05-10T10:00:00.000Z",
            updated_at="2024-05-10T10:00:00.000Z",
        )
        self.state.apply_ticket(created, "manual")
        return created

    async def operators(self) -> list[Operator]:
        self.calls.append(("operators", None))
        return list(self.operator_list)

    async def ticket_history(self, ticket_id: str) -> list[TicketEvent]:
        self.calls.append(("ticket_history", ticket_id))
        return list(self.histories.get(ticket_id, []))

    async def search(self, q: str) -> list[SearchHit]:
        self.calls.append(("search", q))
        return list(self.search_hits)

    async def typing(self, conversation_id: str) -> None:
        self.calls.append(("typing", conversation_id))

    async def stop_typing(self, conversation_id: str) -> None:
        self.calls.append(("stop_typing", conversation_id))

    def called(self, name: str) -> list[Any]:
        return [args for call, args in self.calls if call == name]


def _the_fake_fits(fake: FakeClient) -> ConsoleClient:
    """mypy checks here that the fake keeps satisfying the port the UI asks for."""
    return fake
