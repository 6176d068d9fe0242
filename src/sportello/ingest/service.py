"""The ingestion core: a gateway message in, a stored message, contact, conversation,
ticket link and numbered events out, in one transaction.

Idempotent by (gateway, gateway message id): the unique key decides, so a message posted
a hundred times at once, to any number of server nodes, is stored, ticketed and
announced once. A duplicate rolls back everything it touched and answers with the
message stored first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import DataError, IntegrityError

from sportello.domain.phone import normalize_phone
from sportello.domain.rules import TicketRules
from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    InboundMessage,
    Priority,
    StatusUpdate,
    utc_now,
)
from sportello.ingest import events as wire
from sportello.ingest.reconciled import arrived_offline
from sportello.store.contacts import upsert_contact
from sportello.store.conversations import upsert_conversation
from sportello.store.database import Database
from sportello.store.events import EventDraft, StoredEvent, append_events
from sportello.store.media import attach_media
from sportello.store.media_storage import MediaStorage
from sportello.store.messages import claim_unsent_reply, insert_inbound
from sportello.store.models import Message, table_of
from sportello.store.pending_statuses import lock_gateway_id, park_status
from sportello.store.tickets import auto_title, create_ticket

log = logging.getLogger(__name__)

# Parsing a number costs more than the rest of the message: a pure function, safe to memoize.
_phone_of = lru_cache(maxsize=65_536)(normalize_phone)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """The stored message; `created` is False (and `events` empty) for a duplicate."""

    message_id: int
    conversation_id: int
    ticket_id: int | None
    created: bool
    events: list[StoredEvent] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IngestFailure:
    """A message of a batch that could not be stored; the rest of the batch was."""

    gateway_message_id: str
    error: str


@dataclass(frozen=True, slots=True)
class StatusApplied:
    """The message's status after the update; `events` is empty when it did not move."""

    message_id: int
    status: DeliveryStatus
    events: list[StoredEvent]


@dataclass(frozen=True, slots=True)
class _Written:
    message_id: int
    conversation_id: int
    ticket_id: int | None
    drafts: list[EventDraft]
    created: bool = True  # False: the echo of a reply of ours, which now has its gateway id


_messages = table_of(Message)
_FIND_STORED = select(_messages.c.id, _messages.c.conversation_id, _messages.c.ticket_id).where(
    _messages.c.gateway == bindparam("gateway"),
    _messages.c.gateway_message_id == bindparam("gateway_message_id"),
)


class _Duplicate(Exception):
    """Raised inside a savepoint to undo the work done for an already stored message."""


def status_advances(current: DeliveryStatus, new: DeliveryStatus) -> bool:
    """Acks arrive out of order: a status only moves forward; failed wins unless already read."""
    if new is current or current is DeliveryStatus.FAILED:
        return False
    if new is DeliveryStatus.FAILED:
        return current is not DeliveryStatus.READ
    return new.rank > current.rank


