"""When the console offers the Connect WhatsApp panel, and when it brings it up by itself.

A "Connect WhatsApp" button sits in the status bar beside the gateway-down warning while
a gateway is down, or (for an administrator) while the line is not linked; the Server
menu and Settings open the same window through `open()`. When a linked phone unlinks the
device, an administrator's console opens the panel at once: messages stop arriving until
someone scans a new code. One window at a time.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton, QStatusBar, QWidget

from sportello.client.changes import (
    GatewayHealthChanged,
    LineChanged,
    OwnRoleChanged,
    StateChange,
)
from sportello.client.line_info import LineStatus
from sportello.client.line_state import may_connect_line
from sportello.ui.client_port import ConsoleClient
from sportello.ui.connect_whatsapp import ConnectWhatsAppDialog
from sportello.ui.tasks import TaskRunner


class LinePrompt(QObject):
    """The console's way to the Connect WhatsApp window (`open()`), and its status bar button."""

    def __init__(
        self, window: QWidget, client: ConsoleClient, runner: TaskRunner, status_bar: QStatusBar
    ) -> None:
        super().__init__(window)
        self._window = window
        self._client = client
        self._runner = runner
        self.local = False  # local-server mode: the gateway is fixed in Settings
        self.gateway_url = ""  # WPPConnect Server's address, when this app knows it
        self.dialog: ConnectWhatsAppDialog | None = None
        self.button = QPushButton(self.tr("Connect WhatsApp"), status_bar)
        self.button.setObjectName("connectWhatsApp")
        self.button.setAccessibleName(self.tr("Open Connect WhatsApp"))
        self.button.setStyleSheet(
            "QPushButton#connectWhatsApp { color: #ffffff; background: #1d4f91; border: none;"
            " border-radius: 3px; padding: 1px 10px; font-weight: bold; }"
            " QPushButton#connectWhatsApp:hover { background: #163d70; }"
        )
        self.button.clicked.connect(self.open)
        status_bar.insertWidget(1, self.button)
        self._unsubscribe = client.state.subscribe(self._on_change)
        self._update_button()

    def detach(self) -> None:
        self._unsubscribe()

    def open(self) -> ConnectWhatsAppDialog:
        """Show the Connect WhatsApp window (raise it when it is already open)."""
        if self.dialog is None:
            dialog = ConnectWhatsAppDialog(
                self._client.line,
                self._client.state,
                self._runner,
                local=self.local,
                gateway_url=self.gateway_url,
                parent=self._window,
            )
            dialog.finished.connect(self._closed)
            self.dialog = dialog
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def _closed(self, _code: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, LineChanged):
            unlinked = (
                change.previous is not None
                and change.previous.linked
                and (change.line is None or not change.line.linked)
            )
            if unlinked and may_connect_line(self._client.state.own_role):
                self.open()  # the phone let go: nothing arrives until a new code is scanned
            self._update_button()
        elif isinstance(change, GatewayHealthChanged | OwnRoleChanged):
            self._update_button()

    def _update_button(self) -> None:
        info = self._client.line.info
        admin = may_connect_line(self._client.state.own_role)
        unlinked = (
            admin
            and info is not None
            and info.status not in (LineStatus.CONNECTED, LineStatus.NOT_CONFIGURED)
        )
        down = bool(self._client.awareness.gateways_down)
        # Beside the red gateway warning the button needs no words of its own; alone, it
        # says why it is there.
        self.button.setText(
            self.tr("Connect WhatsApp")
            if down or not unlinked
            else self.tr("WhatsApp not connected: connect it")
        )
        self.button.setVisible(bool(unlinked or down))
