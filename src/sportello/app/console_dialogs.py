"""The dialogs the console's menus open: settings, the operator list, the local server's
webhook details. Each is modeless over the window and deletes itself when closed; what a
change in them means for the running console (reopen it, log out) goes back through the
callbacks the desktop gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QApplication

from sportello.app.console import ConsoleSession, console_role
from sportello.app.flow import End
from sportello.desktop import autostart
from sportello.desktop.local_server import LocalServerSupervisor
from sportello.domain.permissions import DeskAction, allowed
from sportello.ui.i18n import install_translators
from sportello.ui.local_server_panel import LocalServerReadyDialog
from sportello.ui.login_dialog import LoginFunction
from sportello.ui.main_window import MainWindow
from sportello.ui.operators_dialog import OperatorsDialog
from sportello.ui.preferences import Preferences
from sportello.ui.settings_dialog import SettingsDialog


@dataclass(frozen=True, slots=True)
class SettingsOutcomes:
    """What the desktop does when the settings dialog changes something that matters."""

    end: Callable[[End], None]  # end the console (REOPEN, LOGOUT)
    log_out_other: Callable[[str], None]  # a background profile was logged out
    saved: Callable[[], None]  # the dialog was accepted (notifications, sound...)


def open_settings(
    app: QApplication,
    preferences: Preferences,
    session: ConsoleSession,
    supervisor: LocalServerSupervisor | None,
    login: LoginFunction | None,
    outcomes: SettingsOutcomes,
) -> None:
    """The settings dialog over the console of `session`."""
    window, menus, step = session.window, session.menus, session.step
    sup = supervisor if step.local else None
    dialog = SettingsDialog(
        preferences,
        autostart=autostart.for_this_platform(),
        webhook_url=sup.webhook_url if sup else "",
        webhook_secret=sup.webhook_secret if sup else "",
        login=login,
        may_configure_local_server=allowed(
            console_role(window, step), DeskAction.CONFIGURE_LOCAL_SERVER
        ),
        parent=window,
    )
    current = step.profile.name

    def language_changed(language: str) -> None:
        install_translators(app, language)
        outcomes.end(End.REOPEN)

    def logged_out(name: str) -> None:
        if name == current:
            outcomes.end(End.LOGOUT)
        else:
            # Logging out of a background profile disconnects only that one.
            outcomes.log_out_other(name)

    def profiles_changed() -> None:
        profiles = preferences.profiles()
        menus.set_profiles(profiles, current)
        session.switcher.set_profiles(profiles, current)

    def local_changed(_value: object) -> None:
        if step.local:
            outcomes.end(End.REOPEN)

    def port_changed(_port: int) -> None:
        # A new port is a new webhook address: show it again once the server runs.
        preferences.local_intro_shown = False
        local_changed(_port)

    def gateway_changed() -> None:
        # A new gateway: once the server runs with it, show its Connect WhatsApp window.
        preferences.local_intro_shown = False
        local_changed(None)

    dialog.gateway_changed.connect(gateway_changed)
    dialog.connect_whatsapp_requested.connect(window.line_prompt.open)
    dialog.language_changed.connect(language_changed)
    dialog.profile_logged_out.connect(logged_out)
    dialog.profiles_changed.connect(profiles_changed)
    dialog.rules_file_changed.connect(local_changed)
    dialog.local_port_changed.connect(port_changed)
    dialog.accepted.connect(outcomes.saved)
    dialog.finished.connect(lambda _code: dialog.deleteLater())
    dialog.open()


def open_operators(window: MainWindow) -> None:
    """An admin's operator list; the assignee picker follows its changes."""
    client = window.client
    dialog = OperatorsDialog(client.admin, client.state.own_user_id, window.runner, window)
    dialog.changed.connect(window.tickets.reload_operators)  # the assignee picker's names
    dialog.finished.connect(lambda _code: dialog.deleteLater())
    dialog.open()


def show_local_details(window: MainWindow, supervisor: LocalServerSupervisor | None) -> None:
    """The local server's webhook address and secret, while it runs."""
    if supervisor is None:
        return
    dialog = LocalServerReadyDialog(supervisor.webhook_url, supervisor.webhook_secret, window)
    dialog.finished.connect(lambda _code: dialog.deleteLater())
    dialog.open()
