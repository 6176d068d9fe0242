"""Paints one message: optional day separator and unread line above, then the bubble.

Heights are computed once per (message, width) and cached: scrolling a long thread only
paints, it never re-measures text.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from sportello.client.records import Message
from sportello.domain.values import DeliveryStatus, Direction
from sportello.ui import glyphs, labels, theme
from sportello.ui.error_texts import delivery_failure_reason
from sportello.ui.thread_model import (
    MessageRole,
    ThreadModel,
    unsupported_text,
    unsupported_type,
)

AnyIndex = QModelIndex | QPersistentModelIndex

SIDE_MARGIN = 14
ROW_GAP = 3
HEADER_H = 36
MARKER_H = 30
PAD_X = 10
PAD_Y = 6
LINE_GAP = 3
MEDIA_H = 22
FOOTER_H = 16
MAX_BUBBLE = 560
WRAP = Qt.TextFlag.TextWordWrap
_CACHE_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class BubbleLayout:
    width: int
    height: int
    sender_h: int
    media_h: int
    text_h: int
    error_h: int
    note_h: int = 0  # "Unsupported message (type)", muted italic, above any text


class MessageDelegate(QStyledItemDelegate):
    """Bubble painter for ThreadModel rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._viewport_width = 600
        self._layouts: dict[tuple[str, bool, str | None], BubbleLayout] = {}
        self._font = QFont()
        self._fonts_ready = False
        self._source: ThreadModel | None = None

    def set_viewport_width(self, width: int) -> bool:
        """Returns True when the width changed (and cached heights were dropped)."""
        if width == self._viewport_width:
            return False
        self._viewport_width = width
        self._layouts.clear()
        return True

    def set_font(self, font: QFont) -> None:
        self._font = QFont(font)
        self._fonts_ready = False
        self._layouts.clear()

    def _ensure_fonts(self) -> None:
        if self._fonts_ready:
            return
        base = self._font
        self.body_font = QFont(base)
        self.small_font = QFont(base)
        self.small_font.setPointSizeF(base.pointSizeF() * 0.82)
        self.sender_font = QFont(self.small_font)
        self.sender_font.setBold(True)
        self.pill_font = QFont(self.small_font)
        self.pill_font.setBold(True)
        self.note_font = QFont(base)
        self.note_font.setItalic(True)
        self.note_metrics = QFontMetrics(self.note_font)
        self.body_metrics = QFontMetrics(self.body_font)
        self.small_metrics = QFontMetrics(self.small_font)
        self._fonts_ready = True

    # ---- measuring ----------------------------------------------------------------------

    def max_bubble_width(self) -> int:
        return max(160, min(MAX_BUBBLE, int(self._viewport_width * 0.72)))

    def bubble_layout(self, message: Message) -> BubbleLayout:
        self._ensure_fonts()
        failed = message.status is DeliveryStatus.FAILED
        # The cache is cleared when the width or font changes; a message's text and media
        # never change under the same id, only its status (and the error when it fails).
        key = (message.id, failed, message.error)
        cached = self._layouts.get(key)
        if cached is not None:
            return cached
        inner_max = self.max_bubble_width() - 2 * PAD_X
        width = glyphs.STATUS_GLYPH_WIDTH + 8 + self.small_metrics.horizontalAdvance("00:00")
        sender_h = media_h = text_h = error_h = note_h = 0
        if self._shows_sender(message):
            sender_h = self.small_metrics.height() + LINE_GAP
            width = max(
                width, min(inner_max, self.small_metrics.horizontalAdvance(self._sender(message)))
            )
        if message.media is not None:
            media_h = MEDIA_H
            width = max(
                width,
                min(inner_max, 24 + self.body_metrics.horizontalAdvance(self._media_text(message))),
            )
        note = self._note(message)
        if note:
            rect = self.note_metrics.boundingRect(QRect(0, 0, inner_max, 1_000_000), WRAP, note)
            note_h = rect.height()
            width = max(width, min(inner_max, rect.width()))
        text = self._text(message)
        if text:
            if note_h:
                note_h += LINE_GAP
            rect = self.body_metrics.boundingRect(QRect(0, 0, inner_max, 1_000_000), WRAP, text)
            text_h = rect.height()
            width = max(width, min(inner_max, rect.width()))
        if failed:
            error = self._error_text(message)
            rect = self.small_metrics.boundingRect(QRect(0, 0, inner_max, 1_000_000), WRAP, error)
            error_h = rect.height() + LINE_GAP
            width = max(width, min(inner_max, rect.width()))
        height = (
            2 * PAD_Y
            + sender_h
            + media_h
            + note_h
            + text_h
            + error_h
            + FOOTER_H
            + (LINE_GAP if text_h or note_h else 0)
        )
        layout = BubbleLayout(width + 2 * PAD_X, height, sender_h, media_h, text_h, error_h, note_h)
        if len(self._layouts) > _CACHE_LIMIT:
            self._layouts.clear()
        self._layouts[key] = layout
        return layout

    def set_source(self, model: ThreadModel) -> None:
        """Read rows straight from the model: a relayout measures every loaded row."""
        self._source = model

    def _row(self, index: AnyIndex) -> tuple[Message, str, bool] | None:
        if self._source is not None:
            return self._source.row_parts(index.row())
        row = index.data(MessageRole.ROW)
        return row if isinstance(row, tuple) else None

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        row = self._row(index)
        if row is None:
            return QSize(0, 0)
        message, header, marker = row
        height = self.bubble_layout(message).height + 2 * ROW_GAP
        if header:
            height += HEADER_H
        if marker:
            height += MARKER_H
        return QSize(self._viewport_width, height)

    # ---- text pieces --------------------------------------------------------------------

    @staticmethod
    def _shows_sender(message: Message) -> bool:
        return message.is_group and message.direction is Direction.INCOMING

    @staticmethod
    def _sender(message: Message) -> str:
        return message.sender_name or message.phone or ""

    @staticmethod
    def _media_text(message: Message) -> str:
        kind = str(message.media.type) if message.media else ""
        return labels.media_label(kind)

    @staticmethod
    def _note(message: Message) -> str:
        """Muted lines above the text: a type we cannot show; a message that came late."""
        kind = unsupported_type(message)
        notes = [] if kind is None else [unsupported_text(kind)]
        if message.offline:
            notes.append(
                labels.tr("Arrived while Sportello was offline")
                if message.direction is Direction.INCOMING
                else labels.tr("Sent from the phone while Sportello was offline")
            )
        return "\n".join(notes)

    @staticmethod
    def _text(message: Message) -> str:
        if message.body:
            return message.body
        return message.media.caption or "" if message.media else ""

    @staticmethod
    def _error_text(message: Message) -> str:
        return labels.tr("Not sent: %1. Press Ctrl+R or right-click to retry.").replace(
            "%1", delivery_failure_reason(message.error)
        )

    # ---- painting -----------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        row = self._row(index)
        if row is None:
            return
        message, header, marker = row
        self._ensure_fonts()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        y = rect.top() + ROW_GAP
        if header:
            self._paint_pill(
                painter, QRect(rect.left(), y, rect.width(), HEADER_H), header, theme.TEXT_MUTED
            )
            y += HEADER_H
        if marker:
            self._paint_unread_marker(painter, QRect(rect.left(), y, rect.width(), MARKER_H))
            y += MARKER_H
        layout = self.bubble_layout(message)
        outgoing = message.direction is Direction.OUTGOING
        x = rect.right() - SIDE_MARGIN - layout.width if outgoing else rect.left() + SIDE_MARGIN
        bubble = QRect(x, y, layout.width, layout.height)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        self._paint_bubble(painter, bubble, message, layout, outgoing, selected)
        painter.restore()

    def _paint_pill(self, painter: QPainter, band: QRect, text: str, color: QColor) -> None:
        painter.setFont(self.pill_font)
        width = QFontMetrics(self.pill_font).horizontalAdvance(text) + 24
        pill = QRect(band.center().x() - width // 2, band.top() + 7, width, band.height() - 14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.SEPARATOR_BACKGROUND)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setPen(color)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_unread_marker(self, painter: QPainter, band: QRect) -> None:
        text = labels.tr("Unread messages")
        painter.setFont(self.pill_font)
        text_w = QFontMetrics(self.pill_font).horizontalAdvance(text) + 24
        mid = band.center().y()
        painter.setPen(QPen(theme.UNREAD_MARKER, 1))
        painter.drawLine(band.left() + SIDE_MARGIN, mid, band.center().x() - text_w // 2 - 6, mid)
        painter.drawLine(band.center().x() + text_w // 2 + 6, mid, band.right() - SIDE_MARGIN, mid)
        painter.drawText(
            QRect(band.center().x() - text_w // 2, band.top(), text_w, band.height()),
            Qt.AlignmentFlag.AlignCenter,
            text,
        )

    def _paint_bubble(
        self,
        painter: QPainter,
        bubble: QRect,
        message: Message,
        layout: BubbleLayout,
        outgoing: bool,
        selected: bool,
    ) -> None:
        failed = message.status is DeliveryStatus.FAILED
        fill = (
            theme.FAILED_BACKGROUND if failed else theme.BUBBLE_OUT if outgoing else theme.BUBBLE_IN
        )
        border = (
            theme.BUBBLE_SELECTED_BORDER
            if selected
            else theme.FAILED
            if failed
            else theme.BUBBLE_BORDER
        )
        painter.setPen(QPen(border, 2 if selected else 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)

        inner = bubble.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        y = inner.top()
        if layout.sender_h:
            painter.setFont(self.sender_font)
            painter.setPen(theme.avatar_color(message.phone or message.sender_name or ""))
            sender = QFontMetrics(self.sender_font).elidedText(
                self._sender(message), Qt.TextElideMode.ElideRight, inner.width()
            )
            painter.drawText(QRect(inner.left(), y, inner.width(), layout.sender_h), 0, sender)
            y += layout.sender_h
        if layout.media_h:
            kind = str(message.media.type) if message.media else ""
            glyphs.paint_media_icon(
                painter, QRectF(inner.left(), y + 2, 16, 16), kind, theme.TEXT_MUTED
            )
            painter.setFont(self.body_font)
            painter.setPen(theme.TEXT_MUTED)
            painter.drawText(
                QRect(inner.left() + 22, y, inner.width() - 22, MEDIA_H),
                Qt.AlignmentFlag.AlignVCenter,
                self._media_text(message),
            )
            y += layout.media_h
        if layout.note_h:
            painter.setFont(self.note_font)
            painter.setPen(theme.TEXT_MUTED)
            painter.drawText(
                QRect(inner.left(), y, inner.width(), layout.note_h), WRAP, self._note(message)
            )
            y += layout.note_h
        if layout.text_h:
            painter.setFont(self.body_font)
            painter.setPen(theme.TEXT)
            painter.drawText(
                QRect(inner.left(), y, inner.width(), layout.text_h), WRAP, self._text(message)
            )
            y += layout.text_h + LINE_GAP
        if layout.error_h:
            painter.setFont(self.small_font)
            painter.setPen(theme.FAILED)
            painter.drawText(
                QRect(inner.left(), y, inner.width(), layout.error_h),
                WRAP,
                self._error_text(message),
            )
            y += layout.error_h
        footer = QRect(inner.left(), inner.bottom() - FOOTER_H + 1, inner.width(), FOOTER_H)
        time_right = footer.right()
        if outgoing:
            glyph = QRectF(
                footer.right() - glyphs.STATUS_GLYPH_WIDTH + 3, footer.top(), 16, FOOTER_H
            )
            glyphs.paint_status(painter, glyph, message.status)
            time_right = int(glyph.left()) - 4
        painter.setFont(self.small_font)
        painter.setPen(theme.TEXT_MUTED)
        painter.drawText(
            QRect(footer.left(), footer.top(), time_right - footer.left(), FOOTER_H),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            labels.clock_time(message.timestamp),
        )
