"""The in-memory state the UI binds to, and the change notifications it emits.

The conversation list holds every conversation (small rows, 10,000 is a few MB); the
messages live in the cache and only the open thread's loaded pages are in memory. Unread
counts are derived from the unread incoming messages, never stored as a number.
The rows' order is kept by `conversation_rows.ConversationList`, the open thread's by
`open_thread.OpenThread`; this class decides what they hold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    IncomingMessage,
    Listener,
    MissingFeature,
    OperatorsTypingChanged,
    OwnRoleChanged,
    ProfileChanged,
    ProtocolProfile,
    ReplyFailed,
    StateChange,
    SyncStateChanged,
    TicketChanged,
    TypingStarted,
    TypingStopped,
)
from sportello.client.conversation_rows import ConversationList, ConversationRows
from sportello.client.open_thread import OpenThread, merged_status
from sportello.client.records import Conversation, Message, Ticket, conversation_preview
from sportello.client.reply_marks import newer_reply, reply_after_status
from sportello.domain.values import DeliveryStatus, Direction

log = logging.getLogger(__name__)


class ClientState:
    """Conversations, the open thread, tickets, typing, connection: one source for the UI."""

    def __init__(self, own_user_id: str = "") -> None:
        self.own_user_id = own_user_id
        # From `authenticated.user.role`: what the UI offers (domain/permissions.py).
        # None until the server said it (and for a seed back end, which never says it).
        self.own_role: str | None = None
        self._listeners: list[Listener] = []
        self._rows = ConversationList(self._emit)
        self._unread: dict[str, dict[str, str]] = {}  # conversation -> {message id: timestamp}
        self._unread_owner: dict[str, str] = {}  # unread message id -> conversation id
        self._tickets: dict[str, Ticket] = {}
        self._newest_ticket: dict[str, Ticket] = {}  # conversation id -> its newest ticket
        self._thread = OpenThread(self._emit, self._drop_unread)
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
        return self._rows.rows

    def conversation(self, conversation_id: str) -> Conversation | None:
        return self._rows.get(conversation_id)

    def row_of(self, conversation_id: str) -> int | None:
        return self._rows.row_of(conversation_id)

    @property
    def open_conversation_id(self) -> str | None:
        return self._thread.conversation_id

    @property
    def thread(self) -> Sequence[Message]:
        """The open thread's loaded messages, oldest first."""
        return self._thread.messages

    def thread_message(self, message_id: str) -> Message | None:
        """The open thread's loaded message with this id, if it holds it."""
        return self._thread.get(message_id)

    @property
    def thread_has_older(self) -> bool:
        return self._thread.has_older

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
        fresh = [c for c in conversations if c.id not in self._rows]
        if not fresh:
            return
        fresh = [replace(c, unread_count=len(self._unread.get(c.id, ()))) for c in fresh]
        fresh.sort(key=lambda c: c.sort_key, reverse=True)
        self._rows.add(fresh)

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
            old = self._rows.get(conv.id)
            if old is None:
                fresh.append(conv)
                continue
            self._rows.update(
                replace(
                    conv,
                    unread_count=len(self._unread.get(conv.id, ())),
                    typing=old.typing,
                    last_reply=conv.last_reply or old.last_reply,
                )
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
            (c for c in conversations if c.id not in self._rows),
            key=lambda c: c.sort_key,
            reverse=True,
        )
        for conv in fresh:
            self._rows.insert(conv)

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
            last_reply=newer_reply(conv.last_reply, message),
        )

    def _refresh_unread_count(self, conversation_id: str) -> None:
        conv = self._rows.get(conversation_id)
        if conv is not None:
            self._rows.update(
                replace(conv, unread_count=len(self._unread.get(conversation_id, ())))
            )

    # ---- messages -----------------------------------------------------------------------

    def apply_message(self, message: Message) -> bool:
        """Insert or update a message everywhere it shows. Returns True if it was new here."""
        conv = self._rows.get(message.conversation_id)
        new_here = self._track_unread(message)
        in_thread = self._thread.upsert(message)
        if conv is None:
            self._rows.insert(self._summary(None, message))
        elif message.sort_key >= (conv.last_activity, ""):
            self._rows.update(self._summary(conv, message))
        else:  # an older message: the row's text stays, its counts and reply mark follow
            self._rows.update(
                replace(
                    conv,
                    unread_count=len(self._unread.get(conv.id, ())),
                    last_reply=newer_reply(conv.last_reply, message),
                )
            )
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

    def remove_message(self, message_id: str) -> None:
        """Drop a message from the open thread (a local placeholder that a retry replaced)."""
        self._thread.remove(message_id)  # which drops it from the unread first

    def apply_status(
        self,
        message_id: str,
        status: DeliveryStatus,
        error: str | None = None,
        *,
        conversation_id: str | None = None,
        retry: bool = False,
        replayed: bool = False,
    ) -> None:
        """A delivery status for a message we sent (or read for an incoming one); with
        `retry` (a failed reply sent again) it replaces `failed`. A failure is announced once."""
        if status is DeliveryStatus.FAILED and error:
            # The console shows its own words for it (ui/error_texts.py): the detail is here.
            log.info("message %s not delivered: %s", message_id, error)
        if status is DeliveryStatus.READ and message_id in self._unread_owner:
            self.apply_read(message_id, cascade=False)
            return
        old = self._thread.get(message_id)
        was_failed = old is not None and old.status is DeliveryStatus.FAILED
        if old is not None:
            new_status = status if retry else merged_status(old.status, status)
            new_error = None if retry else error or old.error
            self._thread.replace(old, replace(old, status=new_status, error=new_error))
        conv = self._rows.with_reply(message_id)
        if conv is not None and conv.last_reply is not None:
            was_failed = was_failed or conv.last_reply.failed
            moved = reply_after_status(conv.last_reply, message_id, status, error, retry=retry)
            if moved is not None:
                self._rows.update(replace(conv, last_reply=moved))
        owner = conversation_id or (old.conversation_id if old else conv.id if conv else None)
        if status is DeliveryStatus.FAILED and not was_failed and owner:
            self._emit(ReplyFailed(owner, message_id, error, replayed))

    def apply_read(self, message_id: str, cascade: bool) -> None:
        """An incoming message was read by some operator (read for all).

        With `cascade`, every earlier unread incoming message of that conversation is read too,
        which is what a Sportello server does on markAsRead.
        """
        conversation_id = self._unread_owner.get(message_id)
        thread_msg = self._thread.get(message_id)
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
            old = self._thread.get(mid)
            if old is not None and old.direction is Direction.INCOMING:
                self._thread.replace(old, replace(old, status=DeliveryStatus.READ))
        self._refresh_unread_count(conversation_id)

    # ---- threads ------------------------------------------------------------------------

    def open_thread(
        self, conversation_id: str, messages: Sequence[Message], has_older: bool
    ) -> None:
        """Show a thread: `messages` oldest first (the newest page from the cache)."""
        self._thread.open(conversation_id, messages, has_older)

    def close_thread(self) -> None:
        self._thread.close()

    def prepend_messages(
        self, conversation_id: str, messages: Sequence[Message], has_older: bool
    ) -> int:
        """Add an older page above the loaded ones; returns how many rows were added."""
        return self._thread.prepend(conversation_id, messages, has_older)

    # ---- tickets and typing -------------------------------------------------------------

    def apply_ticket(self, ticket: Ticket, reason: str | None = None) -> None:
        created = ticket.id not in self._tickets
        self._tickets[ticket.id] = ticket
        newest = self._track_newest_ticket(ticket)
        self._emit(TicketChanged(ticket, created, reason))
        conv = self._rows.get(ticket.conversation_id or "")
        if conv is not None and newest:
            self._rows.update(replace(conv, ticket=ticket))

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
        conv = self._rows.get(conversation_id)
        if conv is None or (who in conv.typing) == typing:
            return
        now_typing = conv.typing | {who} if typing else conv.typing - {who}
        self._rows.update(replace(conv, typing=frozenset(now_typing)))
        self._emit(
            TypingStarted(conversation_id, who) if typing else TypingStopped(conversation_id, who)
        )
