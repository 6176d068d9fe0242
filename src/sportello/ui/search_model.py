"""Server search results (messages, contacts, tickets) as a list model with its delegate."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sportello.client.records import SearchHit
from sportello.ui import labels, theme

AnyIndex = QModelIndex | QPersistentModelIndex
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


class SearchResultsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        # A new query replaces the whole answer: a reset is the honest signal here.
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit_at(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit_at(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == HIT_ROLE:
            return hit
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return hit.title + ": " + hit.snippet
        return None


def kind_label(kind: str) -> str:
    return {
        "message": labels.tr("Message"),
        "contact": labels.tr("Contact"),
        "ticket": labels.tr("Ticket"),
    }.get(kind, kind)


class SearchHitDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        return QSize(1, 54)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        hit = index.data(HIT_ROLE)
        if not isinstance(hit, SearchHit):
            return
        painter.save()
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(rect, theme.SELECTION if selected else theme.LIST_BACKGROUND)
        painter.setPen(theme.DIVIDER)
        painter.drawLine(rect.left() + 10, rect.bottom(), rect.right(), rect.bottom())
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.82)
        bold = QFont(option.font)
        bold.setBold(True)
        inner = rect.adjusted(12, 7, -12, -7)
        kind = kind_label(hit.kind).upper()
        painter.setFont(small)
        painter.setPen(theme.ACCENT)
        kind_w = QFontMetrics(small).horizontalAdvance(kind) + 8
        painter.drawText(
            QRect(inner.left(), inner.top(), kind_w, 20), Qt.AlignmentFlag.AlignVCenter, kind
        )
        painter.setPen(theme.TEXT_MUTED)
        when = labels.list_time(hit.timestamp or "")
        painter.drawText(
            QRect(inner.left(), inner.top(), inner.width(), 20),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            when,
        )
        painter.setFont(bold)
        painter.setPen(theme.TEXT)
        title_rect = QRect(inner.left() + kind_w, inner.top(), inner.width() - kind_w - 60, 20)
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(bold).elidedText(
                hit.title, Qt.TextElideMode.ElideRight, title_rect.width()
            ),
        )
        painter.setFont(option.font)
        painter.setPen(theme.TEXT_MUTED)
        snippet_rect = QRect(inner.left(), inner.top() + 20, inner.width(), 20)
        snippet = " ".join(hit.snippet.split())
        painter.drawText(
            snippet_rect,
            Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(option.font).elidedText(
                snippet, Qt.TextElideMode.ElideRight, snippet_rect.width()
            ),
        )
        painter.restore()
