"""Windows and macOS: the tray icon's own notification (a toast on Windows 10/11, a banner
in the macOS Notification Center). No action buttons there: a click on it opens the
conversation, which is the one thing the platform lets a click mean."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from sportello.ui.notifications.base import NotificationView, Notifier

SHOW_MS = 8000


class TrayBalloonNotifier(Notifier):
    name = "tray"

    def __init__(self, tray: QSystemTrayIcon) -> None:
        super().__init__(tray)
        self.tray = tray
        self._last_key: str | None = None  # the platform reports a click without saying on what
        tray.messageClicked.connect(self._clicked)

    def show(self, view: NotificationView) -> None:
        self._last_key = view.key
        icon = QIcon(str(view.icon)) if view.icon is not None else QIcon()
        if icon.isNull():
            kind = (
                QSystemTrayIcon.MessageIcon.Warning
                if view.critical
                else QSystemTrayIcon.MessageIcon.Information
            )
            self.tray.showMessage(view.title, view.body, kind, SHOW_MS)
        else:
            self.tray.showMessage(view.title, view.body, icon, SHOW_MS)
        self.shown.emit(view.key)

    def withdraw(self, key: str) -> None:
        if key == self._last_key:
            self._last_key = None  # a balloon cannot be taken back; a late click does nothing

    def _clicked(self) -> None:
        if self._last_key is not None:
            self.open_requested.emit(self._last_key)
