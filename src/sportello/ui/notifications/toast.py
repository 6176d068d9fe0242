"""The in-app toast: where there is neither a notification daemon nor a tray, a small card
in the main window's bottom-right corner with the same two actions."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from sportello.ui.notifications.base import NotificationView, Notifier

SHOW_MS = 8000
CRITICAL_SHOW_MS = 30000
MARGIN = 16


class Toast(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("sportelloToast")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName(self.tr("Notification"))
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.body = QLabel(self)
        self.body.setWordWrap(True)
        self.open_button = QPushButton(self)
        self.mark_button = QPushButton(self)
        self.close_button = QPushButton("×", self)
        self.close_button.setFlat(True)
        self.close_button.setAccessibleName(self.tr("Close notification"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.mark_button)
        buttons.addWidget(self.open_button)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.body)
        layout.addLayout(buttons)
        self.setFixedWidth(340)
        self.hide()


class ToastNotifier(Notifier):
    name = "toast"

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.toast = Toast(window)
        self.key: str | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._expire)
        self.toast.open_button.clicked.connect(lambda: self._act(self.open_requested))
        self.toast.mark_button.clicked.connect(lambda: self._act(self.mark_read_requested))
        self.toast.close_button.clicked.connect(self._dismiss)
        window.installEventFilter(self)

    def show(self, view: NotificationView) -> None:
        self.key = view.key
        self.toast.title.setText(view.title)
        self.toast.body.setText(view.body)
        self.toast.open_button.setText(view.open_label)
        self.toast.mark_button.setText(view.mark_read_label)
        self.toast.setStyleSheet(
            "#sportelloToast { border: 2px solid #c62828; }" if view.critical else ""
        )
        self.toast.adjustSize()
        self._place()
        self.toast.show()
        self.toast.raise_()
        self.timer.start(CRITICAL_SHOW_MS if view.critical else SHOW_MS)
        self.shown.emit(view.key)

    def withdraw(self, key: str) -> None:
        if key == self.key:
            self._hide()

    def stop(self) -> None:
        self.timer.stop()
        self._hide()

    def _act(self, signal: SignalInstance) -> None:
        key = self.key
        self._hide()
        if key is not None:
            signal.emit(key)

    def _dismiss(self) -> None:
        key = self.key
        self._hide()
        if key is not None:
            self.closed.emit(key)

    def _expire(self) -> None:
        self._hide()

    def _hide(self) -> None:
        self.key = None
        self.timer.stop()
        self.toast.hide()

    def _place(self) -> None:
        area = self.window.rect()
        self.toast.move(
            area.right() - self.toast.width() - MARGIN,
            area.bottom() - self.toast.height() - MARGIN - 24,  # above the status bar
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize:
            self._place()
        return False
