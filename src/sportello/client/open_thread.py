"""The open thread: the loaded pages of the one conversation on screen, oldest first.

Kept apart from `ClientState` (state.py) because it is an ordered list with rules of its
own: the server's copy of a sent message takes its local placeholder's row, a status never
moves back, a message older than the loaded pages waits for the page that holds it.
`ClientState` owns one and hands it its `emit`, so the row changes reach the listeners in
the order they happen, interleaved with the conversation list's, and the function that
forgets an unread message, so a message removed here leaves the unread counts too.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import replace

from sportello.client.changes import (
    MessageChanged,
    MessageInserted,
    MessageRemoved,
    MessagesPrepended,
    StateChange,
    ThreadClosed,
    ThreadOpened,
)
from sportello.client.records import LOCAL_ID_PREFIX, Message
from sportello.domain.values import DeliveryStatus

_MESSAGE_FIELDS = (
    "id",
    "timestamp",
    "status",
    "body",
    "error",
    "ticket_id",
    "media",
    "sender_name",
    "client_id",
)


def merged_status(old: DeliveryStatus, new: DeliveryStatus) -> DeliveryStatus:
    """Acks arrive out of order: a status never moves back to a lower rank."""
    return new if new.rank >= old.rank else old


class OpenThread:
    """The open conversation's loaded messages, kept in (timestamp, id) order."""

    def __init__(
        self, emit: Callable[[StateChange], None], forget: Callable[[str], object]
    ) -> None:
        self._emit = emit
        self._forget = forget  # called with every id `remove` is asked to drop, first
        self.conversation_id: str | None = None
        self.has_older = False
        self._messages: list[Message] = []
        self._ids: dict[str, Message] = {}

    @property
    def messages(self) -> Sequence[Message]:
        return self._messages

    def get(self, message_id: str) -> Message | None:
        """The loaded message with this id, if the open thread holds it."""
        return self._ids.get(message_id)

    def open(self, conversation_id: str, messages: Sequence[Message], has_older: bool) -> None:
        """Show a thread: `messages` oldest first (the newest page from the cache)."""
        self.conversation_id = conversation_id
        self._messages = sorted(messages, key=lambda m: m.sort_key)
        self._ids = {m.id: m for m in self._messages}
        self.has_older = has_older
        self._emit(ThreadOpened(conversation_id, tuple(self._messages), has_older))

    def close(self) -> None:
        if self.conversation_id is None:
            return
        closed = self.conversation_id
        self.conversation_id = None
        self._messages = []
        self._ids = {}
        self.has_older = False
        self._emit(ThreadClosed(closed))

    def prepend(self, conversation_id: str, messages: Sequence[Message], has_older: bool) -> int:
        """Add an older page above the loaded ones; returns how many rows were added."""
        if conversation_id != self.conversation_id:
            return 0
        oldest = self._messages[0].sort_key if self._messages else None
        page = sorted(
            (
                m
                for m in messages
                if m.id not in self._ids and (oldest is None or m.sort_key < oldest)
            ),
            key=lambda m: m.sort_key,
        )
        self._messages[:0] = page
        self._ids.update((m.id, m) for m in page)
        self.has_older = has_older
        self._emit(MessagesPrepended(conversation_id, tuple(page), has_older))
        return len(page)

    def upsert(self, message: Message) -> bool:
        """Returns True if the message was added to the open thread."""
        if message.conversation_id != self.conversation_id:
            return False
        old = self._ids.get(message.id)
        if message.client_id and not message.is_local:
            placeholder = self._ids.get(LOCAL_ID_PREFIX + message.client_id)
            if placeholder is not None and old is None:
                self.replace(placeholder, message)
                return False
            if placeholder is not None:  # the server's copy came first: drop the placeholder
                self.remove(placeholder.id)
        if old is not None:
            # The server's newMessage carries no clientId: keep the one our ack gave it.
            merged = replace(
                message,
                status=merged_status(old.status, message.status),
                client_id=message.client_id or old.client_id,
            )
            self.replace(old, merged)
            return False
        if self.has_older and self._messages and message.sort_key < self._messages[0].sort_key:
            return False  # belongs to a page not loaded yet; load_older will bring it
        index = bisect.bisect_left(self._messages, message.sort_key, key=lambda m: m.sort_key)
        self._messages.insert(index, message)
        self._ids[message.id] = message
        self._emit(MessageInserted(message.conversation_id, index, message))
        return True

    def replace(self, old: Message, new: Message) -> None:
        """Put `new` where `old` is, or move it if its new key sorts elsewhere."""
        fields = frozenset(f for f in _MESSAGE_FIELDS if getattr(old, f) != getattr(new, f))
        if not fields:
            return
        index = self._index(old)
        if old.sort_key == new.sort_key or self._fits_at(index, new):
            self._messages[index] = new
            del self._ids[old.id]
            self._ids[new.id] = new
            self._emit(MessageChanged(new.conversation_id, index, new, fields))
            return
        self.remove(old.id)
        self.upsert(new)

    def remove(self, message_id: str) -> None:
        """Forget a message (a local placeholder that a retry replaced, a moved row)."""
        self._forget(message_id)
        old = self._ids.pop(message_id, None)
        if old is None:
            return
        index = self._index(old)
        del self._messages[index]
        self._emit(MessageRemoved(old.conversation_id, index, message_id))

    def _fits_at(self, index: int, message: Message) -> bool:
        before = self._messages[index - 1].sort_key if index > 0 else None
        after = self._messages[index + 1].sort_key if index + 1 < len(self._messages) else None
        key = message.sort_key
        return (before is None or before <= key) and (after is None or key <= after)

    def _index(self, message: Message) -> int:
        index = bisect.bisect_left(self._messages, message.sort_key, key=lambda m: m.sort_key)
        while self._messages[index].id != message.id:  # equal keys: walk to the exact row
            index += 1
        return index
