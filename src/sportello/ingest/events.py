"""Builders of the wire payloads of PROTOCOL.md 3.2, exactly as clients receive them.

Each builder returns the payload without `seq`: `store.events.append_events` adds it when
the event is numbered, and the stored payload is then replayed verbatim by `sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sportello.domain.phone import normalize_phone
from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    Media,
    MessageType,
    Priority,
    TicketStatus,
    iso_utc,
)
from sportello.ingest.reconciled import arrived_offline
from sportello.store.events import EventDraft
from sportello.store.models import Contact, Message

NEW_MESSAGE = "newMessage"
TICKET_CREATED = "ticketCreated"
TICKET_UPDATED = "ticketUpdated"
MESSAGE_STATUS_UPDATE = "messageStatusUpdate"
MESSAGE_READ = "messageRead"

_PREVIEW_CHARS = 120

# What a notification says for a message without text (Italian: the product's language).
_MEDIA_LABELS = {
    MessageType.IMAGE: "📷 Foto",
    MessageType.VIDEO: "🎥 Video",
    MessageType.AUDIO: "🎤 Messaggio vocale",
    MessageType.DOCUMENT: "📄 Documento",
    MessageType.STICKER: "Sticker",
    MessageType.LOCATION: "📍 Posizione",
    MessageType.CONTACT: "👤 Contatto",
    MessageType.UNSUPPORTED: "Messaggio non supportato",
}


class TicketLike(Protocol):
    """A stored ticket row or a freshly created `TicketRecord`: what ticket events show."""

    @property
    def id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def conversation_id(self) -> int: ...
    @property
    def contact_id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def status(self) -> TicketStatus: ...
    @property
    def priority(self) -> Priority: ...
    @property
    def assignee_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """Everything a newMessage payload says about one stored message and its chat."""

    id: int
    conversation_id: int
    ticket_id: int | None
    chat_id: str
    phone_number: str
    is_group: bool
    contact_name: str | None
    sender_name: str | None
    body: str
    timestamp: datetime
    type: MessageType
    direction: Direction
    status: DeliveryStatus
    media: Media | None
    raw_type: str | None = None  # the gateway's own word for an unsupported message
    offline: bool = False  # read back from the gateway's history, not by its webhook


def unsupported_type(kind: MessageType, raw: Any) -> str | None:
    """The gateway's type of a message we do not understand (`raw.type`), for the UI."""
    if kind is not MessageType.UNSUPPORTED or not isinstance(raw, Mapping):
        return None
    value = raw.get("type")
    return value[:40] if isinstance(value, str) and value else None


def message_facts(message: Message, contact: Contact) -> MessageFacts:
    """Facts of a stored message row and its contact row."""
    media = None
    if message.media_type is not None:
        media = Media(
            type=message.media_type,
            url=message.media_url,
            caption=message.media_caption,
            mime_type=message.media_mime,
            filename=message.media_filename,
        )
    return MessageFacts(
        id=message.id,
        conversation_id=message.conversation_id,
        ticket_id=message.ticket_id,
        chat_id=contact.chat_id,
        phone_number=phone_number(contact.e164, contact.chat_id),
        is_group=contact.is_group,
        contact_name=contact.display_name,
        sender_name=message.sender_name,
        body=message.body,
        timestamp=message.timestamp,
        type=message.type,
        direction=message.direction,
        status=message.status,
        media=media,
        raw_type=unsupported_type(message.type, message.raw),
        offline=arrived_offline(message.raw),
    )


def phone_number(e164: str | None, chat_id: str) -> str:
    """What `phoneNumber` shows: E.164 for people, the raw chat id for groups and oddities."""
    return e164 if e164 is not None else chat_id


