"""The reply box: Enter sends, Shift+Enter starts a new line; a visible reason when blocked,
and "Connect WhatsApp" beside it when the reason is that no reply can go out."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from sportello.ui import theme

TYPING_IDLE_MS = 4000


class ComposerEdit(QPlainTextEdit):
    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            if not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
                self.submitted.emit()
                return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Emits `send_requested(text)`; tracks typing for the "is typing" notifications;
    `connect_requested` when the operator asks to connect the WhatsApp line."""

    send_requested = Signal(str)
    typing_started = Signal()
    typing_stopped = Signal()
    connect_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Reply"))
        self.edit = ComposerEdit(self)
        self.edit.setObjectName("composerEdit")
        self.edit.setAccessibleName(self.tr("Reply text"))
        self.edit.setPlaceholderText(
            self.tr("Write a reply. Enter sends, Shift+Enter starts a new line.")
        )
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(72)
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setAccessibleName(self.tr("Send reply"))
        self.send_button.setToolTip(self.tr("Send (Enter)"))
        self.send_button.setMinimumHeight(36)
        self.reason = QLabel(self)
        self.reason.setObjectName("composerReason")
        self.reason.setAccessibleName(self.tr("Why replying is not possible"))
        self.reason.setWordWrap(True)
        self._set_alert(False)
        self.connect_button = QPushButton(self.tr("Connect WhatsApp"), self)
        self.connect_button.setObjectName("connectWhatsApp")
        self.connect_button.setAccessibleName(self.tr("Connect WhatsApp"))
        self.connect_button.setMinimumHeight(32)
        self.connect_button.setStyleSheet(
            f"QPushButton#connectWhatsApp {{ background: {theme.ACCENT.name()}; color: #ffffff;"
            " font-weight: bold; padding: 6px 14px; border: none; border-radius: 4px; }"
        )
        self.connect_button.clicked.connect(self.connect_requested)
        self.connect_button.hide()
        self.reason.hide()

        notice = QHBoxLayout()
        notice.setContentsMargins(0, 0, 0, 0)
        notice.setSpacing(8)
        notice.addWidget(self.reason, 1)
        notice.addWidget(self.connect_button, 0, Qt.AlignmentFlag.AlignVCenter)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 10)
        layout.setSpacing(6)
        layout.addLayout(notice)
        layout.addLayout(row)

        self._typing = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(TYPING_IDLE_MS)
        self._idle.timeout.connect(self._stop_typing)
        self.edit.submitted.connect(self.submit)
        self.send_button.clicked.connect(self.submit)
        self.edit.textChanged.connect(self._text_changed)
        self._blocked_reason: str | None = None
        # Asked before each send; False keeps the text (ui/desk_awareness_view.py).
        self.send_guard: Callable[[str], bool] | None = None

    @property
    def blocked_reason(self) -> str | None:
        return self._blocked_reason

    def set_blocked(
        self, reason: str | None, *, alert: bool = False, connect: bool = False
    ) -> None:
        """Disable with a visible reason, or enable again with None. `alert`: the reason is
        that no reply can go out at all (drawn as a warning); `connect` offers the
        "Connect WhatsApp" button beside it."""
        self._blocked_reason = reason
        self._set_alert(alert and reason is not None)
        self.edit.setReadOnly(reason is not None)
        self.edit.setEnabled(reason is None)
        self.send_button.setEnabled(reason is None)
        self.reason.setText(reason or "")
        self.reason.setVisible(reason is not None)
        self.connect_button.setVisible(reason is not None and connect)

    def _set_alert(self, alert: bool) -> None:
        # The red of the closed 24-hour window: nothing typed here would reach anyone.
        colors = (
            "color: #9b1c1c; background: #fde2e1;"
            if alert
            else (f"color: {theme.TEXT_MUTED.name()}; background: {theme.HOVER.name()};")
        )
        self.reason.setStyleSheet(
            f"QLabel#composerReason {{ {colors} padding: 6px 10px; border-radius: 4px; }}"
        )

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText(text)
        self.edit.blockSignals(False)
        self.edit.moveCursor(self.edit.textCursor().MoveOperation.End)

    def submit(self) -> None:
        if self._blocked_reason is not None:
            return
        text = self.text().strip()
        if not text:
            return
        if self.send_guard is not None and not self.send_guard(text):
            return  # the guard showed why (a colleague is replying); Enter again sends
        self.send_requested.emit(text)
        self.set_text("")
        self._stop_typing()

    def _text_changed(self) -> None:
        if not self.text():
            self._stop_typing()
            return
        if not self._typing:
            self._typing = True
            self.typing_started.emit()
        self._idle.start()

    def _stop_typing(self) -> None:
        self._idle.stop()
        if self._typing:
            self._typing = False
            self.typing_stopped.emit()
