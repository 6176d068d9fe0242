"""First-run and re-login dialog: connect to a server, or run a local server on this computer.

The login runs as an asyncio task (the qasync loop), so the dialog stays responsive; its
failures are shown inline under the form in one sentence the operator can act on. On
success the token goes to the OS keyring and the profile (without the token) to the
preferences; the dialog's `outcome` says what the operator chose.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sportello.client.errors import (
    BadCredentials,
    ClientError,
    ServerUnreachable,
    TwoFactorRejected,
    TwoFactorRequired,
)
from sportello.client.records import LoginResult, ServerProfile
from sportello.desktop import credentials
from sportello.ui.error_texts import reason
from sportello.ui.preferences import Preferences, ProfileKind, ProfileRecord

if TYPE_CHECKING:
    from sportello.client.changes import StateChange
    from sportello.ui.client_port import ConsoleClient

log = logging.getLogger(__name__)


class LoginFunction(Protocol):
    """How the dialog signs in: `client.api.login`, or a stand-in with its signature."""

    def __call__(
        self, url: str, username: str, password: str, two_factor_code: str | None = None
    ) -> Awaitable[LoginResult]:
        """(url, username or email, password); `two_factor_code=` once the server asked."""


ERROR_STYLE = "color: #9b1c1c; background: #fdecec; padding: 6px 8px; border-radius: 4px;"
NOTICE_STYLE = "color: #6b4e00; background: #fff6d6; padding: 8px; border-radius: 4px;"


@dataclass(frozen=True, slots=True)
class RemoteLogin:
    """The operator logged in to a server: the profile to open (with its token)."""

    profile: ServerProfile
    record: ProfileRecord
    # Not empty when the token could not be stored (no keyring): the sign-in lasts for this
    # session only, and this says why and what to install.
    unsaved_notice: str = ""


@dataclass(frozen=True, slots=True)
class LocalModeChosen:
    """The operator chose to run the server on this computer, listening on `port`."""

    port: int


LoginOutcome = RemoteLogin | LocalModeChosen


def normalize_url(text: str) -> str | None:
    """`192.168.1.10:3200` -> `http://192.168.1.10:3200`; None when it is not an address."""
    text = text.strip().rstrip("/")
    if not text:
        return None
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        parts.port  # noqa: B018  # raises ValueError on a bad port
    except ValueError:
        return None
    return text


def _default_login() -> LoginFunction:
    from sportello.client.api import login

    return login


class LoginDialog(QDialog):
    """Connect to a Sportello server (URL, username, password) or start local-server mode."""

    def __init__(
        self,
        preferences: Preferences,
        *,
        login: LoginFunction | None = None,
        record: ProfileRecord | None = None,
        notice: str = "",
        allow_local: bool = True,
        local_port: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.preferences = preferences
        self._login = login or _default_login()
        self.outcome: LoginOutcome | None = None
        self._task: asyncio.Task[LoginResult] | None = None
        self.setWindowTitle(self.tr("Sportello: sign in"))
        self.setMinimumWidth(520)

        if record is not None:
            heading = self.tr("Sign in again")
        elif not allow_local:
            heading = self.tr("Add a server")
        else:
            heading = self.tr("Welcome to Sportello")
        title = QLabel(heading, self)
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        intro = QLabel(
            self.tr(
                "Connect to your company's Sportello server, or run the server on this "
                "computer if you are the only operator."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.notice = QLabel(notice, self)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setVisible(bool(notice))
        self.notice.setAccessibleName(self.tr("Notice"))

        self.url = QLineEdit(self)
        self.url.setPlaceholderText(self.tr("for example http://192.168.1.10:3200"))
        self.url.setAccessibleName(self.tr("Server address"))
        self.username = QLineEdit(self)
        self.username.setAccessibleName(self.tr("Username"))
        # The seed back end signs in by email address: the same field takes either.
        self.username.setPlaceholderText(self.tr("your username, or email address"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        # Shown only once a server answers that this account needs it (the seed's 2FA).
        self.two_factor = QLineEdit(self)
        self.two_factor.setAccessibleName(self.tr("Two-factor code"))
        self.two_factor.setPlaceholderText(self.tr("the code from your authenticator app"))
        self.profile_name = QLineEdit(self)
        self.profile_name.setPlaceholderText(self.tr("optional, e.g. Office"))
        self.profile_name.setAccessibleName(self.tr("Profile name"))
        if record is not None:
            self.url.setText(record.url)
            self.username.setText(record.username)
            self.profile_name.setText(record.name)

        form = QFormLayout()
        form.addRow(self.tr("Server address"), self.url)
        form.addRow(self.tr("Username"), self.username)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Two-factor code"), self.two_factor)
        form.addRow(self.tr("Profile name"), self.profile_name)
        form.setRowVisible(self.two_factor, False)
        self._form = form

        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.error.setAccessibleName(self.tr("Error"))
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.connect_button = QPushButton(self.tr("Connect"), self)
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.start_login)
        self.cancel_button = QPushButton(self.tr("Quit"), self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.connect_button)

        self.local_button = QPushButton(self.tr("Use this computer as the server"), self)
        self.local_button.clicked.connect(self.choose_local)
        self.local_port = QSpinBox(self)
        self.local_port.setRange(1024, 65535)
        self.local_port.setValue(local_port or preferences.local_port)
        self.local_port.setAccessibleName(self.tr("Port of the local server"))
        local_hint = QLabel(
            self.tr(
                "Sportello runs its own server here, asks for your WhatsApp gateway and "
                "links the office number (with WPPConnect Server, by scanning a QR code). "
                "Keep this computer on to receive messages."
            ),
            self,
        )
        local_hint.setWordWrap(True)
        local_box = QWidget(self)
        local_layout = QVBoxLayout(local_box)
        local_layout.setContentsMargins(0, 0, 0, 0)
        separator = QFrame(self)
        separator.setFrameShape(QFrame.Shape.HLine)
        local_layout.addWidget(separator)
        local_title = QLabel(self.tr("No server yet?"), self)
        local_title.setStyleSheet("font-weight: bold;")
        local_layout.addWidget(local_title)
        local_layout.addWidget(local_hint)
        row = QHBoxLayout()
        row.addWidget(self.local_button)
        row.addSpacing(12)
        row.addWidget(QLabel(self.tr("Port"), self))
        row.addWidget(self.local_port)
        row.addStretch(1)
        local_layout.addLayout(row)
        local_box.setVisible(allow_local)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(local_box)
        (self.password if record is not None else self.url).setFocus()

    # ---- actions ------------------------------------------------------------------------

    @property
    def two_factor_asked(self) -> bool:
        """True once the server answered that this account needs its two-factor code."""
        return self._form.isRowVisible(self.two_factor)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def choose_local(self) -> None:
        self.outcome = LocalModeChosen(self.local_port.value())
        self.accept()

    def start_login(self) -> None:
        """Validate the form, then log in in the background."""
        url = normalize_url(self.url.text())
        username = self.username.text().strip()
        password = self.password.text()
        if url is None:
            self.show_error(
                self.tr("Enter the server address, for example http://192.168.1.10:3200.")
            )
            self.url.setFocus()
            return
        if not username or not password:
            self.show_error(self.tr("Enter your username and password."))
            (self.username if not username else self.password).setFocus()
            return
        code = self.two_factor.text().strip() if self.two_factor_asked else ""
        if self.two_factor_asked and not code:
            self.show_error(self.tr("Enter the two-factor code from your authenticator app."))
            self.two_factor.setFocus()
            return
        self.show_error("")
        self._set_busy(True)
        attempt = (
            self._login(url, username, password, two_factor_code=code)
            if code
            else self._login(url, username, password)
        )
        self._task = asyncio.ensure_future(attempt)
        self._task.add_done_callback(lambda task: self._finished(task, url, username))

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.connect_button,
            self.local_button,
            self.url,
            self.username,
            self.password,
            self.two_factor,
            self.profile_name,
            self.local_port,
        ):
            widget.setEnabled(not busy)
        self.connect_button.setText(self.tr("Connecting…") if busy else self.tr("Connect"))

    def _finished(self, task: asyncio.Task[LoginResult], url: str, username: str) -> None:
        self._task = None
        self._set_busy(False)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, TwoFactorRequired):
            self._form.setRowVisible(self.two_factor, True)
            self.two_factor.clear()
            self.two_factor.setFocus()
            self.show_error("")  # not an error: the password was right, one step remains
            self.notice.setText(
                self.tr("This account needs its two-factor code: enter it, then Connect again.")
            )
            self.notice.setVisible(True)
            return
        if isinstance(error, TwoFactorRejected):
            self.show_error(self.tr("The two-factor code is wrong or has expired."))
            self.two_factor.selectAll()
            self.two_factor.setFocus()
            return
        if error is not None:
            self.show_error(self._describe(error, url))
            if isinstance(error, BadCredentials):
                self.password.selectAll()
                self.password.setFocus()
            return
        result = task.result()
        name = self.profile_name.text().strip() or _default_profile_name(url)
        unsaved = ""
        try:
            credentials.save_token(name, result.token)
        except credentials.CredentialsUnavailable as exc:
            # Signed in all the same, for this session only: the token stays in memory and
            # never goes to a file; the next start asks for the password again.
            unsaved = self.tr(
                "Signed in for this session only, the sign-in is not saved: %1."
            ).replace("%1", reason(exc))
        record = ProfileRecord(name, url, username, result.user.id, ProfileKind.REMOTE)
        self.preferences.save_profile(record)
        self.preferences.last_profile = name
        self.preferences.sync()
        self.password.clear()
        self.two_factor.clear()  # one use only: never kept
        self.outcome = RemoteLogin(
            ServerProfile(url, result.token, result.user.id, name), record, unsaved
        )
        self.accept()

    def _describe(self, error: BaseException, url: str) -> str:
        if isinstance(error, ServerUnreachable):
            log.info("login to %s: %s", url, error)
            return self.tr(
                "Cannot reach the server at %1. Check the address and that the server is running."
            ).replace("%1", url)
        if isinstance(error, BadCredentials) and error.code in ("bad_credentials", "unauthorized"):
            log.info("login to %s refused: %s", url, error)
            return self.tr("Wrong username or password.")
        if isinstance(error, ClientError):
            return self.tr("The server refused the login: %1.").replace("%1", reason(error))
        return self.tr("Login failed: %1.").replace("%1", reason(error))

    def reject(self) -> None:
        if self._task is not None:
            self._task.cancel()
        super().reject()


def _default_profile_name(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def session_ended_notice() -> str:
    """The message shown when the server refused our token (revoked or expired)."""
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate(
        "LoginDialog",
        "The server ended your session: your access was revoked or has expired. "
        "Sign in again to continue.",
    )


def logout(preferences: Preferences, profile_name: str) -> None:
    """Forget the profile's token (the profile itself stays, for the next login), and
    revoke it on its server in the background (client/sign_out.py)."""
    from sportello.client.sign_out import end_session_soon

    record = preferences.profile(profile_name)
    try:
        token = credentials.load_token(profile_name)
        credentials.delete_token(profile_name)
    except credentials.CredentialsUnavailable as exc:
        # No keyring: nothing was stored (a session-only sign-in ends with the app's own
        # logout, which revokes the token it holds in memory).
        log.info("logout of %s: %s", profile_name, exc)
        token = None
    if token and record is not None and record.url:
        end_session_soon(record.url, token)
    if preferences.last_profile == profile_name:
        preferences.last_profile = ""


class RevocationWatcher(QObject):
    """Emits `revoked(profile_name)` once when the client's connection turns UNAUTHORIZED.

    The server refuses a revoked or expired token; retrying would not help, so the app
    forgets the token and asks the operator to sign in again (`sign_in_again`).
    """

    revoked = Signal(str)

    def __init__(
        self, client: ConsoleClient, profile_name: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.profile_name = profile_name
        self._fired = False
        client.state.subscribe(self._on_change)

    def _on_change(self, change: StateChange) -> None:
        from sportello.client.changes import ConnectionState, ConnectionStateChanged

        if (
            isinstance(change, ConnectionStateChanged)
            and change.state is ConnectionState.UNAUTHORIZED
            and not self._fired
        ):
            self._fired = True
            self.revoked.emit(self.profile_name)


def sign_in_again(
    preferences: Preferences,
    profile_name: str,
    *,
    login: LoginFunction | None = None,
    parent: QWidget | None = None,
) -> LoginDialog:
    """Forget the refused token and build the login dialog, prefilled, with the reason shown."""
    try:
        credentials.delete_token(profile_name)
    except credentials.CredentialsUnavailable as exc:
        log.warning("could not delete the refused token of %s: %s", profile_name, exc)
    record = preferences.profile(profile_name)
    return LoginDialog(
        preferences,
        login=login,
        record=record,
        notice=session_ended_notice(),
        allow_local=record is None or record.kind is not ProfileKind.LOCAL,
        parent=parent,
    )
