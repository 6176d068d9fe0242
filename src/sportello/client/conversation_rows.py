"""The conversation list in row order, most recent activity first, and its row changes.

Kept apart from `ClientState` (state.py) because the ordering is its own mechanism: rows
are kept as ascending sort keys (row i is the i-th key from the end), so an insert or a
move is a bisect, and every insert, move and change becomes the one `StateChange` a Qt
model needs to touch only those rows. What a row says (title, preview, unread count,
ticket) is decided in `ClientState`; this module only keeps the rows in order.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from typing import overload

from sportello.client.changes import (
    ConversationChanged,
    ConversationMoved,
    ConversationsInserted,
    StateChange,
)
from sportello.client.records import Conversation

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
    "last_reply",
)


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


class ConversationList:
    """Every known conversation by id, kept sorted; emits the row changes it makes."""

    def __init__(self, emit: Callable[[StateChange], None]) -> None:
        self._emit = emit
        self._keys: list[tuple[str, str]] = []
        self._by_id: dict[str, Conversation] = {}
        # Newest reply id -> its conversation: a status event that does not name its
        # conversation (stored by an older server) still finds the row it marks.
        self._by_reply: dict[str, str] = {}

    @property
    def rows(self) -> ConversationRows:
        return ConversationRows(self._keys, self._by_id)

    def get(self, conversation_id: str) -> Conversation | None:
        return self._by_id.get(conversation_id)

    def with_reply(self, message_id: str) -> Conversation | None:
        """The conversation whose newest reply is this message, if any."""
        conversation_id = self._by_reply.get(message_id)
        return None if conversation_id is None else self._by_id.get(conversation_id)

    def _index_reply(self, old: Conversation | None, new: Conversation) -> None:
        if old is not None and old.last_reply is not None:
            self._by_reply.pop(old.last_reply.id, None)
        if new.last_reply is not None:
            self._by_reply[new.last_reply.id] = new.id

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._by_id

    def row_of(self, conversation_id: str) -> int | None:
        conv = self._by_id.get(conversation_id)
        if conv is None:
            return None
        return len(self._keys) - 1 - bisect.bisect_left(self._keys, conv.sort_key)

    def add(self, fresh: Sequence[Conversation]) -> None:
        """Add new conversations, `fresh` sorted newest first (at least one)."""
        # Pages come newest first: when they all sort below the current rows, one block.
        if not self._keys or fresh[0].sort_key < self._keys[0]:
            for c in fresh:
                self._by_id[c.id] = c
                self._index_reply(None, c)
            self._keys[:0] = [c.sort_key for c in reversed(fresh)]
            self._emit(ConversationsInserted(len(self._keys) - len(fresh), tuple(fresh)))
            return
        for c in fresh:
            self.insert(c)

    def insert(self, conv: Conversation) -> None:
        """Add one new conversation at the row its sort key gives it."""
        pos = bisect.bisect_left(self._keys, conv.sort_key)
        self._keys.insert(pos, conv.sort_key)
        self._by_id[conv.id] = conv
        self._index_reply(None, conv)
        self._emit(ConversationsInserted(len(self._keys) - 1 - pos, (conv,)))

    def update(self, new: Conversation) -> None:
        """Replace a known conversation; moves its row if its activity changed."""
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
        self._index_reply(old, new)
        if new_pos != old_pos:
            self._emit(ConversationMoved(n - 1 - old_pos, n - 1 - new_pos, new.id))
        self._emit(ConversationChanged(n - 1 - new_pos, new, fields))
