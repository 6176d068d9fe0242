"""Fine-grained change notifications from the client state to whoever draws it.

Each change says exactly which rows moved or changed, so a Qt model can emit
`beginInsertRows`/`beginMoveRows`/`dataChanged` for those rows only and never reset.
Listeners are plain callables `(change) -> None`, called on the event loop's thread,
*after* the state already reflects the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sportello.client.desk_records import GatewayInfo, Sendability, WaitingTicket, WindowInfo
from sportello.client.line_info import LineInfo
from sportello.client.records import Conversation, Message, Ticket


class ConnectionState(StrEnum):
    STOPPED = "stopped"  # start() not called yet, or stop() called
    CONNECTING = "connecting"  # first attempt in progress
    ONLINE = "online"  # connected and authenticated
    RECONNECTING = "reconnecting"  # lost or failed; retrying with growing delays
    OFFLINE = "offline"  # retries reached the delay cap; still retrying at the cap
    UNAUTHORIZED = "unauthorized"  # token refused or revoked: retrying would not help


class ProtocolProfile(StrEnum):
    UNKNOWN = "unknown"  # not connected yet
    FULL = "full"  # a Sportello server: seq, sync/resume, sending, tickets, search
    SEED = "seed"  # the legacy back end: live events only


@dataclass(frozen=True, slots=True)
class MissingFeature:
    """A feature the connected server lacks, for the status bar.

    `key` is stable; `english` is the source text the UI translates; `italian` is the
    text for an Italian UI without a compiled translation.
    """

    key: str
    english: str
    italian: str


# ---- connection and profile -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionStateChanged:
    state: ConnectionState
    detail: str = ""  # one line: why (last error), or "" when all is well
    retry_in: float | None = None  # seconds to the next attempt, when one is scheduled


@dataclass(frozen=True, slots=True)
class ProfileChanged:
    profile: ProtocolProfile
    missing: tuple[MissingFeature, ...] = ()


@dataclass(frozen=True, slots=True)
class SyncStateChanged:
    """True while the client catches up with `sync` after a (re)connection."""

    syncing: bool


# ---- conversation list ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConversationsInserted:
    """Rows `index .. index + len(conversations) - 1` are new."""

    index: int
    conversations: tuple[Conversation, ...]


@dataclass(frozen=True, slots=True)
class ConversationMoved:
    """The row at `from_index` now lives at `to_index` (indexes after the move)."""

    from_index: int
    to_index: int
    conversation_id: str


@dataclass(frozen=True, slots=True)
class ConversationChanged:
    """The row at `index` changed; `fields` names the Conversation attributes that did."""

    index: int
    conversation: Conversation
    fields: frozenset[str]


# ---- threads ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThreadOpened:
    """The thread of `conversation_id` now shows `messages` (oldest first)."""

    conversation_id: str
    messages: tuple[Message, ...]
    has_older: bool


@dataclass(frozen=True, slots=True)
class ThreadClosed:
    conversation_id: str


@dataclass(frozen=True, slots=True)
class MessagesPrepended:
    """Older history arrived: `messages` (oldest first) are now rows 0 .. len - 1."""

    conversation_id: str
    messages: tuple[Message, ...]
    has_older: bool


@dataclass(frozen=True, slots=True)
class MessageInserted:
    """A message entered the open thread at `index` (usually the end)."""

    conversation_id: str
    index: int
    message: Message


@dataclass(frozen=True, slots=True)
class MessageChanged:
    """A message of the open thread changed: status, read, or a local id became the server's.

    `fields` names the Message attributes that changed (e.g. {"status"}, {"id", "status"}).
    """

    conversation_id: str
    index: int
    message: Message
    fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class MessageRemoved:
    """A local message left the open thread (its retry replaced it)."""

    conversation_id: str
    index: int
    message_id: str


@dataclass(frozen=True, slots=True)
class ReplyFailed:
    """A reply of this desk did not go out (the server or its gateway refused it): for the
    notification that names the customer. `error` is the server's code or the gateway's
    text; `replayed` is True when `sync` brought it (it failed while we were away)."""

    conversation_id: str
    message_id: str
    error: str | None
    replayed: bool


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A customer wrote: for notifications and the tray. `replayed` is True during sync."""

    message: Message
    replayed: bool


# ---- tickets and typing -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketChanged:
    ticket: Ticket
    created: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TypingStarted:
    conversation_id: str
    who: str  # a phone number (customer) or an operator id (colleague)


@dataclass(frozen=True, slots=True)
class TypingStopped:
    conversation_id: str
    who: str


@dataclass(frozen=True, slots=True)
class OperatorsTypingChanged:
    """Operators of the back end typing in no conversation we know of: the seed's
    `userTyping` has no `conversationId`, only the typist's user id (self excluded)."""

    who: tuple[str, ...]


# ---- desk awareness (client/awareness.py, docs/protocol.md section 4) ----------------------


@dataclass(frozen=True, slots=True)
class PresenceChanged:
    """Colleagues viewing / writing in a conversation changed (names, self excluded)."""

    conversation_id: str
    viewers: tuple[str, ...]
    typing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GatewayHealthChanged:
    """The state of the server's gateway connections."""

    gateways: tuple[GatewayInfo, ...]


@dataclass(frozen=True, slots=True)
class ServiceWindowChanged:
    """The 24-hour window of a conversation is known or moved."""

    conversation_id: str
    window: WindowInfo


@dataclass(frozen=True, slots=True)
class WaitingTicketsChanged:
    """Tickets nobody has opened yet, for escalating alerts."""

    waiting: tuple[WaitingTicket, ...]
    opened: tuple[str, ...] = ()  # ticket ids just opened by someone


@dataclass(frozen=True, slots=True)
class LineChanged:
    """The WhatsApp line changed (client/line_state.py): its state, QR code or phone.
    `line` is None when the server offers no line to this console."""

    line: LineInfo | None
    previous: LineInfo | None = None


@dataclass(frozen=True, slots=True)
class DeskSettingsChanged:
    assignee_only_replies: bool


@dataclass(frozen=True, slots=True)
class SendabilityChanged:
    """Whether replies can go out at all (`deskState.canSend`) changed."""

    can_send: Sendability


@dataclass(frozen=True, slots=True)
class OwnRoleChanged:
    """The server said who we are: `role` ("admin", "operator", or a seed's own word)."""

    role: str


StateChange = (
    ConnectionStateChanged
    | ProfileChanged
    | SyncStateChanged
    | ConversationsInserted
    | ConversationMoved
    | ConversationChanged
    | ThreadOpened
    | ThreadClosed
    | MessagesPrepended
    | MessageInserted
    | MessageChanged
    | MessageRemoved
    | IncomingMessage
    | ReplyFailed
    | TicketChanged
    | TypingStarted
    | TypingStopped
    | OperatorsTypingChanged
    | PresenceChanged
    | GatewayHealthChanged
    | ServiceWindowChanged
    | WaitingTicketsChanged
    | DeskSettingsChanged
    | SendabilityChanged
    | OwnRoleChanged
    | LineChanged
)

Listener = Callable[[StateChange], None]