class IngestService:
    def __init__(self, db: Database, rules: TicketRules, media: MediaStorage | None = None) -> None:
        self._db = db
        self._rules = rules
        self._media = media or MediaStorage.for_url(db.url)

    def replace_rules(self, rules: TicketRules) -> None:
        """Decide every message ingested from now on with these rules (PUT /api/rules)."""
        # One reference swap: the writer thread decides each message with one whole set.
        self._rules = rules

    def ingest(self, msg: InboundMessage) -> IngestResult:
        """Store one message with its effects and events, committed before returning."""
        # A bare Core connection, not an ORM session: this runs for every message.
        with self._db.engine.connect() as connection:
            try:
                with connection.begin():
                    written = self._write(connection, msg)
                    if written is None:
                        raise _Duplicate
                    stored = append_events(connection, written.drafts)
            except _Duplicate:
                pass
            else:
                return IngestResult(
                    written.message_id,
                    written.conversation_id,
                    written.ticket_id,
                    written.created,
                    stored,
                )
        with self._db.read_engine.connect() as connection:
            return self._stored(connection, msg)

    def ingest_many(self, msgs: Sequence[InboundMessage]) -> list[IngestResult | IngestFailure]:
        """Several messages in one commit (group commit), each in its own savepoint.

        A duplicate or a message the database refuses only undoes its own savepoint.
        """
        outcomes: list[_Written | IngestResult | IngestFailure] = []
        with self._db.engine.connect() as connection, connection.begin():
            for msg in msgs:
                try:
                    with connection.begin_nested():
                        written = self._write(connection, msg)
                        if written is None:
                            raise _Duplicate
                except _Duplicate:
                    outcomes.append(self._stored(connection, msg))
                except (IntegrityError, DataError) as exc:
                    log.error(
                        "message %s from %s refused by the database: %s",
                        msg.gateway_message_id,
                        msg.gateway.value,
                        exc.orig,
                    )
                    outcomes.append(IngestFailure(msg.gateway_message_id, str(exc.orig)))
                else:
                    outcomes.append(written)
            drafts = [d for item in outcomes if isinstance(item, _Written) for d in item.drafts]
            stored = iter(append_events(connection, drafts))
        results: list[IngestResult | IngestFailure] = []
        for item in outcomes:
            if isinstance(item, _Written):
                mine = [next(stored) for _ in item.drafts]
                item = IngestResult(
                    item.message_id, item.conversation_id, item.ticket_id, item.created, mine
                )
            results.append(item)
        return results

    def apply_status(self, update: StatusUpdate) -> StatusApplied | None:
        """Move a sent message's status forward.

        None when the message is not known: the status is then parked and applied when
        the sender records that gateway id (acks may overtake the send's answer).
        """
        find = (
            select(Message)
            .where(
                Message.gateway == update.gateway,
                Message.gateway_message_id == update.gateway_message_id,
            )
            .with_for_update()
        )
        with self._db.session() as session:
            message = session.execute(find).scalar_one_or_none()
            if message is None:
                lock_gateway_id(session, update.gateway, update.gateway_message_id)
                message = session.execute(find).scalar_one_or_none()
            if message is None:
                park_status(session, update, utc_now())
                session.commit()
                log.info(
                    "status %s for unknown message %s/%s parked until its send is recorded",
                    update.status.value,
                    update.gateway.value,
                    update.gateway_message_id,
                )
                return None
            if message.direction is not Direction.OUTGOING:
                return None
            if not status_advances(message.status, update.status):
                return StatusApplied(message.id, message.status, [])
            message.status = update.status
            message.status_at = update.timestamp
            if update.status is DeliveryStatus.FAILED:
                message.error = update.error
            session.flush()
            draft = wire.message_status_update(
                message.id,
                update.status,
                update.timestamp,
                update.error,
                conversation_id=message.conversation_id,
            )
            stored = append_events(session, [draft])
            session.commit()
            return StatusApplied(message.id, update.status, stored)

    def _write(self, connection: Connection, msg: InboundMessage) -> _Written | None:
        """Everything but the events; None when the message is already stored."""
        now = utc_now()
        phone = _phone_of(msg.chat_id)
        incoming = msg.direction is Direction.INCOMING
        # In a group the sender's name is a participant's, not the chat's.
        name = msg.sender_name if incoming and not phone.is_group else None
        contact = upsert_contact(connection, phone, display_name=name, now=now)
        conversation = upsert_conversation(
            connection,
            contact.id,
            gateway=msg.gateway,
            account=msg.account,
            message_at=msg.timestamp,
            direction=msg.direction,
            now=now,
        )
        conversation_id = conversation.id
        if not incoming and msg.body:
            reply_id = claim_unsent_reply(
                connection,
                conversation_id=conversation_id,
                gateway_message_id=msg.gateway_message_id,
                body=msg.body,
                now=now,
            )
            if reply_id is not None:
                sent = wire.message_status_update(
                    reply_id, DeliveryStatus.SENT, now, None, conversation_id=conversation_id
                )
                return _Written(reply_id, conversation_id, None, [sent], created=False)
        drafts: list[EventDraft] = []
        priority: Priority | None = None
        ticket_id: int | None = None
        if conversation.open_ticket is not None:
            ticket_id, priority = conversation.open_ticket.id, conversation.open_ticket.priority
        elif incoming and not phone.is_group:
            text = msg.body or (msg.media.caption if msg.media and msg.media.caption else "")
            outcome = self._rules.match(text)
            if outcome.is_request:
                ticket = create_ticket(
                    connection,
                    contact_id=contact.id,
                    conversation_id=conversation_id,
                    title=auto_title(text),
                    description=msg.body or text,
                    priority=outcome.priority,
                    now=now,
                )
                ticket_id, priority = ticket.id, ticket.priority
                drafts.append(wire.ticket_created(ticket, reason="auto"))
        status = DeliveryStatus.RECEIVED if incoming else DeliveryStatus.SENT
        message_id = insert_inbound(
            connection,
            msg,
            conversation_id=conversation_id,
            ticket_id=ticket_id,
            status=status,
            now=now,
        )
        if message_id is None:
            return None
        if msg.media is not None and msg.media.file is not None:
            attach_media(connection, self._media, message_id, msg.media, now)
        facts = wire.MessageFacts(
            id=message_id,
            conversation_id=conversation_id,
            ticket_id=ticket_id,
            chat_id=phone.raw,
            phone_number=wire.phone_number(phone.e164, phone.raw),
            is_group=phone.is_group,
            contact_name=contact.display_name,
            sender_name=msg.sender_name,
            body=msg.body,
            timestamp=msg.timestamp,
            type=msg.type,
            direction=msg.direction,
            status=status,
            media=msg.media,
            raw_type=wire.unsupported_type(msg.type, msg.raw),
            offline=arrived_offline(msg.raw),
        )
        # ticketCreated first, so a client meets the ticket before a message pointing at it.
        drafts.append(wire.new_message(facts, ticket_priority=priority))
        return _Written(message_id, conversation_id, ticket_id, drafts)

    def _stored(self, connection: Connection, msg: InboundMessage) -> IngestResult:
        row = connection.execute(
            _FIND_STORED,
            {"gateway": msg.gateway.value, "gateway_message_id": msg.gateway_message_id},
        ).one_or_none()
        if row is None:
            raise RuntimeError(
                f"message {msg.gateway.value}/{msg.gateway_message_id} conflicted but is not stored"
            )
        return IngestResult(row[0], row[1], row[2], False, [])
