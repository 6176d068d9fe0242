"""The system-tray icon: unread count drawn on the icon, red while an URGENT ticket waits,
grey with a warning triangle while a WhatsApp gateway is down.

Tooltip: what is wrong with the gateways (with what to do), how many tickets wait to be
opened and for how long, the unread count. Menu: Open, pause notifications (1 hour / until
tomorrow / resume), the local server's status line (fed by whoever runs the local server
through `set_server_status`) and, while it is down, "Restart the server"; Quit.
`TrayIcon.available()` says whether a tray exists at all; without one the app stays a
normal window (the caller logs why).
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QImage, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from sportello.domain.alerts import badge_text
from sportello.ui.alert_resources import icon_files

log = logging.getLogger(__name__)

BADGE_FILL = QColor("#d32f2f")
BADGE_ON_ALERT = QColor("#ffb300")  # amber on the red alert icon, so the count stays visible
GATEWAY_WARNING = QColor("#ffb300")  # the triangle of the gateway-down overlay
TRAY_SIZES = (16, 22, 24, 32, 48, 64)


def _base_pixmap(size: int, alert: bool) -> QPixmap:
    files = icon_files(alert)
    source = next((f for f in files if int(f.stem.rsplit("-", 1)[1]) >= size), None)
    if source is None and files:
        source = files[-1]
    pixmap = QPixmap(str(source)) if source is not None else QPixmap()
    if pixmap.isNull():  # no resources at all: a plain coloured square still says "here"
        pixmap = QPixmap(size, size)
        pixmap.fill(QColor("#c62828" if alert else "#2f6db5"))
    if pixmap.width() != size:
        pixmap = pixmap.scaled(
            size,
            size,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return pixmap


def _draw_gateway_warning(image: QImage, size: int) -> None:
    """An amber triangle with "!" at the top left: the channel to the customers is down."""
    side = max(7.0, size * 0.55)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    triangle = QPolygonF(
        [QPointF(side / 2, 0.5), QPointF(side, side - 0.5), QPointF(0.5, side - 0.5)]
    )
    painter.setPen(QColor("#000000"))
    painter.setBrush(GATEWAY_WARNING)
    painter.drawPolygon(triangle)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(6, int(side * 0.7)))
    painter.setFont(font)
    painter.drawText(
        QRect(0, int(side * 0.2), int(side), int(side * 0.8)), Qt.AlignmentFlag.AlignCenter, "!"
    )
    painter.end()


def render_tray_image(size: int, unread: int, alert: bool, gateway_down: bool = False) -> QImage:
    """The icon at `size` px with the unread count in a badge at the bottom right; greyed
    (unless red for an URGENT ticket) with a warning triangle while a gateway is down."""
    image = (
        _base_pixmap(size, alert)
        .toImage()
        .convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    )
    if gateway_down:
        if not alert:  # grey says "not working"; the red of an URGENT ticket stays red
            grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
            alpha = image.convertToFormat(QImage.Format.Format_Alpha8)
            image = grey.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
            image.setAlphaChannel(alpha)
        _draw_gateway_warning(image, size)
    text = badge_text(unread)
    if not text:
        return image
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    font = QFont()
    font.setBold(True)
    # Two thirds of the icon's height for one digit; narrower digits for "99+".
    font.setPixelSize(max(7, int(size * (0.62 if len(text) == 1 else 0.5))))
    painter.setFont(font)
    metrics = painter.fontMetrics()
    height = min(size, metrics.height())
    width = min(size, max(height, metrics.horizontalAdvance(text) + max(2, size // 8)))
    badge = QRect(size - width, size - height, width, height)
    painter.setPen(QColor("#ffffff"))
    painter.setBrush(BADGE_ON_ALERT if alert else BADGE_FILL)
    radius = height / 2
    painter.drawRoundedRect(badge, radius, radius)
    painter.setPen(QColor("#000000") if alert else QColor("#ffffff"))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


def tray_qicon(unread: int, alert: bool, gateway_down: bool = False) -> QIcon:
    icon = QIcon()
    for size in TRAY_SIZES:
        icon.addPixmap(QPixmap.fromImage(render_tray_image(size, unread, alert, gateway_down)))
    return icon


class TrayIcon(QObject):
    """Owns the QSystemTrayIcon and its menu; speaks in signals, decides nothing."""

    open_requested = Signal()
    quit_requested = Signal()
    pause_hour_requested = Signal()
    pause_tomorrow_requested = Signal()
    resume_requested = Signal()
    restart_server_requested = Signal()  # the local server is down: start it again
    summary_changed = Signal(int, bool)  # unread, alert: after the icon was redrawn
    changed = Signal()  # anything it shows (icon, tooltip) was redrawn

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unread = 0
        self.alert = False
        self.paused_until: datetime | None = None
        self.server_status = ""
        self.waiting_text = ""  # "2 tickets waiting to be opened, the oldest for 3 min"
        self.gateway_lines: tuple[str, ...] = ()  # one per gateway that is down
        self.icon_image = render_tray_image(32, 0, False)
        self.tray = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.open_action = QAction(self.tr("Open Sportello"), self.menu)
        self.status_action = QAction("", self.menu)
        self.status_action.setEnabled(False)  # a line of information, not a command
        self.gateway_action = QAction("", self.menu)
        self.gateway_action.setEnabled(False)
        self.pause_menu = QMenu(self.tr("Pause notifications"), self.menu)
        self.pause_hour_action = QAction(self.tr("For 1 hour"), self.pause_menu)
        self.pause_tomorrow_action = QAction(self.tr("Until tomorrow (08:00)"), self.pause_menu)
        self.resume_action = QAction(self.tr("Resume notifications"), self.menu)
        self.server_action = QAction("", self.menu)
        self.server_action.setEnabled(False)
        self.restart_server_action = QAction(self.tr("Restart the server"), self.menu)
        self.restart_server_action.setVisible(False)
        self.server_down = False
        self.quit_action = QAction(self.tr("Quit Sportello"), self.menu)
        self.pause_menu.addAction(self.pause_hour_action)
        self.pause_menu.addAction(self.pause_tomorrow_action)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.status_action)
        self.menu.addAction(self.gateway_action)
        self.menu.addSeparator()
        self.menu.addMenu(self.pause_menu)
        self.menu.addAction(self.resume_action)
        self.menu.addSeparator()
        self.menu.addAction(self.server_action)
        self.menu.addAction(self.restart_server_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.open_action.triggered.connect(self.open_requested)
        self.pause_hour_action.triggered.connect(self.pause_hour_requested)
        self.pause_tomorrow_action.triggered.connect(self.pause_tomorrow_requested)
        self.resume_action.triggered.connect(self.resume_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.restart_server_action.triggered.connect(self.restart_server_requested)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._activated)
        self._refresh()

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def is_visible(self) -> bool:
        return self.tray.isVisible()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()

    # ---- what it shows ------------------------------------------------------------------

    def set_summary(self, unread: int, alert: bool) -> None:
        if (unread, alert) == (self.unread, self.alert):
            return
        self.unread, self.alert = unread, alert
        self._refresh()
        self.summary_changed.emit(unread, alert)

    def set_paused_until(self, until: datetime | None) -> None:
        self.paused_until = until
        self._refresh()

    def set_waiting(self, text: str) -> None:
        """How many tickets wait to be opened and for how long ("" when none)."""
        if text != self.waiting_text:
            self.waiting_text = text
            self._refresh()

    def set_gateways_down(self, lines: tuple[str, ...]) -> None:
        """One line per gateway that is down, with what to do; () when all are up."""
        if lines != self.gateway_lines:
            self.gateway_lines = lines
            self._refresh()

    @property
    def gateway_down(self) -> bool:
        return bool(self.gateway_lines)

    def set_server_status(self, text: str) -> None:
        """The local server's one-line status ("" hides the line): fed by local-server code."""
        self.server_status = text
        self._refresh()

    def set_server_down(self, down: bool) -> None:
        """Offer "Restart the server" while the local server is down."""
        self.server_down = down
        self.restart_server_action.setVisible(down)

    def _refresh(self) -> None:
        down = self.gateway_down
        self.icon_image = render_tray_image(32, self.unread, self.alert, down)
        self.tray.setIcon(tray_qicon(self.unread, self.alert, down))
        self.tray.setToolTip(self.tooltip())
        self.status_action.setText(self.status_line())
        self.gateway_action.setText(self.gateway_lines[0] if down else "")
        self.gateway_action.setVisible(down)
        paused = self.paused_until is not None
        self.resume_action.setVisible(paused)
        self.server_action.setText(self.server_status)
        self.server_action.setVisible(bool(self.server_status))
        self.changed.emit()

    def status_line(self) -> str:
        if self.paused_until is not None:
            return self.tr("Notifications paused until %1").replace(
                "%1",
                self.paused_until.strftime("%H:%M")
                if self.paused_until.date() == datetime.now(self.paused_until.tzinfo).date()
                else self.paused_until.strftime("%d/%m %H:%M"),
            )
        if self.unread == 0:
            return self.tr("No unread messages")
        return self.tr("%n unread message(s)", "", self.unread)

    def tooltip(self) -> str:
        lines = [self.tr("Sportello"), *self.gateway_lines]
        if self.alert:
            lines.append(self.tr("An URGENT ticket is waiting for an answer"))
        if self.waiting_text:
            lines.append(self.waiting_text)
        lines.append(self.status_line())
        if self.server_status:
            lines.append(self.server_status)
        return "\n".join(lines)


class CloseToTray(QObject):
    """Event filter: closing the window hides it while the tray is there (quit stays in the
    tray menu). The first time, `first_hide` fires so the caller can say so, once."""

    first_hide = Signal()

    def __init__(self, window: QWidget, tray: TrayIcon, hint_shown: bool) -> None:
        super().__init__(window)
        self.window = window
        self.tray = tray
        self.hint_shown = hint_shown
        self.allow_close = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.window
            and event.type() == QEvent.Type.Close
            and not self.allow_close
            and self.tray.is_visible()
        ):
            event.ignore()
            self.window.hide()
            if not self.hint_shown:
                self.hint_shown = True
                self.first_hide.emit()
            return True
        return False


def menu_anchor(tray: TrayIcon) -> QPoint:
    """Where the menu pops up for a screenshot or a keyboard user: below the tray icon."""
    geometry = tray.tray.geometry()
    return geometry.bottomLeft() if geometry.isValid() else QPoint(0, 0)
