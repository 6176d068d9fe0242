"""Paints one conversation row: avatar, name, time, preview or typing, badge, ticket chip,
and the red "Not sent" mark while the conversation's newest reply is failed."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from sportello.client.records import Conversation
from sportello.domain.values import Direction
from sportello.ui import labels, theme
from sportello.ui.conversation_model import (
    ConversationRole,
    is_unsupported_preview,
    presence_chip,
    shown_preview,
)

ROW_HEIGHT = 66
AVATAR = 40
PAD = 10
PRESENCE_MAX_W = 150
EYE_W = 14
MARK = 13  # the red disc of a failed reply's "Not sent" chip
# Colleagues here: the thread header's purple; writing a reply: the collision banner's amber.
VIEWING_COLORS = (QColor("#ece6f5"), QColor("#5a3e8a"))
WRITING_COLORS = (QColor("#fff1c2"), QColor("#7a4b00"))


def _paint_eye(painter: QPainter, center: QPointF, color: QColor) -> None:
    """A small open eye: "has this conversation open" (no emoji font needed)."""
    painter.setPen(QPen(color, 1.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QRectF(center.x() - 5.5, center.y() - 3.5, 11, 7))
    painter.setBrush(color)
    painter.drawEllipse(center, 1.8, 1.8)


def paint_chip(painter: QPainter, rect: QRect, text: str, bg: QColor, fg: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setPen(fg)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class ConversationDelegate(QStyledItemDelegate):
    """Fixed-height rows, so the list never measures text to lay out 10,000 conversations."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(1, ROW_HEIGHT)  # the view gives every row its full width

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        conv = index.data(ConversationRole.CONVERSATION)
        if not isinstance(conv, Conversation):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        background = (
            theme.SELECTION if selected else theme.HOVER if hovered else theme.LIST_BACKGROUND
        )
        painter.fillRect(rect, background)
        painter.setPen(theme.DIVIDER)
        painter.drawLine(
            rect.left() + PAD + AVATAR + PAD, rect.bottom(), rect.right(), rect.bottom()
        )

        self._paint_avatar(painter, option, conv)
        base = QFont(option.font)
        left = rect.left() + PAD * 2 + AVATAR
        right = rect.right() - PAD
        top_line = QRect(left, rect.top() + 12, right - left, 20)
        bottom_line = QRect(left, rect.top() + 35, right - left, 20)

        # Top line: time on the right, then the ticket chip, the name takes what is left.
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.85)
        painter.setFont(small)
        time_text = labels.list_time(conv.last_activity)
        time_w = QFontMetrics(small).horizontalAdvance(time_text)
        painter.setPen(theme.ACCENT if conv.unread_count else theme.TEXT_MUTED)
        painter.drawText(
            top_line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, time_text
        )
        name_right = top_line.right() - time_w - 8

        ticket = conv.ticket if conv.ticket is not None and conv.ticket.is_open else None
        if ticket is not None:
            chip_font = QFont(small)
            chip_font.setBold(True)
            chip_font.setPointSizeF(base.pointSizeF() * 0.75)
            painter.setFont(chip_font)
            chip_text = "#" + ticket.number + " " + labels.priority_label(ticket.priority).upper()
            chip_w = QFontMetrics(chip_font).horizontalAdvance(chip_text) + 12
            chip = QRect(name_right - chip_w, top_line.top() + 2, chip_w, 16)
            bg, fg = theme.PRIORITY_COLORS[ticket.priority]
            paint_chip(painter, chip, chip_text, bg, fg)
            name_right = chip.left() - 6

        name_font = QFont(base)
        name_font.setBold(True)
        name_font.setPointSizeF(base.pointSizeF() * 1.05)
        painter.setFont(name_font)
        painter.setPen(theme.TEXT)
        name_rect = QRect(left, top_line.top(), max(0, name_right - left), top_line.height())
        name = QFontMetrics(name_font).elidedText(
            conv.title or conv.phone or "", Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )

        # Bottom line: unread badge on the right, preview (or typing) on the left.
        preview_right = bottom_line.right()
        if conv.unread_count:
            badge_font = QFont(small)
            badge_font.setBold(True)
            painter.setFont(badge_font)
            badge_text = str(conv.unread_count) if conv.unread_count < 1000 else "999+"
            badge_w = max(20, QFontMetrics(badge_font).horizontalAdvance(badge_text) + 12)
            badge = QRect(bottom_line.right() - badge_w + 1, bottom_line.top() + 1, badge_w, 19)
            paint_chip(painter, badge, badge_text, theme.ACCENT, QColor("#ffffff"))
            preview_right = badge.left() - 8
        if conv.reply_failed:
            painter.setFont(small)
            chip = self._paint_not_sent(painter, small, bottom_line, preview_right)
            preview_right = chip.left() - 8
        presence = index.data(ConversationRole.PRESENCE)
        if presence:
            painter.setFont(small)
            chip = self._paint_presence(painter, small, presence, bottom_line, preview_right, left)
            preview_right = chip.left() - 8

        preview_rect = QRect(
            left, bottom_line.top(), max(0, preview_right - left), bottom_line.height()
        )
        preview_font = QFont(base)
        if conv.typing:
            preview_font.setItalic(True)
            painter.setFont(preview_font)
            painter.setPen(theme.TYPING)
            text = labels.tr("typing…")
        else:
            preview_font.setItalic(is_unsupported_preview(conv.last_preview))
            painter.setFont(preview_font)
            painter.setPen(theme.TEXT if conv.unread_count else theme.TEXT_MUTED)
            text = shown_preview(conv.last_preview)
            if conv.last_direction is Direction.OUTGOING and text:
                text = labels.tr("You: %1").replace("%1", text)
        elided = QFontMetrics(preview_font).elidedText(
            text, Qt.TextElideMode.ElideRight, preview_rect.width()
        )
        painter.drawText(
            preview_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided
        )
        painter.restore()

    @staticmethod
    def _paint_not_sent(painter: QPainter, font: QFont, line: QRect, right: int) -> QRect:
        """The failed reply's mark, a chip ending at `right`: a red "!" disc, "Not sent"."""
        bold = QFont(font)
        bold.setBold(True)
        text = labels.tr("Not sent")
        text_w = QFontMetrics(bold).horizontalAdvance(text) + 1
        width = 6 + MARK + 5 + text_w + 8
        chip = QRect(right - width + 1, line.top() + 1, width, 19)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.FAILED_BACKGROUND)
        painter.drawRoundedRect(chip, chip.height() / 2, chip.height() / 2)
        disc = QRect(chip.left() + 6, chip.top() + (chip.height() - MARK) // 2, MARK, MARK)
        painter.setBrush(theme.FAILED)
        painter.drawEllipse(disc)
        painter.setFont(bold)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, "!")
        painter.setPen(theme.FAILED)
        painter.drawText(
            QRect(disc.right() + 5, chip.top(), text_w, chip.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        return chip

    @staticmethod
    def _paint_presence(
        painter: QPainter,
        font: QFont,
        presence: tuple[tuple[str, ...], tuple[str, ...]],
        line: QRect,
        right: int,
        left: int,
    ) -> QRect:
        """Who else is in the conversation, as a chip ending at `right`; returns the chip.

        "✎ Marco" for colleagues writing a reply (amber, like the collision warning), an eye
        and "Luca" for colleagues who only have it open (purple, like the thread header).
        """
        writing, viewing = presence_chip(*presence)
        bg, fg = WRITING_COLORS if writing else VIEWING_COLORS
        metrics = QFontMetrics(font)
        limit = max(40, min(PRESENCE_MAX_W, (right - left) // 2)) - 12
        pencil = "✎ " + writing if writing else ""
        # +1: elidedText() elides a text given exactly its own (rounded) advance.
        pencil_w = min(limit, metrics.horizontalAdvance(pencil) + 1) if pencil else 0
        gap = 6 if pencil and viewing else 0
        eye_w = EYE_W if viewing else 0
        room = max(0, limit - pencil_w - gap - eye_w)
        viewing = metrics.elidedText(viewing, Qt.TextElideMode.ElideRight, room) if viewing else ""
        pencil = metrics.elidedText(pencil, Qt.TextElideMode.ElideRight, pencil_w)
        width = pencil_w + gap + (eye_w + metrics.horizontalAdvance(viewing) + 1 if viewing else 0)
        chip = QRect(right - width - 12 + 1, line.top() + 1, width + 12, 19)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(chip, chip.height() / 2, chip.height() / 2)
        x = chip.left() + 6
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if pencil:
            painter.setPen(fg)
            painter.drawText(QRect(x, chip.top(), pencil_w, chip.height()), align, pencil)
            x += pencil_w + gap
        if viewing:
            _paint_eye(painter, QPointF(x + 5, chip.center().y() + 0.5), fg)
            painter.setPen(fg)
            painter.drawText(
                QRect(x + eye_w, chip.top(), chip.right() - x - eye_w, chip.height()),
                align,
                viewing,
            )
        return chip

    def _paint_avatar(
        self, painter: QPainter, option: QStyleOptionViewItem, conv: Conversation
    ) -> None:
        rect = option.rect
        circle = QRect(
            rect.left() + PAD, rect.top() + (rect.height() - AVATAR) // 2, AVATAR, AVATAR
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.avatar_color(conv.id))
        painter.drawEllipse(circle)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(
            circle, Qt.AlignmentFlag.AlignCenter, theme.initials(conv.title or conv.phone or "")
        )
