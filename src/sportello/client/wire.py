"""Wire payloads (Socket.IO events, REST bodies) -> client records.

Parsers never raise on bad input: they return a `WireError` saying which field of which
payload was wrong, and the caller logs it once and skips the payload. Both our server's
payloads and the legacy seed back end's (fewer fields, other spellings) are accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sportello.client.records import (
    MediaInfo,
    Message,
    NotificationHint,
    Operator,
    SearchHit,
    Ticket,
    TicketEvent,
    User,
)
from sportello.domain.gateway_types import message_type_for
from sportello.domain.phone import PhoneId, normalize_phone
from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    MessageType,
    Priority,
    TicketStatus,
    iso_utc,
    utc_now,
)


@functools.lru_cache(maxsize=16_384)
def phone_id(raw: str) -> PhoneId:
    """normalize_phone, memoized: a first start parses the same few thousand contacts'
    numbers over and over (about 26 µs each with phonenumbers), on the UI's event loop."""
    return normalize_phone(raw)


@dataclass(frozen=True, slots=True)
class WireError:
    what: str  # e.g. "newMessage"
    reason: str  # e.g. "missing id"

    def __str__(self) -> str:
        return f"bad {self.what} payload: {self.reason}"


@dataclass(frozen=True, slots=True)
class StatusEvent:
    message_id: str
    status: DeliveryStatus
    timestamp: str
    error: str | None
    conversation_id: str | None = None  # ours: older events and the seed have none
    retry: bool = False  # ours: an operator sent the failed reply again (leaves `failed`)


@dataclass(frozen=True, slots=True)
class ReadEvent:
    message_id: str
    read_by: str | None
    timestamp: str


@dataclass(frozen=True, slots=True)
class TypingEvent:
    conversation_id: str | None  # None: an operator of the back end, in no known conversation
    who: str


def _text(data: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if value is not None and value != "":
            return str(value)
    return None


def normalize_timestamp(value: object) -> str:
    """Any wire timestamp (ISO string, epoch seconds or milliseconds) -> ISO UTC with `Z`.

    Normalizing matters: the cache and the thread order messages by this string.
    """
    if isinstance(value, bool) or value is None or value == "":
        return iso_utc(utc_now())
    try:
        if isinstance(value, int | float):
            seconds = value / 1000 if value > 10**11 else value
            return iso_utc(datetime.fromtimestamp(seconds, UTC))
        text = str(value).strip()
        if text.isdigit():
            return normalize_timestamp(int(text))
        return iso_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError, OSError):
        # Not a time, or one no datetime holds (NaN, 1e300, year 0, a far offset): the
        # parsers never raise on bad input, so it reads as "now" like a missing one.
        return iso_utc(utc_now())


def conversation_key_for_phone(raw: str) -> str:
    """Seed payloads have no conversation id: the contact's phone identity stands in for it."""
    return phone_id(raw).key


def parse_message(data: object, what: str = "message") -> Message | WireError:
    """A message in the newMessage / REST / sendMessage-ack shape."""
    if not isinstance(data, Mapping):
        return WireError(what, "not an object")
    message_id = _text(data, "id", "messageId")
    if message_id is None:
        return WireError(what, "missing id")
    phone_raw = _text(data, "phoneNumber", "from", "to")
    conversation_id = _text(data, "conversationId")
    if conversation_id is None:
        if phone_raw is None:
            return WireError(what, f"message {message_id} has neither conversationId nor phone")
        conversation_id = conversation_key_for_phone(phone_raw)
    direction = _message_direction(data)
    if direction is None:
        return WireError(what, f"message {message_id} has unknown direction {data['direction']!r}")
    msg_type = _message_type(data)
    return Message(
        id=message_id,
        conversation_id=conversation_id,
        timestamp=normalize_timestamp(data.get("timestamp") or data.get("createdAt")),
        direction=direction,
        status=_message_status(data, direction),
        body=_text(data, "message", "body", "text") or "",
        type=msg_type,
        sender_name=_text(data, "senderName"),
        phone=phone_id(phone_raw).display if phone_raw else None,
        ticket_id=_text(data, "ticketId"),
        media=_media_info(data.get("media"), msg_type),
        client_id=_text(data, "clientId"),
        error=_text(data, "error"),
        is_group=bool(data.get("isGroup", False)),
        offline=data.get("offline") is True,
        notification=_notification_hint(data.get("notification")),
    )


