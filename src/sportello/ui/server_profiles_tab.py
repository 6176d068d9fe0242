"""The Servers tab of the settings: the server profiles, their sign-ins, and where those are kept.

Kept apart from `SettingsDialog` (settings_dialog.py) because it acts at once, not on
"Save": adding a server signs in, "Log out" and "Remove" end a profile's session there and
then. The dialog shows the tab and passes on what it says happened (`logged_out`,
`changed`) and the problems it reports (`problem`, shown in the dialog's error line).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sportello.desktop import credentials
from sportello.ui.error_texts import keyring_missing_text, reason, sentence
from sportello.ui.login_dialog import LoginDialog, LoginFunction, RemoteLogin, logout
from sportello.ui.preferences import Preferences, ProfileKind, ProfileRecord

log = logging.getLogger(__name__)


class ServerProfilesTab(QWidget):
    """The list of server profiles, with Add, Log out and Remove."""

    logged_out = Signal(str)  # the profile's name: its token is gone
    changed = Signal()  # a profile was added or removed
    problem = Signal(str)  # one line for the dialog's error label

    def __init__(
        self, preferences: Preferences, login: LoginFunction | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.preferences = preferences
        self._login = login
        self.profiles_model = QStringListModel(self)
        self.profiles_view = QListView(self)
        self.profiles_view.setModel(self.profiles_model)
        self.profiles_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.profiles_view.setAccessibleName(self.tr("Server profiles"))
        self.add_profile = QPushButton(self.tr("Add…"), self)
        self.add_profile.clicked.connect(self._add_profile)
        self.logout_button = QPushButton(self.tr("Log out"), self)
        self.logout_button.clicked.connect(self._logout_selected)
        self.remove_profile = QPushButton(self.tr("Remove"), self)
        self.remove_profile.clicked.connect(self._remove_selected)
        buttons = QVBoxLayout()
        for b in (self.add_profile, self.logout_button, self.remove_profile):
            buttons.addWidget(b)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.profiles_view, 1)
        row.addLayout(buttons)
        self.secrets_hint = QLabel(self._where_sign_ins_are_kept(), self)
        self.secrets_hint.setWordWrap(True)
        self.secrets_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.secrets_hint)
        self._refresh_profiles()

    def _where_sign_ins_are_kept(self) -> str:
        """Where tokens are, said plainly: the keyring, or the local file when none works."""
        local_file = credentials.local_secrets_file()
        if local_file is None and credentials.keyring_available():
            return self.tr(
                "Passwords are never stored; access tokens are kept in the system keyring."
            )
        parts = [self.tr("Passwords are never stored.")]
        if local_file is not None:
            parts.append(
                self.tr(
                    "The sign-in to the server on this computer is kept in the file %1, readable "
                    "only by you, beside the local database (which holds all its messages anyway), "
                    "because no system keyring could keep it."
                ).replace("%1", str(local_file))
            )
        if credentials.keyring_available():
            parts.append(self.tr("Access tokens of other servers are kept in the system keyring."))
        else:
            parts.append(sentence(keyring_missing_text()))
        return " ".join(parts)

    def _refresh_profiles(self) -> None:
        self._profiles = self.preferences.profiles()
        rows = []
        for record in self._profiles:
            try:
                has_token = credentials.load_token(record.name) is not None
            except credentials.CredentialsUnavailable:
                has_token = False
            if record.kind is ProfileKind.LOCAL:
                label = self.tr("This computer (local server)")
            else:
                where = urlsplit(record.url).netloc or record.url
                label = (
                    self.tr("%1 — %2 on %3")
                    .replace("%1", record.name)
                    .replace("%2", record.username or "?")
                    .replace("%3", where)
                )
            if not has_token:
                label += " " + self.tr("(sign-in needed)")
            rows.append(label)
        self.profiles_model.setStringList(rows)

    def _selected(self) -> ProfileRecord | None:
        index = self.profiles_view.currentIndex()
        if not index.isValid() or index.row() >= len(self._profiles):
            return None
        return self._profiles[index.row()]

    def _add_profile(self) -> None:
        dialog = LoginDialog(
            self.preferences, login=self._login, allow_local=False, parent=self.window()
        )
        dialog.setWindowTitle(self.tr("Add a server"))
        dialog.finished.connect(lambda _code: self._after_add(dialog))
        dialog.open()
        self._add_dialog = dialog

    def _after_add(self, dialog: LoginDialog) -> None:
        self._refresh_profiles()
        self.changed.emit()
        outcome = dialog.outcome
        if isinstance(outcome, RemoteLogin) and outcome.unsaved_notice:
            # No keyring kept it: say so here, the profile will ask for the password.
            self.problem.emit(outcome.unsaved_notice)

    def _logout_selected(self) -> None:
        record = self._selected()
        if record is None:
            return
        try:
            logout(self.preferences, record.name)
        except credentials.CredentialsUnavailable as exc:
            self.problem.emit(self.tr("Cannot log out: %1.").replace("%1", reason(exc)))
            return
        self._refresh_profiles()
        self.logged_out.emit(record.name)

    def _remove_selected(self) -> None:
        record = self._selected()
        if record is None:
            return
        answer = QMessageBox.question(
            self.window(),
            self.tr("Remove server"),
            self.tr("Remove the server profile %1 and log out of it?").replace("%1", record.name),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.remove_profile_named(record.name)

    def remove_profile_named(self, name: str) -> None:
        try:
            logout(self.preferences, name)
        except credentials.CredentialsUnavailable as exc:
            log.warning("profile %s removed but its token could not be deleted: %s", name, exc)
        self.preferences.remove_profile(name)
        self._refresh_profiles()
        self.logged_out.emit(name)
        self.changed.emit()