def new_message(facts: MessageFacts, *, ticket_priority: Priority | None) -> EventDraft:
    """newMessage: the seed fields plus conversationId, ticketId, direction, status."""
    payload: dict[str, Any] = {
        "id": str(facts.id),
        "from": facts.chat_id,
        "phoneNumber": facts.phone_number,
        "message": facts.body,
        "timestamp": iso_utc(facts.timestamp),
        "type": facts.type.value,
        "isGroup": facts.is_group,
        "senderName": facts.sender_name,
        "notification": {
            "title": notification_title(facts),
            "body": notification_body(facts),
            "icon": "whatsapp",
            # A boolean, as the seed sends it (seed-style clients test it); ours names the
            # chime in `soundName` (docs/protocol.md).
            "sound": True,
            "soundName": "urgent" if ticket_priority is Priority.URGENT else "message",
        },
        "conversationId": str(facts.conversation_id),
        "ticketId": _id(facts.ticket_id),
        "direction": facts.direction.value,
        "status": facts.status.value,
    }
    if facts.type is MessageType.UNSUPPORTED:
        # Ours (docs/protocol.md): what the gateway called it; the raw payload is stored.
        payload["unsupportedType"] = facts.raw_type
    if facts.offline:
        # Ours (docs/protocol.md): it reached the desk while it was offline.
        payload["offline"] = True
    if facts.media is not None:
        payload["media"] = {
            "type": facts.media.type.value,
            "url": facts.media.url,
            "caption": facts.media.caption,
        }
    return EventDraft(NEW_MESSAGE, payload)


def notification_title(facts: MessageFacts) -> str:
    """The person's name when known, else "Nuovo messaggio da +39 333 123 4567"."""
    name = facts.sender_name or facts.contact_name
    if name:
        return name
    return "Nuovo messaggio da " + normalize_phone(facts.chat_id).display


def notification_body(facts: MessageFacts) -> str:
    """A short preview: the text, else the media label (with its caption when there is one)."""
    label = _MEDIA_LABELS.get(facts.type)
    text = " ".join(facts.body.split())
    if not text and facts.media is not None and facts.media.caption:
        caption = " ".join(facts.media.caption.split())
        # Keep the emoji of the label as a hint of the media kind: "📷 Il contatore".
        text = f"{label.split(' ', 1)[0]} {caption}" if label else caption
    if not text:
        return label or "Nuovo messaggio"
    if len(text) > _PREVIEW_CHARS:
        return text[: _PREVIEW_CHARS - 1].rstrip() + "…"
    return text


def ticket_dict(ticket: TicketLike) -> dict[str, Any]:
    """The `ticket` object of ticketCreated / ticketUpdated."""
    return {
        "id": str(ticket.id),
        "number": ticket.number,
        "conversationId": str(ticket.conversation_id),
        "contactId": str(ticket.contact_id),
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "assigneeId": _id(ticket.assignee_id),
        "createdAt": iso_utc(ticket.created_at),
        "updatedAt": iso_utc(ticket.updated_at),
    }


def ticket_created(ticket: TicketLike, *, reason: str) -> EventDraft:
    return EventDraft(TICKET_CREATED, {"ticket": ticket_dict(ticket), "reason": reason})


def ticket_updated(ticket: TicketLike, *, reason: str) -> EventDraft:
    return EventDraft(TICKET_UPDATED, {"ticket": ticket_dict(ticket), "reason": reason})


def message_status_update(
    message_id: int,
    status: DeliveryStatus,
    at: datetime,
    error: str | None = None,
    *,
    conversation_id: int | None = None,
    retry: bool = False,
) -> EventDraft:
    """messageStatusUpdate; ours also names the conversation (a console marks its row and
    names the customer without holding the message), and `retry: true` says an operator
    sent a failed reply again: this status replaces `failed` (docs/protocol.md 3)."""
    payload: dict[str, Any] = {
        "messageId": str(message_id),
        "status": status.value,
        "timestamp": iso_utc(at),
    }
    if error is not None:
        payload["error"] = error
    if conversation_id is not None:
        payload["conversationId"] = str(conversation_id)
    if retry:
        payload["retry"] = True
    return EventDraft(MESSAGE_STATUS_UPDATE, payload)


def message_read(message_id: int, read_by: int, at: datetime) -> EventDraft:
    return EventDraft(
        MESSAGE_READ,
        {"messageId": str(message_id), "readBy": str(read_by), "timestamp": iso_utc(at)},
    )


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)
