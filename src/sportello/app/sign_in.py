"""Sign-in: the sign-in dialog as a step, a stored profile's token, and the sign-ins asked
for over a running console (another profile without a token, "Add a server").

A sign-in whose token no keyring could keep stays usable for this run only (switching back
to it), never on disk: `SignIn` holds those.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sportello.app.flow import AskSignIn, OpenConsole, StartLocal, Step
from sportello.client.records import ServerProfile
from sportello.desktop import credentials
from sportello.ui.background_profiles import ConnectedProfiles
from sportello.ui.error_texts import reason, sentence
from sportello.ui.labels import tr
from sportello.ui.login_dialog import LocalModeChosen, LoginDialog, LoginFunction, RemoteLogin
from sportello.ui.main_window import MainWindow
from sportello.ui.preferences import Preferences, ProfileKind

log = logging.getLogger(__name__)

Switch = Callable[[str], None]  # end the console for the named profile's


class SignIn:
    """How this run signs in: the dialog, stored tokens, and the session-only sign-ins."""

    def __init__(
        self,
        preferences: Preferences,
        connected: ConnectedProfiles,
        login: LoginFunction | None,
    ) -> None:
        self.preferences = preferences
        self.connected = connected
        self.login = login
        self.dialog: LoginDialog | None = None  # the sign-in step's, while it is open
        self._session_only: dict[str, ServerProfile] = {}

    async def ask(self, step: AskSignIn) -> Step | None:
        """Show the sign-in dialog: the console or local server chosen, None when closed."""
        dialog = LoginDialog(
            self.preferences,
            login=self.login,
            record=step.record,
            notice=step.notice,
            local_port=step.local_port,
        )
        self.dialog = dialog
        finished: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def dialog_finished(code: int) -> None:
            if not finished.done():
                finished.set_result(code)

        dialog.finished.connect(dialog_finished)
        dialog.open()
        dialog.raise_()
        log.info("sign-in dialog open")
        try:
            await finished
        finally:
            self.dialog = None
            dialog.deleteLater()
        outcome = dialog.outcome
        if isinstance(outcome, RemoteLogin):
            self._keep_for_session(outcome)
            return OpenConsole(outcome.profile, notice=outcome.unsaved_notice)
        if isinstance(outcome, LocalModeChosen):
            self.preferences.local_port = outcome.port
            return StartLocal(outcome.port, ask_gateway=True)
        return None  # closed: quit

    def cancel(self) -> None:
        """Close the sign-in dialog, if one is open (the app quits)."""
        if self.dialog is not None:
            self.dialog.reject()

    def open_stored(self, name: str, conversation_id: str = "") -> Step:
        """The console of a saved profile, with its running client or stored token; the
        sign-in when it has neither."""
        record = self.preferences.profile(name)
        if record is None:
            return AskSignIn()
        if record.kind is ProfileKind.LOCAL:
            return StartLocal(self.preferences.local_port)
        running = self.connected.client(name)
        if running is not None and running.profile.url == record.url:
            return OpenConsole(running.profile, conversation_id=conversation_id)
        unsaved = self._session_only.get(name)
        if unsaved is not None and unsaved.url == record.url:
            return OpenConsole(unsaved, conversation_id=conversation_id)
        try:
            token = credentials.load_token(name)
        except credentials.CredentialsUnavailable as exc:
            return AskSignIn(record, sentence(reason(exc)))
        if not token:
            return AskSignIn(record, tr("Sign in to %1 to continue.").replace("%1", record.name))
        return OpenConsole(
            ServerProfile(record.url, token, record.user_id, record.name),
            conversation_id=conversation_id,
        )

    def switch_to(self, name: str, window: MainWindow, switch: Switch) -> None:
        """Bring another profile to the window. One without a token asks for the password
        over this console first: cancelling keeps the console (and the others) as they are."""
        record = self.preferences.profile(name)
        if (
            record is None
            or record.kind is not ProfileKind.REMOTE
            or self.connected.client(name) is not None
        ):
            switch(name)
            return
        try:
            token = credentials.load_token(name)
        except credentials.CredentialsUnavailable:
            token = None  # the dialog says why when it tries to store the new one
        if token:
            switch(name)
            return
        notice = tr("Sign in to %1 to continue.").replace("%1", record.name)
        dialog = LoginDialog(
            self.preferences,
            login=self.login,
            record=record,
            notice=notice,
            allow_local=False,
            parent=window,
        )
        self._open_over_console(dialog, switch)

    def add_server(self, window: MainWindow, switch: Switch) -> None:
        """ "Add a server": sign in to one more, over the console; it opens when signed in."""
        dialog = LoginDialog(self.preferences, login=self.login, allow_local=False, parent=window)
        dialog.setWindowTitle(tr("Add a server"))
        self._open_over_console(dialog, switch)

    def _open_over_console(self, dialog: LoginDialog, switch: Switch) -> None:
        def done(_code: int) -> None:
            if isinstance(dialog.outcome, RemoteLogin):
                self._keep_for_session(dialog.outcome)
                switch(dialog.outcome.record.name)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def _keep_for_session(self, outcome: RemoteLogin) -> None:
        """A sign-in the keyring could not keep stays usable (switching back) until quit."""
        if outcome.unsaved_notice:
            self._session_only[outcome.record.name] = outcome.profile
        else:
            self._session_only.pop(outcome.record.name, None)

    def forget(self, name: str) -> None:
        """The profile logged out or was refused: its session-only sign-in goes too."""
        self._session_only.pop(name, None)


def forget_token(profile_name: str) -> None:
    """Delete a profile's token; a locked or missing keyring is logged, not fatal here."""
    try:
        credentials.delete_token(profile_name)
    except credentials.CredentialsUnavailable as exc:
        log.warning("could not delete the token of %s: %s", profile_name, exc)
