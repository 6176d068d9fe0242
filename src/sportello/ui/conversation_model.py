"""The conversation list as a Qt model, kept in step with ClientState by its changes.

Row i of the model is row i of `state.conversations` at all times: inserts, moves and
changes map one to one onto beginInsertRows / beginMoveRows / dataChanged, so selection
and scroll position survive a burst of incoming messages.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from sportello.client.changes import (
    ConversationChanged,
    ConversationMoved,
    ConversationsInserted,
    PresenceChanged,
    StateChange,
)
from sportello.client.records import Conversation, preview_kind
from sportello.client.state import ClientState
from sportello.domain.values import MessageType, Priority
from sportello.ui import labels
from sportello.ui.thread_model import unsupported_text

AnyIndex = QModelIndex | QPersistentModelIndex
_MEDIA_KINDS = frozenset(MessageType) - {MessageType.TEXT, MessageType.UNSUPPORTED}


def shown_preview(preview: str) -> str:
    """The list's preview line: a photo without caption becomes "Photo", an unknown type
    "Unsupported message (kind)" (the same words as in the thread); text stays as written.

    The kind comes from the message type (client/records.conversation_preview marks it),
    never from the text: a customer who writes "[ok]" sees "[ok]".
    """
    kind = preview_kind(preview)
    if kind is None:
        return preview
    if kind in _MEDIA_KINDS:
        return labels.media_label(kind)
    return unsupported_text("" if kind == MessageType.UNSUPPORTED else kind)


def is_unsupported_preview(preview: str) -> bool:
    """True when the preview stands for a message of a type we cannot show (drawn italic)."""
    kind = preview_kind(preview)
    return kind is not None and kind not in _MEDIA_KINDS


class ConversationRole(IntEnum):
    CONVERSATION = Qt.ItemDataRole.UserRole + 1
    ID = Qt.ItemDataRole.UserRole + 2
    # (colleagues viewing, colleagues writing a reply), names; None when nobody is there.
    PRESENCE = Qt.ItemDataRole.UserRole + 3


class ConversationListModel(QAbstractListModel):
    """All conversations, most recent activity first."""

    def __init__(self, state: ClientState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state
        # A mirror of the state's rows, updated change by change, so that between
        # begin*/end* calls the model answers as Qt expects (the state is already ahead).
        self._rows: list[Conversation] = list(state.conversations)
        # Colleagues in each conversation, from the PresenceChanged changes (ephemeral:
        # client/awareness.py clears them when the connection drops).
        self._presence: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._unsubscribe = state.subscribe(self._on_change)

    def detach(self) -> None:
        self._unsubscribe()

    # ---- Qt model API -------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        conv = self._rows[index.row()]
        if role == ConversationRole.CONVERSATION:
            return conv
        if role == ConversationRole.ID:
            return conv.id
        if role == ConversationRole.PRESENCE:
            return self._presence.get(conv.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return conv.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._accessible_text(conv)
        return None

    def conversation_at(self, row: int) -> Conversation | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, conversation_id: str) -> int | None:
        row = self._state.row_of(conversation_id)
        if row is None or row >= len(self._rows) or self._rows[row].id != conversation_id:
            return None
        return row

    def _accessible_text(self, conv: Conversation) -> str:
        text = conv.title
        if conv.unread_count:
            text += ", " + self.tr("%n unread", "", conv.unread_count)
        if conv.ticket is not None and conv.ticket.is_open:
            text += ", " + self.tr("ticket #%1").replace("%1", conv.ticket.number)
        if conv.reply_failed:
            text += ", " + self.tr("reply not sent")
        text += ", " + shown_preview(conv.last_preview)
        viewers, typing = self._presence.get(conv.id, ((), ()))
        if typing:
            text += ", " + self.tr("%1 writing a reply").replace("%1", ", ".join(typing))
        others = [name for name in viewers if name not in typing]
        if others:
            text += ", " + self.tr("%1 viewing").replace("%1", ", ".join(others))
        return text

    # ---- state changes ------------------------------------------------------------------

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, ConversationsInserted):
            first = change.index
            self.beginInsertRows(QModelIndex(), first, first + len(change.conversations) - 1)
            self._rows[first:first] = change.conversations
            self.endInsertRows()
        elif isinstance(change, ConversationMoved):
            # State already moved the row; Qt wants "destination before the move".
            src, dst = change.from_index, change.to_index
            qt_dst = dst if dst < src else dst + 1
            if src != dst and self.beginMoveRows(QModelIndex(), src, src, QModelIndex(), qt_dst):
                self._rows.insert(dst, self._rows.pop(src))
                self.endMoveRows()
        elif isinstance(change, PresenceChanged):
            self._presence_changed(change)
        elif isinstance(change, ConversationChanged):
            self._rows[change.index] = change.conversation
            index = self.index(change.index, 0)
            self.dataChanged.emit(index, index)

    def _presence_changed(self, change: PresenceChanged) -> None:
        if change.viewers or change.typing:
            self._presence[change.conversation_id] = (change.viewers, change.typing)
        elif self._presence.pop(change.conversation_id, None) is None:
            return
        row = self.row_of(change.conversation_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index)


def presence_chip(viewers: tuple[str, ...], typing: tuple[str, ...]) -> tuple[str, str]:
    """The list row's compact "who is here": (first names writing, first names only viewing)."""

    def first(names: list[str] | tuple[str, ...]) -> str:
        return ", ".join(name.split()[0] if name.split() else name for name in names)

    return first(typing), first([name for name in viewers if name not in typing])


class ConversationFilter(IntEnum):
    ALL = 0
    UNREAD = 1
    OPEN_TICKETS = 2
    URGENT = 3
    MINE = 4


def matches_filter(conv: Conversation, mode: ConversationFilter, own_user_id: str) -> bool:
    """Whether a conversation belongs to a list filter; tickets count only while open."""
    ticket = conv.ticket if conv.ticket is not None and conv.ticket.is_open else None
    if mode is ConversationFilter.UNREAD:
        return conv.unread_count > 0
    if mode is ConversationFilter.OPEN_TICKETS:
        return ticket is not None
    if mode is ConversationFilter.URGENT:
        return ticket is not None and ticket.priority is Priority.URGENT
    if mode is ConversationFilter.MINE:
        return ticket is not None and bool(own_user_id) and ticket.assignee_id == own_user_id
    return True


class ConversationFilterProxy(QSortFilterProxyModel):
    """Keeps the source order and hides rows outside the chosen filter.

    The window uses the source model directly for "all", so the common case pays no
    proxy remapping on every move.
    """

    def __init__(self, state: ClientState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._mode = ConversationFilter.ALL
        self.setDynamicSortFilter(True)

    @property
    def mode(self) -> ConversationFilter:
        return self._mode

    def set_mode(self, mode: ConversationFilter) -> None:
        if mode != self._mode:
            self.beginFilterChange()
            self._mode = mode
            self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, ConversationListModel):
            return True
        conv = model.conversation_at(source_row)
        return conv is not None and matches_filter(conv, self._mode, self._state.own_user_id)