def _message_direction(data: Mapping[str, Any]) -> Direction | None:
    """The message's direction (incoming when unsaid); None for a word we do not know."""
    try:
        return Direction(_text(data, "direction") or Direction.INCOMING)
    except ValueError:
        return None


def _message_status(data: Mapping[str, Any], direction: Direction) -> DeliveryStatus:
    if data.get("read") is True or data.get("isRead") is True:
        return DeliveryStatus.READ
    # Unsaid, or the seed's own words: the direction's default is honest.
    default = DeliveryStatus.RECEIVED if direction is Direction.INCOMING else DeliveryStatus.SENT
    status_text = _text(data, "status")
    if not status_text:
        return default
    try:
        return DeliveryStatus(status_text)
    except ValueError:
        return default


def _message_type(data: Mapping[str, Any]) -> MessageType | str:
    type_text = _text(data, "type") or MessageType.TEXT
    # The seed says WPPConnect's words (`chat` is text, `ptt` a voice note); a word neither
    # knows stays as it came, and the thread shows it as unsupported.
    msg_type: MessageType | str = message_type_for(type_text) or type_text
    if msg_type is not MessageType.UNSUPPORTED:
        return msg_type
    raw_type = _text(data, "unsupportedType")  # docs/protocol.md 4.5: the gateway's word
    if raw_type and raw_type not in set(MessageType):
        return raw_type  # a type this client does not know, shown as such
    return msg_type


def _media_info(media: object, msg_type: MessageType | str) -> MediaInfo | None:
    """The `media` block; its type falls back to the message's own."""
    if not isinstance(media, Mapping):
        return None
    media_word = _text(media, "type")
    return MediaInfo(
        type=str((message_type_for(media_word) or media_word) if media_word else msg_type),
        url=_text(media, "url"),
        caption=_text(media, "caption"),
    )


def _notification_hint(data: object) -> NotificationHint | None:
    """newMessage's `notification` block {title, body, icon, sound, soundName?}.

    `sound` is the seed's boolean (always true: no choice in it, our own settings decide);
    our server names its chime in `soundName` (docs/protocol.md). Events stored before that
    carry the name in `sound` itself: still read. Junk is ignored.
    """
    if not isinstance(data, Mapping):
        return None
    name = data.get("soundName")
    if not isinstance(name, str):
        legacy = data.get("sound")
        name = legacy if isinstance(legacy, str) else None
    hint = NotificationHint(
        title=_text(data, "title"),
        body=_text(data, "body"),
        icon=_text(data, "icon"),
        sound=name or None,
    )
    return hint if any((hint.title, hint.body, hint.icon, hint.sound)) else None


def parse_ticket(data: object, what: str = "ticket") -> Ticket | WireError:
    if not isinstance(data, Mapping):
        return WireError(what, "not an object")
    ticket = data.get("ticket") if isinstance(data.get("ticket"), Mapping) else data
    assert isinstance(ticket, Mapping)
    ticket_id = _text(ticket, "id")
    if ticket_id is None:
        return WireError(what, "missing ticket id")
    try:
        status = TicketStatus(_text(ticket, "status") or TicketStatus.PENDING)
        priority = Priority(_text(ticket, "priority") or Priority.MEDIUM)
    except ValueError as exc:
        return WireError(what, f"ticket {ticket_id}: {exc}")
    return Ticket(
        id=ticket_id,
        number=_text(ticket, "number") or ticket_id,
        conversation_id=_text(ticket, "conversationId"),
        title=_text(ticket, "title") or "",
        status=status,
        priority=priority,
        description=_text(ticket, "description") or "",
        contact_id=_text(ticket, "contactId"),
        assignee_id=_text(ticket, "assigneeId"),
        created_at=normalize_timestamp(ticket.get("createdAt")) if ticket.get("createdAt") else "",
        updated_at=normalize_timestamp(ticket.get("updatedAt")) if ticket.get("updatedAt") else "",
    )


