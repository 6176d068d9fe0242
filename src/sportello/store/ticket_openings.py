"""Who first opened each ticket: escalating alerts ring until somebody has.

A ticket is "opened" the first time any operator opens its conversation in a console
(`viewConversation`). The opening is stored with a `ticketOpened` event in the same
transaction, so every client learns it live or through `sync`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sportello.domain.values import OPEN_TICKET_STATUSES, Priority, iso_utc
from sportello.store.dialect import insert_for
from sportello.store.events import EventDraft
from sportello.store.models import Operator, Ticket, TicketOpening

TICKET_OPENED = "ticketOpened"


@dataclass(frozen=True, slots=True)
class WaitingTicket:
    """An open ticket nobody has opened yet."""

    id: int
    number: int
    conversation_id: int
    priority: Priority
    title: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "ticketId": str(self.id),
            "number": self.number,
            "conversationId": str(self.conversation_id),
            "priority": self.priority.value,
            "title": self.title,
            "createdAt": iso_utc(self.created_at),
        }


def _unopened() -> Any:
    return (
        select(Ticket)
        .outerjoin(TicketOpening, TicketOpening.ticket_id == Ticket.id)
        .where(TicketOpening.ticket_id.is_(None), Ticket.status.in_(OPEN_TICKET_STATUSES))
    )


def waiting_tickets(session: Session, limit: int = 500) -> list[WaitingTicket]:
    """Open tickets nobody has opened, oldest first."""
    rows = session.execute(_unopened().order_by(Ticket.id).limit(limit)).scalars()
    return [
        WaitingTicket(t.id, t.number, t.conversation_id, t.priority, t.title, t.created_at)
        for t in rows
    ]


def open_conversation_tickets(
    session: Session, conversation_id: int, operator_id: int, now: datetime
) -> list[EventDraft]:
    """Mark the conversation's unopened open tickets as opened by `operator_id`.

    Returns the `ticketOpened` drafts to append (none when everything was opened already).
    Concurrent openers: the primary key keeps the first, the others insert nothing.
    """
    tickets = (
        session.execute(_unopened().where(Ticket.conversation_id == conversation_id))
        .scalars()
        .all()
    )
    if not tickets:
        return []
    operator = session.get(Operator, operator_id)
    drafts = []
    for ticket in tickets:
        inserted = session.execute(
            insert_for(session, TicketOpening)
            .values(ticket_id=ticket.id, operator_id=operator_id, opened_at=now)
            .on_conflict_do_nothing(index_elements=[TicketOpening.ticket_id])
            .returning(TicketOpening.ticket_id)
        ).scalar_one_or_none()
        if inserted is None:
            continue
        drafts.append(
            EventDraft(
                TICKET_OPENED,
                {
                    "ticketId": str(ticket.id),
                    "conversationId": str(conversation_id),
                    "openedBy": str(operator_id),
                    "openedByName": operator.display_name if operator else None,
                    "openedAt": iso_utc(now),
                },
            )
        )
    return drafts
