"""The console's menu bar: server profiles, settings, operators (admins), Connect WhatsApp,
local server details, log out, quit.

Only actions and signals: the app (`sportello.app`) decides what each request means.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from sportello.ui.preferences import ProfileKind, ProfileRecord


class ConsoleMenus(QObject):
    """Builds the "Sportello" and "Server" menus of a console window."""

    settings_requested = Signal()
    logout_requested = Signal()
    quit_requested = Signal()
    switch_requested = Signal(str)  # profile name
    add_server_requested = Signal()
    local_server_requested = Signal()  # webhook address and secret
    restart_server_requested = Signal()  # start the local server again after it went down
    operators_requested = Signal()  # an admin's operator list
    connect_whatsapp_requested = Signal()  # the Connect WhatsApp window (QR code, state)

    def __init__(
        self, window: QMainWindow, profiles: list[ProfileRecord], current: str, local: bool
    ) -> None:
        super().__init__(window)
        self.window = window
        bar = window.menuBar()
        self.app_menu = QMenu(self.tr("&Sportello"), bar)
        self.settings_action = self._action(
            self.app_menu,
            self.tr("&Settings…"),
            self.settings_requested,
            QKeySequence.StandardKey.Preferences,
        )
        # Hidden until the server says this operator is an admin (show_admin_actions).
        self.operators_action = self._action(
            self.app_menu, self.tr("&Operators…"), self.operators_requested
        )
        self.operators_action.setVisible(False)
        self.app_menu.addSeparator()
        self.logout_action = self._action(
            self.app_menu,
            self.tr("Stop the local server and sign out") if local else self.tr("&Log out"),
            self.logout_requested,
        )
        self.quit_action = self._action(
            self.app_menu, self.tr("&Quit"), self.quit_requested, QKeySequence.StandardKey.Quit
        )
        bar.addMenu(self.app_menu)

        self.server_menu = QMenu(self.tr("Se&rver"), bar)
        bar.addMenu(self.server_menu)
        self.local_info_action: QAction | None = None
        self.restart_server_action: QAction | None = None
        self.connect_whatsapp_action = self._action(
            self.server_menu, self.tr("Connect &WhatsApp…"), self.connect_whatsapp_requested
        )
        if local:
            self.local_info_action = self._action(
                self.server_menu,
                self.tr("&Webhook address and secret…"),
                self.local_server_requested,
            )
            self.restart_server_action = self._action(
                self.server_menu, self.tr("&Restart the server"), self.restart_server_requested
            )
            self.restart_server_action.setVisible(False)  # offered while it is down
        self.server_menu.addSeparator()
        self._group = QActionGroup(self)
        self.profile_actions: dict[str, QAction] = {}
        self.set_profiles(profiles, current)

    def show_admin_actions(self, visible: bool) -> None:
        """Offer the desk-wide actions (docs/protocol.md 5) only to whom the server allows."""
        self.operators_action.setVisible(visible)

    def set_profiles(self, profiles: list[ProfileRecord], current: str) -> None:
        """List the saved profiles (the open one checked), then "Add a server…"."""
        for action in [*self.profile_actions.values(), *self.server_menu.actions()]:
            if (
                action
                not in (
                    self.local_info_action,
                    self.restart_server_action,
                    self.connect_whatsapp_action,
                )
                and not action.isSeparator()
            ):
                self.server_menu.removeAction(action)
        self.profile_actions.clear()
        for record in profiles:
            if record.kind is ProfileKind.LOCAL:
                label = self.tr("This computer (local server)")
            else:
                label = self.tr("%1 (%2)").replace("%1", record.name).replace("%2", record.url)
            action = QAction(label, self.server_menu)
            action.setCheckable(True)
            action.setChecked(record.name == current)
            action.setActionGroup(self._group)
            name = record.name
            action.triggered.connect(lambda _checked=False, n=name: self._switch(n))
            self.server_menu.addAction(action)
            self.profile_actions[name] = action
        self.add_server_action = self._action(
            self.server_menu, self.tr("&Add a server…"), self.add_server_requested
        )
        self._current = current

    def set_server_down(self, down: bool) -> None:
        """Offer "Restart the server" while the local server is down."""
        if self.restart_server_action is not None:
            self.restart_server_action.setVisible(down)

    def _switch(self, name: str) -> None:
        if name != self._current:
            self.switch_requested.emit(name)

    def _action(
        self,
        menu: QMenu,
        text: str,
        signal: SignalInstance,
        shortcut: QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, menu)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: signal.emit())
        menu.addAction(action)
        return action