def parse_status(data: object) -> StatusEvent | WireError:
    if not isinstance(data, Mapping):
        return WireError("messageStatusUpdate", "not an object")
    message_id = _text(data, "messageId", "id")
    if message_id is None:
        return WireError("messageStatusUpdate", "missing messageId")
    try:
        status = DeliveryStatus(_text(data, "status") or "")
    except ValueError:
        return WireError("messageStatusUpdate", f"unknown status {data.get('status')!r}")
    return StatusEvent(
        message_id,
        status,
        normalize_timestamp(data.get("timestamp")),
        _text(data, "error"),
        _text(data, "conversationId"),
        data.get("retry") is True,
    )


def parse_read(data: object) -> ReadEvent | WireError:
    if not isinstance(data, Mapping):
        return WireError("messageRead", "not an object")
    message_id = _text(data, "messageId", "id")
    if message_id is None:
        return WireError("messageRead", "missing messageId")
    return ReadEvent(message_id, _text(data, "readBy"), normalize_timestamp(data.get("timestamp")))


def parse_typing(data: object, what: str) -> TypingEvent | WireError:
    if not isinstance(data, Mapping):
        return WireError(what, "not an object")
    who = _text(data, "from", "userId")
    if who is None:
        return WireError(what, "missing from")
    conversation_id = _text(data, "conversationId")
    if conversation_id is None and who.startswith("+"):
        # Our server names a customer by E.164 number even before a conversation exists.
        conversation_id = conversation_key_for_phone(who)
    # Else an operator: the seed's typing carries only the typist's user id.
    return TypingEvent(conversation_id, who)


def parse_user(data: object) -> User | WireError:
    if not isinstance(data, Mapping):
        return WireError("user", "not an object")
    user_id = _text(data, "id", "userId")
    if user_id is None:
        return WireError("user", "missing id")
    return User(
        id=user_id,
        name=_text(data, "name", "fullName", "username") or user_id,
        role=_text(data, "role") or "operator",
    )


def parse_operators(body: object) -> list[Operator] | WireError:
    """GET /api/operators: `{operators: [{id, name, displayName, role}]}`."""
    items = body.get("operators") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        return WireError("operators", "no operators list")
    found: list[Operator] = []
    for item in items:
        if not isinstance(item, Mapping) or _text(item, "id") is None:
            continue
        name = _text(item, "name") or str(item["id"])
        found.append(
            Operator(
                id=str(item["id"]),
                name=name,
                display_name=_text(item, "displayName") or name,
                role=_text(item, "role") or "operator",
                active=item.get("active") is not False,
            )
        )
    return found


def parse_ticket_history(body: object) -> list[TicketEvent] | WireError:
    """GET /api/tickets/{id}/history: `{ticketId, history: [{field, old, new, ...}]}`."""
    items = body.get("history") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        return WireError("ticket history", "no history list")
    events: list[TicketEvent] = []
    for item in items:
        if not isinstance(item, Mapping) or _text(item, "field") is None:
            continue
        events.append(
            TicketEvent(
                field=str(item["field"]),
                old=_text(item, "old"),
                new=_text(item, "new"),
                actor_id=_text(item, "actorId"),
                at=_text(item, "at") or "",
                reason=_text(item, "reason"),
            )
        )
    return events


def parse_search_hits(body: object) -> list[SearchHit] | WireError:
    """GET /api/search: `{results: [...]}` or `{messages, contacts, tickets}` or a list."""
    groups: list[tuple[str, object]] = []
    if isinstance(body, list):
        groups.append(("", body))
    elif isinstance(body, Mapping):
        if isinstance(body.get("results"), list):
            groups.append(("", body["results"]))
        for kind in ("messages", "contacts", "tickets"):
            if isinstance(body.get(kind), list):
                groups.append((kind.rstrip("s"), body[kind]))
    else:
        return WireError("search", "not an object")
    hits: list[SearchHit] = []
    for kind, items in groups:
        assert isinstance(items, list)
        for item in items:
            if not isinstance(item, Mapping) or _text(item, "id") is None:
                continue
            hit_kind = kind or _text(item, "kind", "type")
            hits.append(
                SearchHit(
                    kind=hit_kind or "message",
                    id=str(item["id"]),
                    title=_text(item, "title", "name", "senderName", "phoneNumber") or "",
                    snippet=_text(item, "snippet", "message", "body", "description") or "",
                    conversation_id=_text(item, "conversationId"),
                    timestamp=_text(item, "timestamp", "updatedAt", "createdAt"),
                )
            )
    return hits
