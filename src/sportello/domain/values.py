"""Value types shared by every layer: what a message, a status change and a ticket are.

Gateways (WPPConnect, Meta Cloud API, generic) are parsed into these types by `ingest/`;
the store persists them; the server turns stored rows into wire events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Gateway(StrEnum):
    WPPCONNECT = "wppconnect"
    META = "meta"
    GENERIC = "generic"


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class DeliveryStatus(StrEnum):
    """Status of a message. Outgoing: queued -> sent -> delivered -> read, or failed.

    Incoming messages are `received` until an operator reads them (`read`).
    """

    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Progress order: a status never moves back to a lower rank (acks arrive out of order)."""
        return _STATUS_RANK[self]


_STATUS_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.RECEIVED: 1,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
    DeliveryStatus.FAILED: 4,
}


class MessageType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACT = "contact"
    UNSUPPORTED = "unsupported"


class Priority(StrEnum):
    URGENT = "URGENT"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"

    @property
    def rank(self) -> int:
        """0 is the most pressing."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class TicketStatus(StrEnum):
    PENDING = "PENDING"
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"

    @property
    def is_open(self) -> bool:
        return self in OPEN_TICKET_STATUSES


OPEN_TICKET_STATUSES = frozenset(
    {TicketStatus.PENDING, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS}
)


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class MediaFile:
    """The bytes of a media message as they arrived, waiting in a private temporary file.

    `complete` is False when the gateway says the file is bigger than what came (WPPConnect
    sends the thumbnail when its download of the file failed): the bytes are kept anyway.
    """

    path: str
    size: int
    sha256: str  # hex digest of the bytes
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Media:
    type: MessageType
    url: str | None = None
    caption: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    file: MediaFile | None = None  # the bytes, when the gateway sent them (WPPConnect autoDownload)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message as a gateway reported it, normalized but not yet stored.

    `direction` is OUTGOING when the gateway echoes a message sent from the business phone
    (for example typed on the phone itself): it is stored but never creates a ticket.
    """

    gateway: Gateway
    gateway_message_id: str
    chat_id: str  # raw id of the chat: "393331234567@c.us", "120363...@g.us", "393331234567"
    body: str
    timestamp: datetime  # aware, UTC
    type: MessageType = MessageType.TEXT
    direction: Direction = Direction.INCOMING
    sender_name: str | None = None
    author_id: str | None = None  # participant who wrote, in group chats
    media: Media | None = None
    account: str | None = None  # gateway session / phone-number-id that received it
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A delivery status reported by a gateway for a message we sent."""

    gateway: Gateway
    gateway_message_id: str
    status: DeliveryStatus
    timestamp: datetime
    error: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PresenceUpdate:
    """Customer typing / stopped typing, from gateway presence events. Never stored."""

    gateway: Gateway
    chat_id: str
    typing: bool
    timestamp: datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 UTC with a `Z`, millisecond precision, as the wire contract requires."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    m = moment.astimezone(UTC)
    # Four-digit years whatever the platform's strftime does with year 1 ("1-01-01"):
    # the cache and the thread order messages by this string.
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond // 1000:03d}Z"
    )
