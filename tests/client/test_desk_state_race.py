"""A `deskState` answer read before a push that reached the console first undoes nothing.

The server reads its waiting tickets, then a customer's message creates a ticket and the
`ticketCreated` push reaches the console before the `deskState` answer (which was read
before the ticket existed). The answer must not wipe the new ticket from the waiting list:
an URGENT ticket missing from it never rings again (seen in CI as a first reminder that
never came). The `call` given to DeskAwareness is the wire seam: here it holds the answer
until the push has been applied, in the order the real server can produce.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sportello.client.awareness import DeskAwareness
from sportello.client.changes import GatewayHealthChanged, TicketChanged, WaitingTicketsChanged
from sportello.client.records import Ticket
from sportello.client.state import ClientState
from sportello.domain.values import Priority, TicketStatus


def ticket(ticket_id: str, status: TicketStatus = TicketStatus.PENDING) -> Ticket:
    return Ticket(
        id=ticket_id,
        number=ticket_id,
        conversation_id="c1",
        title="Perdita di gas",
        status=status,
        priority=Priority.URGENT,
        created_at="2026-12-07T10:00:00Z",
    )


def waiting_entry(ticket_id: str) -> dict[str, Any]:
    return {
        "ticketId": ticket_id,
        "number": ticket_id,
        "conversationId": "c0",
        "priority": "MEDIUM",
        "title": "Caldaia",
        "since": "2026-12-07T09:00:00Z",
    }


class HeldAnswer:
    """A `deskState` whose first answer (read on the server before the push) waits for a go;
    a later question gets `later` (what the server knows by then), by default the same."""

    def __init__(self, answer: dict[str, Any], later: dict[str, Any] | None = None) -> None:
        self.answer = answer
        self.later = later or answer
        self.asked = asyncio.Event()
        self.go = asyncio.Event()
        self.questions = 0

    async def __call__(self, name: str, data: Any, timeout: float) -> Any:
        if name != "deskState":
            return {"ok": True}
        self.questions += 1
        if self.questions > 1:
            return self.later
        self.asked.set()
        await self.go.wait()
        return self.answer


async def test_a_ticket_pushed_while_desk_state_is_in_flight_stays_waiting() -> None:
    state = ClientState("1")
    call = HeldAnswer({"ok": True, "waitingTickets": [waiting_entry("7")]})
    awareness = DeskAwareness(state, call)
    published: list[WaitingTicketsChanged] = []
    state.subscribe(lambda c: published.append(c) if isinstance(c, WaitingTicketsChanged) else 0)

    refreshing = asyncio.create_task(awareness.refresh())
    await call.asked.wait()
    state.publish(TicketChanged(ticket("8"), created=True))  # the push, before the answer
    assert set(awareness.waiting) == {"8"}
    call.go.set()
    await refreshing

    assert set(awareness.waiting) == {"7", "8"}  # the answer's list, and the pushed ticket
    assert {t.ticket_id for t in published[-1].waiting} == {"7", "8"}


async def test_a_ticket_opened_while_desk_state_is_in_flight_stays_opened() -> None:
    state = ClientState("1")
    call = HeldAnswer({"ok": True, "waitingTickets": [waiting_entry("7"), waiting_entry("9")]})
    awareness = DeskAwareness(state, call)

    refreshing = asyncio.create_task(awareness.refresh())
    await call.asked.wait()
    awareness.apply("ticketOpened", {"ticketId": "7"})  # a colleague opened it meanwhile
    state.publish(TicketChanged(ticket("9", TicketStatus.CLOSED), created=False))
    call.go.set()
    await refreshing

    assert awareness.waiting == {}


async def test_later_answers_apply_alone() -> None:
    """Only the pushes of the flight are applied again: the next answer is the truth."""
    state = ClientState("1")
    call = HeldAnswer({"ok": True, "waitingTickets": []})
    awareness = DeskAwareness(state, call)
    refreshing = asyncio.create_task(awareness.refresh())
    await call.asked.wait()
    state.publish(TicketChanged(ticket("8"), created=True))
    call.go.set()
    await refreshing
    assert set(awareness.waiting) == {"8"}

    await awareness.refresh()  # the server now says nothing waits (8 was opened elsewhere)
    assert awareness.waiting == {}


async def test_a_gateway_drop_pushed_while_desk_state_is_in_flight_stays_down() -> None:
    state = ClientState("1")
    up = {"key": "wppconnect:sportello", "gateway": "wppconnect", "state": "CONNECTED"}
    down = {**up, "state": "DISCONNECTED", "down": True}
    # The push also asks again (may replies go out?): by then the server knows it is down.
    call = HeldAnswer({"ok": True, "gateways": [up]}, later={"ok": True, "gateways": [down]})
    awareness = DeskAwareness(state, call)
    seen: list[tuple[str, ...]] = []
    state.subscribe(
        lambda c: (
            seen.append(tuple(g.key for g in c.gateways if g.down))
            if isinstance(c, GatewayHealthChanged)
            else None
        )
    )
    refreshing = asyncio.create_task(awareness.refresh())
    await call.asked.wait()
    awareness.apply("gatewayState", down)
    call.go.set()
    await refreshing
    assert call.questions == 2  # one question at a time: the second after the first answer
    # The first answer (read before the drop) never showed the gateway up again.
    assert all(keys == ("wppconnect:sportello",) for keys in seen), seen
    assert [g.key for g in awareness.gateways_down] == ["wppconnect:sportello"]
