"""What operators do at the desk, each as one transaction that ends with its events:
mark as read, change a ticket, queue a reply; and the outbox steps of sending a reply.

These live next to the ingestion (not in `store/`) because they build wire payloads;
the store only knows rows. Failures are `DeskError` values with a code and one line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sportello.domain.permissions import is_reassignment
from sportello.domain.phone import normalize_phone
from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    Gateway,
    MessageType,
    Priority,
    TicketStatus,
    utc_now,
)
from sportello.ingest import events as wire
from sportello.ingest.service import StatusApplied, status_advances
from sportello.store.contacts import upsert_contact
from sportello.store.conversations import get_conversation, touch_conversation, upsert_conversation
from sportello.store.database import Database
from sportello.store.dialect import insert_for
from sportello.store.events import StoredEvent, append_events
from sportello.store.messages import find_by_client_id, mark_read_up_to
from sportello.store.models import Contact, Conversation, Message, Operator, OutboxItem, Ticket
from sportello.store.pending_statuses import claim_statuses, lock_gateway_id
from sportello.store.tickets import (
    auto_title,
    change_ticket,
    create_ticket,
    lock_ticket,
    open_ticket_for_contact,
)

log = logging.getLogger(__name__)


class DeskError(Exception):
    """An operator request we refuse: `code` is snake_case for the wire, the text says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ReadReceipt:
    """What the gateway needs to show the customer their messages were read (blue ticks):
    the chat, and the newest message the read covered (the Cloud API marks by message)."""

    gateway: Gateway
    account: str | None
    chat_id: str
    e164: str | None
    is_group: bool
    gateway_message_id: str


@dataclass(frozen=True, slots=True)
class ReadResult:
    message_ids: list[int]  # the messages this call marked read (empty: already read)
    events: list[StoredEvent]
    receipt: ReadReceipt | None = None  # set when something became read


@dataclass(frozen=True, slots=True)
class TicketResult:
    ticket: dict[str, Any]  # the wire `ticket` object after the change
    changed: list[str]  # names of the fields that changed (empty: nothing to do)
    events: list[StoredEvent]


@dataclass(frozen=True, slots=True)
class QueuedReply:
    message_id: int
    created: bool  # False: this clientId was already queued; nothing new was stored
    message: dict[str, Any]  # the newMessage payload of the reply (without seq)
    events: list[StoredEvent]


@dataclass(frozen=True, slots=True)
class OutboxJob:
    """A reply to hand to its gateway; `attempt` counts from 1."""

    outbox_id: int
    message_id: int
    gateway: Gateway
    account: str | None
    chat_id: str
    e164: str | None
    is_group: bool
    body: str
    attempt: int


