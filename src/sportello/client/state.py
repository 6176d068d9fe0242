"""The in-memory state the UI binds to, and the change notifications it emits.

The conversation list holds every conversation (small rows, 10,000 is a few MB); the
messages live in the cache and only the open thread's loaded pages are in memory. Unread
counts are derived from the unread incoming messages, never stored as a number.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import overload

from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    ConversationChanged,
    ConversationMoved,
    ConversationsInserted,
    IncomingMessage,
    Listener,
    MessageChanged,
    MessageInserted,
    MessageRemoved,
    MessagesPrepended,
    MissingFeature,
    OperatorsTypingChanged,
    OwnRoleChanged,
    ProfileChanged,
    ProtocolProfile,
    StateChange,
    SyncStateChanged,
    ThreadClosed,
    ThreadOpened,
    TicketChanged,
    TypingStarted,
    TypingStopped,
)
from sportello.client.records import (
    LOCAL_ID_PREFIX,
    Conversation,
    Message,
    Ticket,
    conversation_preview,
)
from sportello.domain.values import DeliveryStatus, Direction

log = logging.getLogger(__name__)

_MESSAGE_FIELDS = (
    "id",
    "timestamp",
    "status",
    "body",
    "error",
    "ticket_id",
    "media",
    "sender_name",
)
_CONVERSATION_FIELDS = (
    "title",
    "phone",
    "is_group",
    "last_activity",
    "last_preview",
    "last_direction",
    "unread_count",
    "ticket",
    "typing",
)


def merged_status(old: DeliveryStatus, new: DeliveryStatus) -> DeliveryStatus:
    """Acks arrive out of order: a status never moves back to a lower rank."""
    return new if new.rank >= old.rank else old


class ConversationRows(Sequence[Conversation]):
    """Read-only view of the list, most recent activity first (row 0)."""

    def __init__(self, keys: list[tuple[str, str]], by_id: dict[str, Conversation]) -> None:
        self._keys = keys  # ascending sort keys; row i is keys[-1 - i]
        self._by_id = by_id

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> Conversation: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Conversation]: ...
    def __getitem__(self, index: int | slice) -> Conversation | Sequence[Conversation]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._keys)
        if not 0 <= index < len(self._keys):
            raise IndexError(index)
        return self._by_id[self._keys[len(self._keys) - 1 - index][1]]

    def __iter__(self) -> Iterator[Conversation]:
        for key in reversed(self._keys):
            yield self._by_id[key[1]]


class ClientState:
    """Conversations, the open thread, tickets, typing, connection: one source for the UI."""

    def __init__(self, own_user_id: str = "") -> None:
        self.own_user_id = own_user_id
        # From `authenticated.user.role`: what the UI offers (domain/permissions.py).
        # None until the server said it (and for a seed back end, which never says it).
        self.own_role: str | None = None
        self._listeners: list[Listener] = []
        self._keys: list[tuple[str, str]] = []
        self._by_id: dict[str, Conversation] = {}
        self._unread: dict[str, dict[str, str]] = {}  # conversation -> {message id: timestamp}
        self._unread_owner: dict[str, str] = {}  # unread message id -> conversation id
        self._tickets: dict[str, Ticket] = {}
        self._newest_ticket: dict[str, Ticket] = {}  # conversation id -> its newest ticket
        self._thread_id: str | None = None
        self._thread: list[Message] = []
        self._thread_ids: dict[str, Message] = {}
        self._thread_has_older = False
        self.connection_state = ConnectionState.STOPPED
        self.connection_detail = ""
        self.profile = ProtocolProfile.UNKNOWN
        self.missing_features: tuple[MissingFeature, ...] = ()
        self.syncing = False
        self.operators_typing: frozenset[str] = frozenset()

    # ---- observers ----------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(change)` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def set_own_role(self, role: str | None) -> None:
        if role is None or role == self.own_role:
            return
        self.own_role = role
        self._emit(OwnRoleChanged(role))

    def publish(self, change: StateChange) -> None:
        """Emit a change computed outside this class (client/awareness.py)."""
        self._emit(change)

    def _emit(self, change: StateChange) -> None:
        for listener in list(self._listeners):
            listener(change)

    # ---- read API -----------------------------------------------------------------------

    @property
    def conversations(self) -> ConversationRows:
        return ConversationRows(self._keys, self._by_id)

    def conversation(self, conversation_id: str) -> Conversation | None:
        return self._by_id.get(conversation_id)

    def row_of(self, conversation_id: str) -> int | None:
        conv = self._by_id.get(conversation_id)
        if conv is None:
            return None
        return len(self._keys) - 1 - bisect.bisect_left(self._keys, conv.sort_key)

    @property
    def open_conversation_id(self) -> str | None:
        return self._thread_id

    @property
    def thread(self) -> Sequence[Message]:
        """The open thread's loaded messages, oldest first."""
        return self._thread

    @property
    def thread_has_older(self) -> bool:
        return self._thread_has_older

    @property
    def tickets(self) -> Mapping[str, Ticket]:
        return self._tickets

    def newest_ticket(self, conversation_id: str) -> Ticket | None:
        """The conversation's newest ticket, open or not (what its row shows)."""
        return self._newest_ticket.get(conversation_id)

    def newest_unread(self, conversation_id: str) -> str | None:
        """Id of the newest unread incoming message of a conversation, if any."""
        unread = self._unread.get(conversation_id)
        if not unread:
            return None
        return max(unread.items(), key=lambda item: (item[1], item[0]))[0]

    def unread_ids(self, conversation_id: str) -> list[str]:
        """Unread incoming message ids of a conversation, oldest first."""
        unread = self._unread.get(conversation_id, {})
        return [mid for mid, _ in sorted(unread.items(), key=lambda item: (item[1], item[0]))]

    @property
    def total_unread(self) -> int:
        return len(self._unread_owner)

    # ---- connection and profile ---------------------------------------------------------

    def set_connection(
        self, state: ConnectionState, detail: str = "", retry_in: float | None = None
    ) -> None:
        self.connection_state = state
        self.connection_detail = detail
        self._emit(ConnectionStateChanged(state, detail, retry_in))

    def set_profile(self, profile: ProtocolProfile, missing: tuple[MissingFeature, ...]) -> None:
        if (profile, missing) == (self.profile, self.missing_features):
            return
        self.profile = profile
        self.missing_features = missing
        self._emit(ProfileChanged(profile, missing))

    def set_syncing(self, syncing: bool) -> None:
        if syncing != self.syncing:
            self.syncing = syncing
            self._emit(SyncStateChanged(syncing))

    # ---- bulk load from the cache -------------------------------------------------------

    def load_conversations(
        self,
        conversations: Iterable[Conversation],
        unread: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        """Add conversations read from the cache, plus unread (conversation, message, ts).

        Conversations already known (a live event came first) are kept as they are.
        """
        for conversation_id, message_id, timestamp in unread:
            self._unread.setdefault(conversation_id, {})[message_id] = timestamp
            self._unread_owner[message_id] = conversation_id
        fresh = [c for c in conversations if c.id not in self._by_id]
        if not fresh:
            return
        fresh = [replace(c, unread_count=len(self._unread.get(c.id, ()))) for c in fresh]
        fresh.sort(key=lambda c: c.sort_key, reverse=True)
        # Pages come newest first: when they all sort below the current rows, one block.
        if not self._keys or fresh[0].sort_key < self._keys[0]:
            for c in fresh:
                self._by_id[c.id] = c
            self._keys[:0] = [c.sort_key for c in reversed(fresh)]
            self._emit(ConversationsInserted(len(self._keys) - len(fresh), tuple(fresh)))
            return
        for c in fresh:
            self._insert_row(c)

    def load_tickets(self, tickets: Iterable[Ticket]) -> None:
        for ticket in tickets:
            self._tickets[ticket.id] = ticket
            self._track_newest_ticket(ticket)

    def apply_snapshot(
        self,
        conversations: Sequence[Conversation],
        unread: Iterable[Message],
        tickets: Iterable[Ticket],
    ) -> None:
        """The server's picture at a first start (client/snapshot.py), applied silently.

        It replaces what the state knew: `unread` is the whole set of unread messages (ids
        unread here and not there were read meanwhile), known rows take the server's values.
        Events after the snapshot's cursor are applied afterwards, some of them a second
        time: every method they call is idempotent.
        """
        self.load_tickets(tickets)
        now_unread = {m.id: m for m in unread if m.is_unread}
        touched = {self._unread_owner[mid] for mid in self._unread_owner if mid not in now_unread}
        for mid in [mid for mid in self._unread_owner if mid not in now_unread]:
            self._drop_unread(mid)
        for message in now_unread.values():
            if self._unread_owner.get(message.id) != message.conversation_id:
                self._drop_unread(message.id)
                self._unread.setdefault(message.conversation_id, {})[message.id] = message.timestamp
                self._unread_owner[message.id] = message.conversation_id
                touched.add(message.conversation_id)
        fresh: list[Conversation] = []
        for conv in conversations:
            conv = replace(conv, ticket=self._newest_ticket.get(conv.id))
            old = self._by_id.get(conv.id)
            if old is None:
                fresh.append(conv)
                continue
            self._update_row(
                replace(conv, unread_count=len(self._unread.get(conv.id, ())), typing=old.typing)
            )
            touched.discard(conv.id)
        self.load_conversations(fresh)
        for conversation_id in touched:
            self._refresh_unread_count(conversation_id)

    def preview_conversations(self, conversations: Sequence[Conversation]) -> None:
        """Rows to paint while a first start's snapshot is still being read: new ids only,
        shown with the server's unread counts and tickets until `apply_snapshot` replaces
        them (live events wait in the sequencer meanwhile, so nothing else moves them)."""
        fresh = sorted(
            (c for c in conversations if c.id not in self._by_id),
            key=lambda c: c.sort_key,
            reverse=True,
        )
        for conv in fresh:
            self._insert_row(conv)

    def knows_unread(self, message_id: str) -> bool:
        """True if the message is already counted as unread (a replayed event)."""
        return message_id in self._unread_owner

    def _track_newest_ticket(self, ticket: Ticket) -> bool:
        """Remember the conversation's newest ticket; True if `ticket` is (now) that one."""
        if not ticket.conversation_id:
            return False
        current = self._newest_ticket.get(ticket.conversation_id)
        # The row shows the conversation's newest ticket, whatever its status.
        if current is None or current.id == ticket.id or ticket.created_at >= current.created_at:
            self._newest_ticket[ticket.conversation_id] = ticket
            return True
        return False

    # ---- conversation rows --------------------------------------------------------------

    def _insert_row(self, conv: Conversation) -> None:
        pos = bisect.bisect_left(self._keys, conv.sort_key)
        self._keys.insert(pos, conv.sort_key)
        self._by_id[conv.id] = conv
        self._emit(ConversationsInserted(len(self._keys) - 1 - pos, (conv,)))

    def _update_row(self, new: Conversation) -> None:
        old = self._by_id[new.id]
        fields = frozenset(f for f in _CONVERSATION_FIELDS if getattr(old, f) != getattr(new, f))
        if not fields:
            return
        n = len(self._keys)
        old_pos = bisect.bisect_left(self._keys, old.sort_key)
        if new.sort_key != old.sort_key:
            del self._keys[old_pos]
            new_pos = bisect.bisect_left(self._keys, new.sort_key)
            self._keys.insert(new_pos, new.sort_key)
        else:
            new_pos = old_pos
        self._by_id[new.id] = new
        if new_pos != old_pos:
            self._emit(ConversationMoved(n - 1 - old_pos, n - 1 - new_pos, new.id))
        self._emit(ConversationChanged(n - 1 - new_pos, new, fields))

    def _summary(self, conv: Conversation | None, message: Message) -> Conversation:
        """The row after `message`, the newest of its conversation, arrived."""
        if conv is None:
            title = message.sender_name if message.direction is Direction.INCOMING else None
            conv = Conversation(
                id=message.conversation_id,
                title=title or message.phone or message.conversation_id,
                phone=message.phone,
                is_group=message.is_group,
                ticket=self._newest_ticket.get(message.conversation_id),
            )
        title = conv.title
        if message.direction is Direction.INCOMING and message.sender_name and not conv.is_group:
            title = message.sender_name
        return replace(
            conv,
            title=title,
            last_activity=message.timestamp,
            last_preview=conversation_preview(message),
            last_direction=message.direction,
            unread_count=len(self._unread.get(conv.id, ())),
        )

    def _refresh_unread_count(self, conversation_id: str) -> None:
        conv = self._by_id.get(conversation_id)
        if conv is not None:
            self._update_row(replace(conv, unread_count=len(self._unread.get(conversation_id, ()))))

    # ---- messages -----------------------------------------------------------------------

    def apply_message(self, message: Message) -> bool:
        """Insert or update a message everywhere it shows. Returns True if it was new here."""
        conv = self._by_id.get(message.conversation_id)
        new_here = self._track_unread(message)
        in_thread = self._upsert_in_thread(message)
        if conv is None:
            self._insert_row(self._summary(None, message))
        elif message.sort_key >= (conv.last_activity, ""):
            self._update_row(self._summary(conv, message))
        else:
            self._refresh_unread_count(message.conversation_id)
        return new_here or in_thread

    def announce_incoming(self, message: Message, replayed: bool) -> None:
        """Tell listeners a customer wrote (for notifications); the core decides when."""
        self._emit(IncomingMessage(message, replayed))

    def _track_unread(self, message: Message) -> bool:
        owner = self._unread_owner.get(message.id)
        if message.is_unread:
            if owner is not None:
                return False
            self._unread.setdefault(message.conversation_id, {})[message.id] = message.timestamp
            self._unread_owner[message.id] = message.conversation_id
            return True
        if owner is not None:
            self._drop_unread(message.id)
        return False

    def _drop_unread(self, message_id: str) -> str | None:
        owner = self._unread_owner.pop(message_id, None)
        if owner is not None:
            unread = self._unread.get(owner, {})
            unread.pop(message_id, None)
            if not unread:
                self._unread.pop(owner, None)
        return owner

    def _upsert_in_thread(self, message: Message) -> bool:
        """Returns True if the message was added to the open thread."""
        if message.conversation_id != self._thread_id:
            return False
        old = self._thread_ids.get(message.id)
        if message.client_id and not message.is_local:
            placeholder = self._thread_ids.get(LOCAL_ID_PREFIX + message.client_id)
            if placeholder is not None and old is None:
                self._replace_in_thread(placeholder, message)
                return False
            if placeholder is not None:  # the server's copy came first: drop the placeholder
                self.remove_message(placeholder.id)
        if old is not None:
            merged = replace(message, status=merged_status(old.status, message.status))
            self._replace_in_thread(old, merged)
            return False
        if self._thread_has_older and self._thread and message.sort_key < self._thread[0].sort_key:
            return False  # belongs to a page not loaded yet; load_older will bring it
        index = bisect.bisect_left(self._thread, message.sort_key, key=lambda m: m.sort_key)
        self._thread.insert(index, message)
        self._thread_ids[message.id] = message
        self._emit(MessageInserted(message.conversation_id, index, message))
        return True

    def _replace_in_thread(self, old: Message, new: Message) -> None:
        fields = frozenset(f for f in _MESSAGE_FIELDS if getattr(old, f) != getattr(new, f))
        if not fields:
            return
        index = self._thread_index(old)
        if old.sort_key == new.sort_key or self._fits_at(index, new):
            self._thread[index] = new
            del self._thread_ids[old.id]
            self._thread_ids[new.id] = new
            self._emit(MessageChanged(new.conversation_id, index, new, fields))
            return
        self.remove_message(old.id)
        self._upsert_in_thread(new)

    def _fits_at(self, index: int, message: Message) -> bool:
        before = self._thread[index - 1].sort_key if index > 0 else None
        after = self._thread[index + 1].sort_key if index + 1 < len(self._thread) else None
        key = message.sort_key
        return (before is None or before <= key) and (after is None or key <= after)

    def _thread_index(self, message: Message) -> int:
        index = bisect.bisect_left(self._thread, message.sort_key, key=lambda m: m.sort_key)
        while self._thread[index].id != message.id:  # equal keys: walk to the exact row
            index += 1
        return index

    def remove_message(self, message_id: str) -> None:
        """Drop a message from the open thread (a local placeholder that a retry replaced)."""
        self._drop_unread(message_id)
        old = self._thread_ids.pop(message_id, None)
        if old is None:
            return
        index = self._thread_index(old)
        del self._thread[index]
        self._emit(MessageRemoved(old.conversation_id, index, message_id))

    def apply_status(
        self, message_id: str, status: DeliveryStatus, error: str | None = None
    ) -> None:
        """A delivery status for a message we sent (or read for an incoming one)."""
        if status is DeliveryStatus.FAILED and error:
            # The console shows its own words for it (ui/error_texts.py): the detail is here.
            log.info("message %s not delivered: %s", message_id, error)
        if status is DeliveryStatus.READ and message_id in self._unread_owner:
            self.apply_read(message_id, cascade=False)
            return
        old = self._thread_ids.get(message_id)
        if old is None:
            return
        new_status = merged_status(old.status, status)
        self._replace_in_thread(old, replace(old, status=new_status, error=error or old.error))

    def apply_read(self, message_id: str, cascade: bool) -> None:
        """An incoming message was read by some operator (read for all).

        With `cascade`, every earlier unread incoming message of that conversation is read too,
        which is what a Sportello server does on markAsRead.
        """
        conversation_id = self._unread_owner.get(message_id)
        thread_msg = self._thread_ids.get(message_id)
        if conversation_id is None and thread_msg is not None:
            conversation_id = thread_msg.conversation_id
        if conversation_id is None:
            return
        read_ids = {message_id}
        if cascade:
            unread = self._unread.get(conversation_id, {})
            limit = unread.get(message_id) or (thread_msg.timestamp if thread_msg else "")
            read_ids.update(mid for mid, ts in unread.items() if ts <= limit)
        for mid in read_ids:
            self._drop_unread(mid)
            old = self._thread_ids.get(mid)
            if old is not None and old.direction is Direction.INCOMING:
                self._replace_in_thread(old, replace(old, status=DeliveryStatus.READ))
        self._refresh_unread_count(conversation_id)

    # ---- threads ------------------------------------------------------------------------

    def open_thread(
        self, conversation_id: str, messages: Sequence[Message], has_older: bool
    ) -> None:
        """Show a thread: `messages` oldest first (the newest page from the cache)."""
        self._thread_id = conversation_id
        self._thread = sorted(messages, key=lambda m: m.sort_key)
        self._thread_ids = {m.id: m for m in self._thread}
        self._thread_has_older = has_older
        self._emit(ThreadOpened(conversation_id, tuple(self._thread), has_older))

    def close_thread(self) -> None:
        if self._thread_id is None:
            return
        closed = self._thread_id
        self._thread_id = None
        self._thread = []
        self._thread_ids = {}
        self._thread_has_older = False
        self._emit(ThreadClosed(closed))

    def prepend_messages(
        self, conversation_id: str, messages: Sequence[Message], has_older: bool
    ) -> int:
        """Add an older page above the loaded ones; returns how many rows were added."""
        if conversation_id != self._thread_id:
            return 0
        oldest = self._thread[0].sort_key if self._thread else None
        page = sorted(
            (
                m
                for m in messages
                if m.id not in self._thread_ids and (oldest is None or m.sort_key < oldest)
            ),
            key=lambda m: m.sort_key,
        )
        self._thread[:0] = page
        self._thread_ids.update((m.id, m) for m in page)
        self._thread_has_older = has_older
        self._emit(MessagesPrepended(conversation_id, tuple(page), has_older))
        return len(page)

    # ---- tickets and typing -------------------------------------------------------------

    def apply_ticket(self, ticket: Ticket, reason: str | None = None) -> None:
        created = ticket.id not in self._tickets
        self._tickets[ticket.id] = ticket
        newest = self._track_newest_ticket(ticket)
        self._emit(TicketChanged(ticket, created, reason))
        conv = self._by_id.get(ticket.conversation_id or "")
        if conv is not None and newest:
            self._update_row(replace(conv, ticket=ticket))

    def set_operator_typing(self, who: str, typing: bool) -> None:
        """An operator of the back end typing in no known conversation (the seed's way)."""
        if not who or who == self.own_user_id or (who in self.operators_typing) == typing:
            return
        self.operators_typing = (
            self.operators_typing | {who} if typing else self.operators_typing - {who}
        )
        self._emit(OperatorsTypingChanged(tuple(sorted(self.operators_typing))))

    def set_typing(self, conversation_id: str, who: str, typing: bool) -> None:
        if who and who == self.own_user_id:
            return
        conv = self._by_id.get(conversation_id)
        if conv is None or (who in conv.typing) == typing:
            return
        now_typing = conv.typing | {who} if typing else conv.typing - {who}
        self._update_row(replace(conv, typing=frozenset(now_typing)))
        self._emit(
            TypingStarted(conversation_id, who) if typing else TypingStopped(conversation_id, who)
        )
