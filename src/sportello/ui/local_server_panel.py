"""What to paste into WPPConnect Server for local-server mode: webhook URL and secret.

Shown in Settings and right after local mode starts for the first time. The secret is
masked until "Show" is pressed; both fields have a copy button.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class LocalServerPanel(QWidget):
    """Webhook URL + secret with copy buttons, and a status line for the local server."""

    def __init__(self, webhook_url: str = "", secret: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.url_field = QLineEdit(webhook_url, self)
        self.url_field.setReadOnly(True)
        self.url_field.setAccessibleName(self.tr("Webhook address"))
        self.secret_field = QLineEdit(secret, self)
        self.secret_field.setReadOnly(True)
        self.secret_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_field.setAccessibleName(self.tr("Webhook secret"))
        self.copy_url = QPushButton(self.tr("Copy"), self)
        self.copy_url.setAccessibleName(self.tr("Copy the webhook address"))
        self.copy_url.clicked.connect(lambda: self._copy(self.url_field.text()))
        self.copy_secret = QPushButton(self.tr("Copy"), self)
        self.copy_secret.setAccessibleName(self.tr("Copy the webhook secret"))
        self.copy_secret.clicked.connect(lambda: self._copy(self.secret_field.text()))
        self.show_secret = QPushButton(self.tr("Show"), self)
        self.show_secret.setCheckable(True)
        self.show_secret.toggled.connect(self._toggle_secret)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        hint = QLabel(
            self.tr(
                "In WPPConnect Server set the webhook URL to the address below and send the "
                "secret in the X-Webhook-Token header (or add ?token=SECRET to the address)."
            ),
            self,
        )
        hint.setWordWrap(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(hint, 0, 0, 1, 4)
        grid.addWidget(QLabel(self.tr("Webhook address"), self), 1, 0)
        grid.addWidget(self.url_field, 1, 1, 1, 2)
        grid.addWidget(self.copy_url, 1, 3)
        grid.addWidget(QLabel(self.tr("Webhook secret"), self), 2, 0)
        grid.addWidget(self.secret_field, 2, 1)
        grid.addWidget(self.show_secret, 2, 2)
        grid.addWidget(self.copy_secret, 2, 3)
        grid.addWidget(self.status, 3, 0, 1, 4)
        grid.setColumnStretch(1, 1)

    def set_values(self, webhook_url: str, secret: str) -> None:
        self.url_field.setText(webhook_url)
        self.secret_field.setText(secret)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def _toggle_secret(self, shown: bool) -> None:
        self.secret_field.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.show_secret.setText(self.tr("Hide") if shown else self.tr("Show"))

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.set_status(self.tr("Copied to the clipboard."))


class LocalServerReadyDialog(QDialog):
    """Shown once when local-server mode starts: where WPPConnect must send messages."""

    def __init__(self, webhook_url: str, secret: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Local server is running"))
        self.setMinimumWidth(560)
        title = QLabel(self.tr("Sportello is ready to receive WhatsApp messages"), self)
        title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        title.setWordWrap(True)
        self.panel = LocalServerPanel(webhook_url, secret, self)
        note = QLabel(
            self.tr(
                "When you close the window Sportello keeps running in the tray and keeps "
                "receiving messages. Choose Quit from the tray menu to stop the server."
            ),
            self,
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.panel)
        layout.addWidget(note)
        layout.addWidget(buttons)
