"""The open thread's loaded messages as a Qt model, kept in step with ClientState.

Row i is message i of the loaded pages (oldest first). Day separators and the "unread"
marker are painted above a row by the delegate, not stored as extra rows, so state
indexes and model rows stay identical and every change maps to one precise signal.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from sportello.client.changes import (
    MessageChanged,
    MessageInserted,
    MessageRemoved,
    MessagesPrepended,
    StateChange,
    ThreadClosed,
    ThreadOpened,
)
from sportello.client.records import Message
from sportello.client.state import ClientState
from sportello.domain.values import MessageType
from sportello.ui import labels

AnyIndex = QModelIndex | QPersistentModelIndex


class MessageRole(IntEnum):
    MESSAGE = Qt.ItemDataRole.UserRole + 1
    DAY_HEADER = Qt.ItemDataRole.UserRole + 2  # str label when the row starts a new day, else ""
    UNREAD_MARKER = Qt.ItemDataRole.UserRole + 3  # bool: the first unread message at opening
    # (message, day header, unread marker) in one call: the delegate measures every loaded
    # row on each relayout, and each data() call crosses the Python/C++ boundary.
    ROW = Qt.ItemDataRole.UserRole + 4


@lru_cache(maxsize=8192)
def _local_day(stamp: str) -> date | None:
    moment = labels.parse_timestamp(stamp)
    return moment.date() if moment else None


_SHOWN_TYPES = frozenset(MessageType) - {MessageType.UNSUPPORTED}


def unsupported_type(message: Message) -> str | None:
    """The gateway's word for a message type this console cannot show, or None.

    "" when the server stored it as unsupported without saying what it was. A type this
    client does not know (a newer server's) counts too: better a note than an empty bubble.
    """
    if message.type == MessageType.UNSUPPORTED:
        return ""
    kind = str(message.type)
    return None if kind in _SHOWN_TYPES else kind


def unsupported_text(kind: str) -> str:
    """What the thread and the conversation list say instead of a message we cannot show."""
    if not kind:
        return labels.tr("Unsupported message")
    return labels.tr("Unsupported message (%1)").replace("%1", kind)


def message_day(message: Message) -> date | None:
    """The local calendar day of a message (parsed once per distinct timestamp)."""
    return _local_day(message.timestamp)


class ThreadModel(QAbstractListModel):
    """Messages of the open conversation; only the loaded pages, never the whole history."""

    def __init__(self, state: ClientState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._rows: list[Message] = list(state.thread)
        self._conversation_id = state.open_conversation_id
        self._has_older = state.thread_has_older
        self._unread_marker: str | None = None
        self._unsubscribe = state.subscribe(self._on_change)

    def detach(self) -> None:
        self._unsubscribe()

    @property
    def conversation_id(self) -> str | None:
        return self._conversation_id

    @property
    def has_older(self) -> bool:
        return self._has_older

    def message_at(self, row: int) -> Message | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, message_id: str) -> int | None:
        for row in range(len(self._rows) - 1, -1, -1):  # recent messages are asked for most
            if self._rows[row].id == message_id:
                return row
        return None

    def set_unread_marker(self, message_id: str | None) -> None:
        """Draw the "unread messages" line above this message until the thread closes."""
        old = self.row_of(self._unread_marker) if self._unread_marker else None
        self._unread_marker = message_id
        for row in (old, self.row_of(message_id) if message_id else None):
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, 0))

    @property
    def unread_marker(self) -> str | None:
        return self._unread_marker

    # ---- Qt model API -------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        message = self._rows[row]
        if role == MessageRole.ROW:
            return self.row_parts(row)
        if role == MessageRole.MESSAGE:
            return message
        if role == MessageRole.DAY_HEADER:
            return self._day_header(row)
        if role == MessageRole.UNREAD_MARKER:
            return message.id == self._unread_marker
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._accessible_text(message)
        return None

    def row_parts(self, row: int) -> tuple[Message, str, bool] | None:
        """What the delegate draws for a row, as a plain Python call (no QVariant trip)."""
        if not 0 <= row < len(self._rows):
            return None
        message = self._rows[row]
        return (message, self._day_header(row), message.id == self._unread_marker)

    def _day_header(self, row: int) -> str:
        day = message_day(self._rows[row])
        if day is None:
            return ""
        if row > 0 and message_day(self._rows[row - 1]) == day:
            return ""
        return labels.day_label(day)

    def _accessible_text(self, message: Message) -> str:
        who = message.sender_name or message.phone or ""
        if message.direction == "outgoing":
            who = self.tr("You")
        text = message.body or (message.media.caption or "" if message.media else "")
        kind = unsupported_type(message)
        if kind is not None:
            text = unsupported_text(kind) + (" " + text if text else "")
        return (
            self.tr("%1 at %2: %3")
            .replace("%1", who)
            .replace("%2", labels.clock_time(message.timestamp))
            .replace("%3", text)
        )

    # ---- state changes ------------------------------------------------------------------

    def _touch(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, ThreadOpened):
            self.beginResetModel()
            self._conversation_id = change.conversation_id
            self._rows = list(change.messages)
            self._has_older = change.has_older
            self._unread_marker = None
            self.endResetModel()
        elif isinstance(change, ThreadClosed):
            self.beginResetModel()
            self._conversation_id = None
            self._rows = []
            self._has_older = False
            self._unread_marker = None
            self.endResetModel()
        elif (
            isinstance(
                change, MessagesPrepended | MessageInserted | MessageChanged | MessageRemoved
            )
            and change.conversation_id == self._conversation_id
        ):
            self._on_thread_change(change)

    def _on_thread_change(self, change: StateChange) -> None:
        if isinstance(change, MessagesPrepended):
            self._has_older = change.has_older
            count = len(change.messages)
            if count:
                self.beginInsertRows(QModelIndex(), 0, count - 1)
                self._rows[:0] = change.messages
                self.endInsertRows()
                self._touch(count)  # its day separator may now belong to the older page
        elif isinstance(change, MessageInserted):
            self.beginInsertRows(QModelIndex(), change.index, change.index)
            self._rows.insert(change.index, change.message)
            self.endInsertRows()
            self._touch(change.index + 1)
        elif isinstance(change, MessageChanged):
            self._rows[change.index] = change.message
            self._touch(change.index)
        elif isinstance(change, MessageRemoved):
            self.beginRemoveRows(QModelIndex(), change.index, change.index)
            del self._rows[change.index]
            self.endRemoveRows()
            self._touch(change.index)


_THREAD_CHANGES = frozenset({MessagesPrepended, MessageInserted, MessageChanged, MessageRemoved})
