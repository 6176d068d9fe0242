"""Screenshots of the first-run dialog, the settings and the local-server details, in Italian.

Called by scripts/screenshots.py; the tray and notification shots are made by
scripts/screenshots_desktop.py. Sample profiles live in a throwaway settings file and an
in-memory keyring set here (the product never picks a keyring), so nothing touches the
real user's configuration.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication, QWidget

from sportello.desktop.local_gateway import GatewayKind, GatewaySettings
from sportello.ui.i18n import install_translators
from sportello.ui.local_server_panel import LocalServerReadyDialog
from sportello.ui.login_dialog import LoginDialog, session_ended_notice
from sportello.ui.preferences import Preferences, ProfileKind, ProfileRecord
from sportello.ui.settings_dialog import SettingsDialog

SAMPLE_WEBHOOK = "http://127.0.0.1:3200/webhooks/wppconnect"
SAMPLE_SECRET = "Zq3v9Lk2-xW7hT4nB8cR1sYp"


class _MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.values.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def _sample_preferences() -> Preferences:
    folder = Path(tempfile.mkdtemp(prefix="sportello-shots-"))
    prefs = Preferences(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    prefs.save_profile(ProfileRecord("Ufficio Bologna", "http://192.168.1.10:3200", "giulia", "3"))
    prefs.save_profile(ProfileRecord("Magazzino", "http://10.0.0.5:3200", "giulia", "8"))
    prefs.save_profile(ProfileRecord("local", "http://127.0.0.1:3200", "", "1", ProfileKind.LOCAL))
    keyring.get_keyring().set_password("Sportello", "token:Ufficio Bologna", "sample")
    keyring.get_keyring().set_password("Sportello", "token:local", "sample")
    # The local server's gateway, as the first run saved it (its secret key in the keyring).
    prefs.save_local_gateway(
        GatewaySettings(GatewayKind.WPPCONNECT, "http://localhost:21465", "sportello")
    )
    keyring.get_keyring().set_password(
        "Sportello", "secret:local-gateway-wppconnect-secret-key", "sample"
    )
    return prefs


def desktop_dialog_shots(save: Callable[[QWidget, str], Path]) -> None:
    """first_run.png, login_*.png, settings_*.png, local_server_ready.png (Italian)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = keyring.get_keyring()
    keyring.set_keyring(_MemoryKeyring())
    install_translators(app, "it")
    try:
        _shots(save)
    finally:
        install_translators(app, "en")
        keyring.set_keyring(previous)


def _show(widget: QWidget) -> QWidget:
    widget.show()
    widget.adjustSize()
    for _ in range(3):
        QCoreApplication.processEvents()
    return widget


def _shots(save: Callable[[QWidget, str], Path]) -> None:
    empty = Preferences(
        QSettings(str(Path(tempfile.mkdtemp()) / "empty.ini"), QSettings.Format.IniFormat)
    )
    first = LoginDialog(empty)
    save(_show(first), "first_run.png")
    first.url.setText("192.168.1.10:3200")
    first.username.setText("giulia")
    first.password.setText("sbagliata")
    first.show_error(first.tr("Wrong username or password."))
    save(_show(first), "login_wrong_password.png")
    first.close()

    prefs = _sample_preferences()
    again = LoginDialog(
        prefs, record=prefs.profile("Ufficio Bologna"), notice=session_ended_notice()
    )
    save(_show(again), "login_session_ended.png")
    again.close()

    settings = SettingsDialog(prefs, webhook_url=SAMPLE_WEBHOOK, webhook_secret=SAMPLE_SECRET)
    settings.resize(680, 500)
    names = [
        "settings_servers.png",
        "settings_notifications.png",
        "settings_local_server.png",
        "settings_general.png",
    ]
    for index, name in enumerate(names):
        settings.tabs.setCurrentIndex(index)
        if index == 1:
            settings.quiet_hours.setChecked(True)
        save(_show(settings), name)
    settings.close()

    ready = LocalServerReadyDialog(SAMPLE_WEBHOOK, SAMPLE_SECRET)
    save(_show(ready), "local_server_ready.png")
    ready.close()
