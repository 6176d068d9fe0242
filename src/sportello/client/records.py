"""What the desktop client knows about: server profiles, conversations, messages, tickets.

Records are frozen: the state replaces a record when it changes, so a Qt model holding a
reference never sees it mutate under its feet. Timestamps are the wire's ISO 8601 UTC
strings (`2024-05-01T10:00:00.000Z`), which sort chronologically as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sportello.domain.values import (
    DeliveryStatus,
    Direction,
    MessageType,
    Priority,
    Role,
    TicketStatus,
)

LOCAL_ID_PREFIX = "local:"
PREVIEW_CHARS = 120
# Starts a conversation preview that stands for a message without text: the mark, then the
# message type ("\ue000image"). A private-use code point, removed from every customer text
# the preview shows, so a customer who writes "[ok]" or pastes the mark is never taken for
# a photo or an unsupported message.
KIND_MARK = "\ue000"


@dataclass(frozen=True, slots=True)
class ServerProfile:
    """One server the app connects to: where, as whom, and a display name for the picker."""

    url: str  # base URL, e.g. "http://127.0.0.1:3200"
    token: str
    user_id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    role: Role | str


@dataclass(frozen=True, slots=True)
class Operator:
    """A colleague on the server (GET /api/operators): who a ticket can be assigned to."""

    id: str
    name: str
    display_name: str
    role: str = "operator"
    active: bool = True  # False only in an admin's list (GET /api/operators?all=true)


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One recorded change of a ticket (GET /api/tickets/{id}/history)."""

    field: str  # "status", "priority" or "assignee"
    old: str | None
    new: str | None
    actor_id: str | None  # None: the system (auto-ticketing)
    at: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    type: str
    url: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class NotificationHint:
    """The seed's `notification` block of newMessage: what the server suggests showing."""

    title: str | None = None
    body: str | None = None
    icon: str | None = None
    sound: str | None = None  # the chime's name (our `soundName`); None: the seed's `true`


@dataclass(frozen=True, slots=True)
class Message:
    """A message of a thread, as stored by the server or queued locally.

    A message composed here and not yet acknowledged has `id == "local:<client_id>"`.
    """

    id: str
    conversation_id: str
    timestamp: str
    direction: Direction
    status: DeliveryStatus
    body: str
    type: MessageType | str = MessageType.TEXT
    sender_name: str | None = None
    phone: str | None = None
    ticket_id: str | None = None
    media: MediaInfo | None = None
    client_id: str | None = None
    error: str | None = None
    is_group: bool = False
    # Read back from the gateway's history (`offline: true`): it reached WhatsApp while no
    # server of ours was receiving, and came in late (docs/protocol.md section 7).
    offline: bool = False
    # Live events only (not cached): the server's suggestion for the desktop notification.
    notification: NotificationHint | None = field(default=None, compare=False)

    @property
    def is_local(self) -> bool:
        """True while the message exists only in this client's outbox."""
        return self.id.startswith(LOCAL_ID_PREFIX)

    @property
    def is_unread(self) -> bool:
        return self.direction is Direction.INCOMING and self.status is not DeliveryStatus.READ

    @property
    def sort_key(self) -> tuple[str, str]:
        """Threads are ordered by (timestamp, id): the cache pages by the same key."""
        return (self.timestamp, self.id)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    number: str
    conversation_id: str | None
    title: str
    status: TicketStatus
    priority: Priority
    description: str = ""
    contact_id: str | None = None
    assignee_id: str | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class ReplyMark:
    """The newest reply (outgoing message) of a conversation as its row knows it: a row
    whose newest reply failed says so until that reply goes out or a newer one does."""

    id: str
    timestamp: str
    status: DeliveryStatus
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status is DeliveryStatus.FAILED

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.timestamp, self.id)


def reply_mark(message: Message) -> ReplyMark:
    return ReplyMark(message.id, message.timestamp, message.status, message.error)


@dataclass(frozen=True, slots=True)
class Conversation:
    """A row of the conversation list: everything the list delegate paints.

    `unread_count` is derived from the messages (incoming, not read); `typing` holds who is
    typing right now (phone numbers of customers, ids of colleagues); `last_reply` is the
    newest outgoing message known here (None: none), for the "not sent" mark.
    """

    id: str
    title: str
    phone: str | None = None
    is_group: bool = False
    last_activity: str = ""
    last_preview: str = ""
    last_direction: Direction | None = None
    unread_count: int = 0
    ticket: Ticket | None = None
    typing: frozenset[str] = field(default_factory=frozenset)
    last_reply: ReplyMark | None = None

    @property
    def reply_failed(self) -> bool:
        """True while the newest reply of the conversation is failed (the row's red mark)."""
        return self.last_reply is not None and self.last_reply.failed

    @property
    def sort_key(self) -> tuple[str, str]:
        """The list shows the most recent activity first; ties break on id."""
        return (self.last_activity, self.id)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result of `GET /api/search`: kind is "message", "contact" or "ticket"."""

    kind: str
    id: str
    title: str
    snippet: str = ""
    conversation_id: str | None = None
    timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    user: User


def preview_text(message: Message) -> str:
    """One line of the message's text: the body, else the caption ("" when it has none)."""
    text = message.body or (message.media.caption if message.media else None) or ""
    return " ".join(text.replace(KIND_MARK, "").split())[:PREVIEW_CHARS]


def conversation_preview(message: Message) -> str:
    """The conversation list's preview: the text, or `KIND_MARK` + the type for a message
    without text (the list names the kind from its type, never from what a customer wrote)."""
    text = preview_text(message)
    if not text and message.type != MessageType.TEXT:
        return KIND_MARK + str(message.type)
    return text


def preview_kind(preview: str) -> str | None:
    """The message type a `conversation_preview` stands for; None when it is text."""
    return preview[len(KIND_MARK) :] if preview.startswith(KIND_MARK) else None