class DeskService:
    def __init__(self, db: Database, *, default_gateway: Gateway = Gateway.WPPCONNECT) -> None:
        self._db = db
        self._default_gateway = default_gateway

    def mark_read(self, message_id: int, operator_id: int) -> ReadResult:
        """Read by one = read for all: this message and every earlier unread one of its chat."""
        with self._db.session() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise DeskError("not_found", f"no message with id {message_id}")
            if message.direction is not Direction.INCOMING:
                return ReadResult([], [])
            # One reader per conversation at a time: concurrent markAsRead calls then never
            # lock the same message rows in different orders (a deadlock on PostgreSQL).
            session.execute(
                select(Conversation.id)
                .where(Conversation.id == message.conversation_id)
                .with_for_update()
            )
            now = utc_now()
            changed = mark_read_up_to(session, message, operator_id, now)
            if not changed:
                session.rollback()
                return ReadResult([], [])
            stored = append_events(
                session, [wire.message_read(changed_id, operator_id, now) for changed_id in changed]
            )
            receipt = _receipt(session, message)
            session.commit()
        return ReadResult(changed, stored, receipt)

    def update_ticket(
        self,
        ticket_id: int,
        actor_id: int | None,
        *,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        assignee_id: int | None = None,
        unassign: bool = False,
        reason: str = "updated",
        reassign_refusal: str | None = None,
    ) -> TicketResult:
        """Change a ticket; each changed field goes to the history, one ticketUpdated event.

        With `reassign_refusal` set, a change that moves the ticket to or from someone other
        than the actor is refused with that reason (`forbidden`), decided under the lock.
        """
        with self._db.session() as session:
            ticket = lock_ticket(session, ticket_id)
            if ticket is None:
                raise DeskError("not_found", f"no ticket with id {ticket_id}")
            if (
                reassign_refusal is not None
                and actor_id is not None
                and is_reassignment(actor_id, ticket.assignee_id, assignee_id, unassign)
            ):
                raise DeskError("forbidden", reassign_refusal)
            if assignee_id is not None and session.get(Operator, assignee_id) is None:
                raise DeskError("invalid_assignee", f"no operator with id {assignee_id}")
            changes = change_ticket(
                session,
                ticket,
                actor_id=actor_id,
                now=utc_now(),
                reason=reason,
                status=status,
                priority=priority,
                assignee_id=assignee_id,
                unassign=unassign,
            )
            if not changes:
                session.rollback()
                return TicketResult(wire.ticket_dict(ticket), [], [])
            stored = append_events(session, [wire.ticket_updated(ticket, reason=reason)])
            session.commit()
        return TicketResult(wire.ticket_dict(ticket), [c.field for c in changes], stored)

    def create_ticket(
        self,
        message_id: int,
        operator_id: int,
        *,
        title: str | None = None,
        priority: Priority | None = None,
    ) -> TicketResult:
        """An operator opens a ticket by hand from a customer's message (reason "manual").

        Refused with `already_open` when the contact has an open ticket: one open ticket per
        contact is what auto-ticketing links messages to.
        """
        with self._db.session() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise DeskError("not_found", f"no message with id {message_id}")
            # Serialise with the ingestion and other operators on this conversation.
            session.execute(
                select(Conversation.id)
                .where(Conversation.id == message.conversation_id)
                .with_for_update()
            )
            conversation = session.get(Conversation, message.conversation_id)
            assert conversation is not None, "a message always has its conversation"
            open_ref = open_ticket_for_contact(session, conversation.contact_id)
            if open_ref is not None:
                existing = session.get(Ticket, open_ref.id)
                label = existing.number if existing is not None else open_ref.id
                raise DeskError("already_open", f"the contact already has open ticket #{label}")
            text = message.body or message.media_caption or ""
            now = utc_now()
            record = create_ticket(
                session,
                contact_id=conversation.contact_id,
                conversation_id=conversation.id,
                title=(title or "").strip()[:255] or auto_title(text or "Nuovo ticket"),
                description=text,
                priority=priority or Priority.MEDIUM,
                now=now,
                actor_id=operator_id,
                reason="manual",
            )
            if message.ticket_id is None:
                message.ticket_id = record.id
            stored = append_events(session, [wire.ticket_created(record, reason="manual")])
            session.commit()
        return TicketResult(wire.ticket_dict(record), ["created"], stored)

    def queue_outgoing(
        self,
        *,
        body: str,
        client_id: str,
        operator_id: int,
        conversation_id: int | None = None,
        to: str | None = None,
    ) -> QueuedReply:
        """Store a reply as `queued` with its outbox row; the same client_id queues once."""
        if not body.strip():
            raise DeskError("empty_body", "the message is empty")
        if not client_id:
            raise DeskError("missing_client_id", "clientId is required (idempotency key)")
        with self._db.session() as session:
            existing = find_by_client_id(session, client_id)
            if existing is not None:
                return self._already_queued(session, existing)
            operator = session.get(Operator, operator_id)
            if operator is None:
                raise DeskError("unknown_operator", f"no operator with id {operator_id}")
            now = utc_now()
            conversation, contact = self._target(session, conversation_id, to, now)
            ticket = open_ticket_for_contact(session, contact.id)
            inserted = session.execute(
                insert_for(session, Message)
                .values(
                    conversation_id=conversation.id,
                    gateway=conversation.gateway,
                    client_id=client_id,
                    direction=Direction.OUTGOING,
                    status=DeliveryStatus.QUEUED,
                    status_at=now,
                    type=MessageType.TEXT,
                    body=body,
                    timestamp=now,
                    created_at=now,
                    sender_name=operator.display_name,
                    sent_by_id=operator.id,
                    ticket_id=ticket.id if ticket else None,
                )
                .on_conflict_do_nothing(index_elements=[Message.client_id])
                .returning(Message.id)
            ).scalar_one_or_none()
            if inserted is None:  # the same clientId queued concurrently: theirs wins
                session.rollback()
                found = find_by_client_id(session, client_id)
                assert found is not None, "client_id conflicted but no message has it"
                return self._already_queued(session, found)
            session.add(OutboxItem(message_id=inserted, next_attempt_at=now, created_at=now))
            touch_conversation(session, conversation.id, now)
            session.flush()
            message = session.get(Message, inserted)
            assert message is not None
            draft = wire.new_message(
                wire.message_facts(message, contact),
                ticket_priority=ticket.priority if ticket else None,
            )
            stored = append_events(session, [draft])
            session.commit()
        return QueuedReply(inserted, True, draft.payload, stored)

    def claim_outbox(
        self, *, limit: int = 20, lease: timedelta = timedelta(seconds=60)
    ) -> list[OutboxJob]:
        """Take due replies for sending; other nodes skip them until the lease runs out."""
        now = utc_now()
        with self._db.session() as session:
            rows = session.execute(
                select(OutboxItem, Message, Conversation, Contact)
                .join(Message, Message.id == OutboxItem.message_id)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(OutboxItem.next_attempt_at <= now)
                .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                .limit(limit)
                .with_for_update(of=OutboxItem, skip_locked=True)
            ).all()
            jobs = []
            for item, message, conversation, contact in rows:
                if message.gateway_message_id is not None:
                    # Its echo came back from the gateway: it was sent, whatever our
                    # request's answer said. Never send it twice.
                    session.delete(item)
                    continue
                item.attempts += 1
                item.next_attempt_at = now + lease
                jobs.append(
                    OutboxJob(
                        outbox_id=item.id,
                        message_id=message.id,
                        gateway=conversation.gateway,
                        account=conversation.account,
                        chat_id=contact.chat_id,
                        e164=contact.e164,
                        is_group=contact.is_group,
                        body=message.body,
                        attempt=item.attempts,
                    )
                )
            session.commit()
        return jobs

    def record_sent(self, outbox_id: int, gateway_message_id: str) -> StatusApplied | None:
        """The gateway accepted the reply: remember its id, status `sent`, outbox row gone."""
        now = utc_now()
        with self._db.session() as session:
            item = session.get(OutboxItem, outbox_id)
            if item is None:
                return None
            message = session.get(Message, item.message_id)
            assert message is not None, "outbox rows cascade with their message"
            # The id lock first (as apply_status takes it), then the rows.
            lock_gateway_id(session, message.gateway, gateway_message_id)
            item = session.get(OutboxItem, outbox_id, with_for_update=True, populate_existing=True)
            if item is None:  # recorded meanwhile by another node
                session.rollback()
                return None
            session.refresh(message, with_for_update=True)
            session.execute(delete(OutboxItem).where(OutboxItem.id == outbox_id))
            message.gateway_message_id = gateway_message_id
            result = self._advance(session, message, DeliveryStatus.SENT, now, None)
            events = list(result.events)
            # Acks that overtook the gateway's answer to our send request.
            for early in claim_statuses(session, message.gateway, gateway_message_id):
                moved = self._advance(session, message, early.status, early.status_at, early.error)
                events.extend(moved.events)
            session.commit()
        return StatusApplied(message.id, message.status, events)

    def record_send_failure(
        self, outbox_id: int, error: str, *, retry_at: datetime | None
    ) -> StatusApplied | None:
        """A send attempt failed: try again at `retry_at`, or give up (status `failed`)."""
        now = utc_now()
        with self._db.session() as session:
            item = session.get(OutboxItem, outbox_id, with_for_update=True)
            if item is None:
                return None
            if retry_at is not None:
                session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id == outbox_id)
                    .values(next_attempt_at=retry_at, last_error=error)
                )
                session.commit()
                return StatusApplied(item.message_id, DeliveryStatus.QUEUED, [])
            message = session.get(Message, item.message_id, with_for_update=True)
            assert message is not None, "outbox rows cascade with their message"
            session.execute(delete(OutboxItem).where(OutboxItem.id == outbox_id))
            result = self._advance(session, message, DeliveryStatus.FAILED, now, error)
            session.commit()
        return result

    def _advance(
        self,
        session: Session,
        message: Message,
        status: DeliveryStatus,
        now: datetime,
        error: str | None,
    ) -> StatusApplied:
        if not status_advances(message.status, status):
            session.flush()
            return StatusApplied(message.id, message.status, [])
        message.status = status
        message.status_at = now
        if error is not None:
            message.error = error
        session.flush()
        stored = append_events(
            session,
            [
                wire.message_status_update(
                    message.id, status, now, error, conversation_id=message.conversation_id
                )
            ],
        )
        return StatusApplied(message.id, status, stored)

    def _target(
        self, session: Session, conversation_id: int | None, to: str | None, now: datetime
    ) -> tuple[Conversation, Contact]:
        if conversation_id is not None:
            found = get_conversation(session, conversation_id)
            if found is None:
                raise DeskError("not_found", f"no conversation with id {conversation_id}")
            return found
        if not to:
            raise DeskError("missing_recipient", "give conversationId or to")
        phone = normalize_phone(to)
        if not phone.is_valid and not phone.is_group:
            raise DeskError("invalid_phone", f"{to!r} is not a valid phone number")
        contact_ref = upsert_contact(session, phone, display_name=None, now=now)
        new_id = upsert_conversation(
            session,
            contact_ref.id,
            gateway=self._default_gateway,
            account=None,
            message_at=now,
            direction=Direction.OUTGOING,
            now=now,
        )
        found = get_conversation(session, new_id.id)
        assert found is not None
        return found

    def _already_queued(self, session: Session, message: Message) -> QueuedReply:
        found = get_conversation(session, message.conversation_id)
        assert found is not None
        ticket = session.get(Ticket, message.ticket_id) if message.ticket_id else None
        draft = wire.new_message(
            wire.message_facts(message, found[1]),
            ticket_priority=ticket.priority if ticket else None,
        )
        session.rollback()
        return QueuedReply(message.id, False, draft.payload, [])


def _receipt(session: Session, message: Message) -> ReadReceipt | None:
    """The read receipt for `message` (the newest one a read just covered), if it can have one."""
    if message.gateway_message_id is None:
        return None
    row = session.execute(
        select(Conversation.account, Contact.chat_id, Contact.e164, Contact.is_group)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.id == message.conversation_id)
    ).one_or_none()
    if row is None:
        return None
    account, chat_id, e164, is_group = row
    return ReadReceipt(
        message.gateway, account, chat_id, e164, is_group, message.gateway_message_id
    )
