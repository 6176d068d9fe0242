"""The tables: operators and their tokens, contacts, conversations, messages, tickets,
ticket history, the outbox of replies to send, delivery statuses waiting for their send,
the event log and its counters, and the bytes of media files.

Changing anything here needs a new Alembic revision in `migrations/versions/`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    Gateway,
    MessageType,
    Priority,
    Role,
    TicketStatus,
)
from sportello.store.types import BigId, JsonDoc, UtcDateTime, str_enum

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Counter rows (table `counters`): the event log sequence and the human ticket numbers.
EVENTS_COUNTER = "events"
TICKET_NUMBER_COUNTER = "ticket_number"

# Predicate of "incoming and not read yet", shared by the partial indexes and the queries.
UNREAD_WHERE = text("direction = 'incoming' AND read_at IS NULL")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for the statements the hot paths build once."""
    return cast(Table, model.__table__)


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    # sha256 hex of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "operator_id"),)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # PhoneId.key: E.164 for people, "group:<id>" for groups, "raw:<id>" when unparseable.
    phone_key: Mapped[str] = mapped_column(String(160), unique=True)
    e164: Mapped[str | None] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(160))  # last raw chat id seen, to reply to
    is_group: Mapped[bool] = mapped_column(Boolean)
    valid: Mapped[bool] = mapped_column(Boolean)
    display_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), unique=True
    )
    # The gateway and account (session / phone-number-id) to reply through.
    gateway: Mapped[Gateway] = mapped_column(str_enum(Gateway))
    account: Mapped[str | None] = mapped_column(String(128))
    last_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        # B-tree indexes are read backwards just as fast: newest-first pages use them too.
        Index("ix_conversations_recent", "last_message_at", "id"),
    )


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # shown as "#123"
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(None, "status", "priority"),
        Index(None, "contact_id", "status"),
        Index(None, "assignee_id"),
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    gateway: Mapped[Gateway] = mapped_column(str_enum(Gateway))
    # NULL for a reply not sent yet: NULLs never collide in the unique key.
    gateway_message_id: Mapped[str | None] = mapped_column(String(255))
    # The desktop client's idempotency key for replies it sends.
    client_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    type: Mapped[MessageType] = mapped_column(str_enum(MessageType))
    body: Mapped[str] = mapped_column(Text)
    media_type: Mapped[MessageType | None] = mapped_column(str_enum(MessageType))
    media_url: Mapped[str | None] = mapped_column(Text)
    media_caption: Mapped[str | None] = mapped_column(Text)
    media_mime: Mapped[str | None] = mapped_column(String(128))
    media_filename: Mapped[str | None] = mapped_column(String(255))
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sender_name: Mapped[str | None] = mapped_column(String(255))
    author_id: Mapped[str | None] = mapped_column(String(160))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    raw: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    read_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("gateway", "gateway_message_id"),
        Index("ix_messages_thread", "conversation_id", "timestamp", "id"),
        # Only unread incoming rows are in these two: counting them stays cheap forever.
        Index(
            "ix_messages_unread_by_conversation",
            "conversation_id",
            sqlite_where=UNREAD_WHERE,
            postgresql_where=UNREAD_WHERE,
        ),
        Index(
            "ix_messages_unread_recent",
            "timestamp",
            "id",
            sqlite_where=UNREAD_WHERE,
            postgresql_where=UNREAD_WHERE,
        ),
        Index(None, "ticket_id"),
    )


class TicketHistory(Base):
    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(255))
    new_value: Mapped[str | None] = mapped_column(String(255))
    # NULL actor means the system (auto-ticketing), otherwise the operator who acted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index(None, "ticket_id", "id"),)

    @property
    def actor(self) -> str:
        return "system" if self.actor_id is None else str(self.actor_id)


class OutboxItem(Base):
    """A reply waiting to be handed to its gateway; deleted once the gateway accepted it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "next_attempt_at"),)


class PendingStatus(Base):
    """A delivery status that arrived before the send it belongs to was recorded.

    A gateway may ack a reply (or Meta post its `sent` status) before our sender has
    stored the gateway's message id; the status waits here and is applied when the id
    is recorded. Rows nobody claims are pruned after a day.
    """

    __tablename__ = "pending_statuses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    gateway: Mapped[Gateway] = mapped_column(str_enum(Gateway))
    gateway_message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    status_at: Mapped[datetime] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(None, "gateway", "gateway_message_id"),
        Index(None, "received_at"),
    )


class Event(Base):
    """Append-only log of every change clients must see, in commit order (`seq`)."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Counter(Base):
    """Named counters advanced inside transactions (their row lock orders the writers)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class TicketOpening(Base):
    """The first time an operator opened a ticket's conversation (escalating alerts stop)."""

    __tablename__ = "ticket_openings"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MediaBlob(Base):
    """The bytes of one media file, kept once whatever the number of messages carrying it.

    Beside a SQLite database they are a file (`path`, relative to the media folder, see
    store/media_storage.py); on PostgreSQL they are rows of `media_chunks`, so every node
    has them.
    """

    __tablename__ = "media_blobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # hex
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str | None] = mapped_column(String(128))
    path: Mapped[str | None] = mapped_column(String(255))  # NULL: the bytes are in media_chunks
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MediaChunk(Base):
    """A piece of a blob kept in the database, in order: written and read a piece at a time."""

    __tablename__ = "media_chunks"

    blob_id: Mapped[int] = mapped_column(
        ForeignKey("media_blobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MessageMedia(Base):
    """Which blob holds a message's file; `complete` is False when only a thumbnail came."""

    __tablename__ = "message_media"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    blob_id: Mapped[int] = mapped_column(ForeignKey("media_blobs.id"))
    complete: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "blob_id"),)
