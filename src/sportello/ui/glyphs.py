"""Small vector glyphs (delivery ticks, media icons) painted with paths, not font glyphs,
so they look the same whatever fonts the operator's PC has."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from sportello.domain.values import DeliveryStatus
from sportello.ui import theme

STATUS_GLYPH_WIDTH = 18


def _check(painter: QPainter, x: float, y: float, color: QColor) -> None:
    path = QPainterPath(QPointF(x, y + 5))
    path.lineTo(x + 3, y + 8.5)
    path.lineTo(x + 9.5, y + 1)
    pen = QPen(
        color, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
    )
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)


def paint_status(painter: QPainter, rect: QRectF, status: DeliveryStatus) -> None:
    """Delivery state in an 18x12 box: clock, ✓, ✓✓, blue ✓✓ or a red "!"."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    x, y = rect.left(), rect.top() + (rect.height() - 10) / 2
    if status is DeliveryStatus.QUEUED:
        painter.setPen(QPen(theme.TICK, 1.3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        center = QPointF(x + 7, y + 5)
        painter.drawEllipse(center, 5, 5)
        painter.drawLine(center, QPointF(center.x(), center.y() - 3))
        painter.drawLine(center, QPointF(center.x() + 2.5, center.y()))
    elif status is DeliveryStatus.SENT:
        _check(painter, x + 3, y, theme.TICK)
    elif status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        color = theme.TICK_READ if status is DeliveryStatus.READ else theme.TICK
        _check(painter, x, y, color)
        _check(painter, x + 5, y, color)
    elif status is DeliveryStatus.FAILED:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.FAILED)
        painter.drawEllipse(QPointF(x + 7, y + 5), 6.5, 6.5)
        painter.setPen(QPen(QColor("#ffffff"), 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(x + 7, y + 1.8), QPointF(x + 7, y + 5.8))
        painter.drawPoint(QPointF(x + 7, y + 8.2))
    painter.restore()


def paint_media_icon(painter: QPainter, rect: QRectF, kind: str, color: QColor) -> None:
    """A 16x16 outline: picture, play button, location pin or document page."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(
        QPen(color, 1.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    )
    painter.setBrush(Qt.BrushStyle.NoBrush)
    r = rect.adjusted(1, 1, -1, -1)
    if kind in ("image", "sticker"):
        painter.drawRoundedRect(r, 2, 2)
        mountain = QPainterPath(QPointF(r.left() + 1, r.bottom() - 1))
        mountain.lineTo(r.left() + r.width() * 0.4, r.top() + r.height() * 0.45)
        mountain.lineTo(r.left() + r.width() * 0.65, r.bottom() - 3)
        mountain.lineTo(r.left() + r.width() * 0.8, r.top() + r.height() * 0.6)
        mountain.lineTo(r.right() - 1, r.bottom() - 1)
        painter.drawPath(mountain)
        painter.drawEllipse(QPointF(r.right() - 4, r.top() + 4), 1.5, 1.5)
    elif kind in ("audio", "video"):
        painter.drawEllipse(r)
        play = QPainterPath(QPointF(r.left() + r.width() * 0.4, r.top() + r.height() * 0.3))
        play.lineTo(r.left() + r.width() * 0.72, r.center().y())
        play.lineTo(r.left() + r.width() * 0.4, r.top() + r.height() * 0.7)
        play.closeSubpath()
        painter.setBrush(color)
        painter.drawPath(play)
    elif kind == "location":
        pin = QPainterPath(QPointF(r.center().x(), r.bottom()))
        pin.cubicTo(
            QPointF(r.left() - 1, r.top() + r.height() * 0.45),
            QPointF(r.left() + 2, r.top()),
            QPointF(r.center().x(), r.top()),
        )
        pin.cubicTo(
            QPointF(r.right() - 2, r.top()),
            QPointF(r.right() + 1, r.top() + r.height() * 0.45),
            QPointF(r.center().x(), r.bottom()),
        )
        painter.drawPath(pin)
        painter.drawEllipse(QPointF(r.center().x(), r.top() + r.height() * 0.35), 2, 2)
    else:
        fold = 4.0
        page = QPainterPath(QPointF(r.left() + 2, r.top()))
        page.lineTo(r.right() - 2 - fold, r.top())
        page.lineTo(r.right() - 2, r.top() + fold)
        page.lineTo(r.right() - 2, r.bottom())
        page.lineTo(r.left() + 2, r.bottom())
        page.closeSubpath()
        painter.drawPath(page)
        for i in range(3):
            yy = r.top() + 6 + i * 3
            painter.drawLine(QPointF(r.left() + 5, yy), QPointF(r.right() - 5, yy))
    painter.restore()
