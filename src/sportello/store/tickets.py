"""Tickets: creation with gap-free human numbers, changes with history, filtered lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, or_, select, text, update
from sqlalchemy.orm import Session

from sportello.domain.values import OPEN_TICKET_STATUSES, Priority, TicketStatus
from sportello.store.dialect import connection_of
from sportello.store.models import TICKET_NUMBER_COUNTER, Counter, Ticket, TicketHistory, table_of

_TITLE_PREFIX = "WhatsApp: "
_TITLE_CHARS = 50


@dataclass(frozen=True, slots=True)
class OpenTicketRef:
    id: int
    priority: Priority


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


def auto_title(body: str) -> str:
    """PROTOCOL 4: "WhatsApp: <first 50 chars>" of the message, on one line."""
    return _TITLE_PREFIX + " ".join(body.split())[:_TITLE_CHARS]


_tickets = table_of(Ticket)
_history = table_of(TicketHistory)
_counters = table_of(Counter)
# Open statuses spelled as constants: no expanding IN parameter to rebuild per execution.
OPEN_TICKET_SQL = text(
    "tickets.status IN ("
    + ", ".join(f"'{status.value}'" for status in sorted(OPEN_TICKET_STATUSES))
    + ")"
)
_OPEN_TICKET = (
    select(_tickets.c.id, _tickets.c.priority)
    .where(_tickets.c.contact_id == bindparam("contact_id"), OPEN_TICKET_SQL)
    .order_by(_tickets.c.id.desc())
    .limit(1)
)
_NEXT_NUMBER = (
    update(_counters)
    .where(_counters.c.name == TICKET_NUMBER_COUNTER)
    .values(value=_counters.c.value + 1)
    .returning(_counters.c.value)
)
_INSERT_TICKET = insert(_tickets).returning(_tickets.c.id)
_INSERT_HISTORY = insert(_history)


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """A ticket as just created by the ingestion (same attribute names as the model)."""

    id: int
    number: int
    conversation_id: int
    contact_id: int
    title: str
    description: str
    status: TicketStatus
    priority: Priority
    assignee_id: int | None
    created_at: datetime
    updated_at: datetime


def open_ticket_for_contact(session: Session | Connection, contact_id: int) -> OpenTicketRef | None:
    """The contact's newest open ticket, if any."""
    row = connection_of(session).execute(_OPEN_TICKET, {"contact_id": contact_id}).one_or_none()
    return None if row is None else OpenTicketRef(id=row[0], priority=Priority(row[1]))


def next_ticket_number(session: Session | Connection) -> int:
    """Allocate the next human number (1, 2, 3, ...; a rolled-back transaction gives it back)."""
    return int(connection_of(session).execute(_NEXT_NUMBER).scalar_one())


def create_ticket(
    session: Session | Connection,
    *,
    contact_id: int,
    conversation_id: int,
    title: str,
    description: str,
    priority: Priority,
    now: datetime,
    actor_id: int | None = None,
    reason: str = "auto",
) -> TicketRecord:
    """A new PENDING ticket, with its creation in the history."""
    connection = connection_of(session)
    values = {
        "number": next_ticket_number(connection),
        "title": title[:255],
        "description": description,
        "status": TicketStatus.PENDING,
        "priority": priority,
        "assignee_id": None,
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
    }
    ticket_id = int(connection.execute(_INSERT_TICKET, values).scalar_one())
    connection.execute(
        _INSERT_HISTORY,
        {
            "ticket_id": ticket_id,
            "field": "status",
            "old_value": None,
            "new_value": TicketStatus.PENDING.value,
            "actor_id": actor_id,
            "at": now,
            "reason": reason,
        },
    )
    del values["closed_at"]
    return TicketRecord(id=ticket_id, **values)  # type: ignore[arg-type]


def lock_ticket(session: Session, ticket_id: int) -> Ticket | None:
    """Read a ticket for changing it (row-locked on PostgreSQL until commit)."""
    return session.execute(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    ).scalar_one_or_none()


def change_ticket(
    session: Session,
    ticket: Ticket,
    *,
    actor_id: int | None,
    now: datetime,
    reason: str,
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    assignee_id: int | None = None,
    unassign: bool = False,
) -> list[FieldChange]:
    """Apply the given changes, record each in the history; returns what actually changed.

    Assigning a PENDING ticket makes it ASSIGNED, unassigning an ASSIGNED one makes it
    PENDING again, unless the same change names a status itself.
    """
    changes: list[FieldChange] = []
    new_assignee = None if unassign else assignee_id
    reassigned = (unassign or assignee_id is not None) and new_assignee != ticket.assignee_id
    if status is None and reassigned:
        if new_assignee is not None and ticket.status is TicketStatus.PENDING:
            status = TicketStatus.ASSIGNED
        elif new_assignee is None and ticket.status is TicketStatus.ASSIGNED:
            status = TicketStatus.PENDING
    if status is not None and status is not ticket.status:
        changes.append(FieldChange("status", ticket.status.value, status.value))
        ticket.status = status
        ticket.closed_at = None if status.is_open else now
    if priority is not None and priority is not ticket.priority:
        changes.append(FieldChange("priority", ticket.priority.value, priority.value))
        ticket.priority = priority
    if reassigned:
        changes.append(FieldChange("assignee", _str(ticket.assignee_id), _str(new_assignee)))
        ticket.assignee_id = new_assignee
    if not changes:
        return []
    ticket.updated_at = now
    session.add_all(
        TicketHistory(
            ticket_id=ticket.id,
            field=change.field,
            old_value=change.old,
            new_value=change.new,
            actor_id=actor_id,
            at=now,
            reason=reason,
        )
        for change in changes
    )
    session.flush()
    return changes


def ticket_history(session: Session, ticket_id: int) -> list[TicketHistory]:
    return list(
        session.execute(
            select(TicketHistory)
            .where(TicketHistory.ticket_id == ticket_id)
            .order_by(TicketHistory.id)
        ).scalars()
    )


def get_ticket(session: Session, ticket_id: int) -> Ticket | None:
    return session.get(Ticket, ticket_id)


def list_tickets(
    session: Session,
    *,
    statuses: list[TicketStatus] | None = None,
    priorities: list[Priority] | None = None,
    assignee_id: int | None = None,
    contact_id: int | None = None,
    query: str | None = None,
    limit: int = 100,
    before_number: int | None = None,
) -> list[Ticket]:
    """Tickets matching every given filter, newest (highest number) first."""
    statement = select(Ticket).order_by(Ticket.number.desc()).limit(limit)
    if statuses:
        statement = statement.where(Ticket.status.in_(statuses))
    if priorities:
        statement = statement.where(Ticket.priority.in_(priorities))
    if assignee_id is not None:
        statement = statement.where(Ticket.assignee_id == assignee_id)
    if contact_id is not None:
        statement = statement.where(Ticket.contact_id == contact_id)
    if before_number is not None:
        statement = statement.where(Ticket.number < before_number)
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(
                Ticket.title.ilike(pattern, escape="\\"),
                Ticket.description.ilike(pattern, escape="\\"),
            )
        )
    return list(session.execute(statement).scalars())


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)
