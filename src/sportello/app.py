"""Wiring of the desktop app: QApplication, the qasync loop, sign-in, local server, console.

The only module that knows every piece. `Desktop.run` walks from one step to the next:
ask the operator to sign in, open a stored profile, start the local server, run the
console; the console ends with what the operator wants next (quit, log out, another
server) or with the server refusing our token (back to sign-in, with the reason).

Several servers at once: a console that ends because the operator switched to another
profile keeps its client running in the background (`ConnectedProfiles`), so its unread
badge and notifications stay live; switching back takes that client again, connected.
Profiles connected when the app quits reconnect in the background at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from sportello.desktop.paths import cache_path_for, local_data_dir
from sportello.domain.permissions import DeskAction, allowed
from sportello.domain.values import Role
from sportello.ui.error_texts import reason, sentence
from sportello.ui.labels import tr

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from sportello.client.api import SportelloClient
    from sportello.client.records import ServerProfile
    from sportello.desktop.local_server import LocalServerState, LocalServerSupervisor
    from sportello.desktop.signal_wakeup import SignalWakeup
    from sportello.ui.console_menus import ConsoleMenus
    from sportello.ui.local_server_bar import LocalServerDownBar
    from sportello.ui.login_dialog import LoginDialog, LoginFunction, RemoteLogin
    from sportello.ui.main_window import MainWindow
    from sportello.ui.preferences import Preferences, ProfileRecord
    from sportello.ui.profile_switcher import ProfileSwitcher

log = logging.getLogger(__name__)

SMOKE_TEST_SECONDS = 1.5


class ProfileProblem(Exception):
    """The chosen profile cannot be used; the message says why, in one line."""


def resolve_profile(name: str | None, env: Mapping[str, str] = os.environ) -> ServerProfile | None:
    """The server named by SPORTELLO_URL + SPORTELLO_TOKEN (tests, scripts), else None."""
    from sportello.client.records import ServerProfile

    url = env.get("SPORTELLO_URL", "").strip()
    token = env.get("SPORTELLO_TOKEN", "").strip()
    if url and token:
        return ServerProfile(
            url=url.rstrip("/"),
            token=token,
            user_id=env.get("SPORTELLO_USER_ID", "").strip(),
            name=name or env.get("SPORTELLO_PROFILE", "") or url,
        )
    if url and not token:
        raise ProfileProblem(
            tr("SPORTELLO_URL is set but SPORTELLO_TOKEN is not: both are needed.")
        )
    return None


# ---- steps: what the app does next --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AskSignIn:
    record: ProfileRecord | None = None
    notice: str = ""
    local_port: int | None = None


@dataclass(frozen=True, slots=True)
class OpenStored:
    name: str
    conversation_id: str = ""  # open this conversation once the console shows


@dataclass(frozen=True, slots=True)
class StartLocal:
    port: int
    fresh_login: bool = False  # the stored token was refused: log in again


@dataclass(frozen=True, slots=True)
class OpenConsole:
    profile: ServerProfile
    local: bool = False
    from_env: bool = False
    conversation_id: str = ""
    notice: str = ""  # shown in the status bar once the console opens (e.g. sign-in not saved)


Step = AskSignIn | OpenStored | StartLocal | OpenConsole


class End(StrEnum):
    QUIT = "quit"
    LOGOUT = "logout"  # the operator logged out (token deleted)
    REVOKED = "revoked"  # the server refused our token
    SWITCH = "switch"  # open another saved profile
    REOPEN = "reopen"  # language or local-server settings changed


@dataclass(frozen=True, slots=True)
class ConsoleEnd:
    kind: End
    profile_name: str = ""
    conversation_id: str = ""


class Desktop(QObject):
    """The running desktop app: sign-in, local server supervision, the console window.

    Signals for the tray and notifications: `console_opened(window, client)` each time a
    console opens, `console_closed()` before it goes, `local_server_changed(state, text)`,
    `local_server_down(text)` when the local server stays down (`restart_local_server()`
    starts it again), `preferences_changed()` after the settings dialog saved. Every
    connected profile notifies through the console's desk (ui/alerts_attachment.py).
    Quit through `request_quit()` (it stops every client and the local server cleanly).
    """

    console_opened = Signal(object, object)
    console_closed = Signal()
    local_server_changed = Signal(str, str)
    local_server_down = Signal(str)  # it gave up restarting: why, and what to do
    preferences_changed = Signal()  # the settings dialog saved (notifications, sound...)

    def __init__(
        self,
        app: QApplication,
        preferences: Preferences,
        *,
        login: LoginFunction | None = None,
        smoke_test: bool = False,
        start_hidden: bool = False,
    ) -> None:
        super().__init__()
        self.app = app
        self.preferences = preferences
        self._login = login
        self.smoke_test = smoke_test
        # Started at login (--minimized): the first console waits in the tray, if any.
        self.start_hidden = start_hidden
        self.supervisor: LocalServerSupervisor | None = None
        self.window: MainWindow | None = None
        self.client: SportelloClient | None = None
        self.dialog: LoginDialog | None = None
        self.menus: ConsoleMenus | None = None
        self.switcher: ProfileSwitcher | None = None
        self.server_bar: LocalServerDownBar | None = None
        self.exit_code = 0
        self._ended: asyncio.Future[ConsoleEnd] | None = None
        self._quitting = False
        self._starting_local: asyncio.Task[None] | None = None  # cancelled by a quit
        from sportello.ui.background_profiles import ConnectedProfiles

        # Every connected profile of this run: the console's and the background ones.
        self.connected = ConnectedProfiles(self)
        self.connected.open_requested.connect(self._open_from_background)
        self.connected.revoked.connect(self._profile_revoked)
        self._reconnected_others = False
        self._tasks: set[asyncio.Task[Any]] = set()
        # Sign-ins whose token no keyring could keep: valid for this run only, never on disk.
        self._session_only: dict[str, ServerProfile] = {}

    # ---- public -------------------------------------------------------------------------

    def first_step(self, profile: str | None = None, local: bool = False) -> Step:
        """Environment profile, `--profile`, `--local`, the last used profile, or sign-in."""
        try:
            env_profile = resolve_profile(profile)
        except ProfileProblem as exc:
            return AskSignIn(notice=str(exc))
        if env_profile is not None:
            return OpenConsole(env_profile, from_env=True)
        if self.smoke_test:
            from sportello.client.records import ServerProfile

            # Nothing to talk to: the smoke test still proves the window builds and paints,
            # against a loopback address where no server listens (offline, cached data).
            return OpenConsole(ServerProfile("http://127.0.0.1:9", "smoke-test", "", "smoke"))
        if local:
            return StartLocal(self.preferences.local_port)
        if profile:
            if self.preferences.profile(profile) is None:
                notice = tr("No server profile named %1 is configured on this computer.")
                return AskSignIn(notice=notice.replace("%1", profile))
            return OpenStored(profile)
        if self.preferences.last_profile and self.preferences.profile(
            self.preferences.last_profile
        ):
            return OpenStored(self.preferences.last_profile)
        return AskSignIn()

    async def run(self, step: Step | None) -> int:
        """Walk the steps until the operator quits; stop the local server; the exit code."""
        try:
            while step is not None and not self._quitting:
                step = await self._do(step)
        finally:
            for task in list(self._tasks):
                task.cancel()
            await self.connected.stop_all()
            await self._stop_local()
        return self.exit_code

    def request_quit(self) -> None:
        """Quit the app: close the console, stop the client and the local server."""
        self._quitting = True
        if self.dialog is not None:
            self.dialog.reject()
        if self._starting_local is not None:
            # Do not wait for a server we are about to stop to become ready (up to 90 s):
            # run() stops it, ready or not (the supervisor owns it from its spawn).
            self._starting_local.cancel()
        self._end(End.QUIT)

    # ---- steps --------------------------------------------------------------------------

    async def _do(self, step: Step) -> Step | None:
        if isinstance(step, AskSignIn):
            return await self._ask_sign_in(step)
        if isinstance(step, OpenStored):
            return self._open_stored(step.name, step.conversation_id)
        if isinstance(step, StartLocal):
            return await self._start_local(step)
        return await self._console(step)

    async def _ask_sign_in(self, step: AskSignIn) -> Step | None:
        from sportello.ui.login_dialog import LocalModeChosen, LoginDialog, RemoteLogin

        if self.supervisor is not None:
            await self._stop_local()
        dialog = LoginDialog(
            self.preferences, login=self._login, record=step.record, notice=step.notice,
            local_port=step.local_port,
        )  # fmt: skip
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
            return StartLocal(outcome.port)
        return None  # closed: quit

    def _open_stored(self, name: str, conversation_id: str = "") -> Step:
        from sportello.client.records import ServerProfile
        from sportello.desktop import credentials
        from sportello.ui.preferences import ProfileKind

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

    async def _start_local(self, step: StartLocal) -> Step | None:
        from sportello.client.errors import ClientError
        from sportello.desktop import credentials
        from sportello.desktop.local_operator import (
            LOCAL_PROFILE,
            ensure_webhook_secret,
            forget_local_token,
            off_the_loop,
            provision_local_profile,
        )
        from sportello.desktop.local_server import (
            LOG_FILE,
            LocalServerConfig,
            LocalServerError,
            LocalServerSupervisor,
            PortInUse,
        )
        from sportello.ui.preferences import ProfileKind, ProfileRecord

        await self._stop_local()
        prefs = self.preferences
        config = LocalServerConfig(local_data_dir(), port=step.port, rules_file=prefs.rules_file)
        busy = _busy_dialog(tr("Starting the local server…"))
        try:
            secret = await off_the_loop(ensure_webhook_secret)
            supervisor = LocalServerSupervisor(config, secret, on_state=self._local_state)
            self.supervisor = supervisor
            if not await self._start_unless_quitting(supervisor):
                return None
            if step.fresh_login:
                await off_the_loop(forget_local_token)
            record = prefs.profile(LOCAL_PROFILE)
            known = record.user_id if record and record.url == config.base_url else None
            profile = await provision_local_profile(
                config.base_url, config.database_url, None if step.fresh_login else known
            )
        except PortInUse as exc:
            self.supervisor = None
            text = tr(
                "Port %1 is already used by another program. Close that program or choose "
                "another port below."
            )
            log.error("local server: %s", exc)
            return AskSignIn(notice=text.replace("%1", str(exc.port)), local_port=step.port)
        except LocalServerError as exc:
            log.error("local server: %s", exc)
            await self._stop_local()
            # Its one English line (the child's last error) is in our log; its own log has all.
            text = tr("The local server could not start. Its log says why: %1").replace(
                "%1", str(config.data_dir / "logs" / LOG_FILE)
            )
            return AskSignIn(notice=text, local_port=step.port)
        except (ClientError, credentials.CredentialsUnavailable, OSError) as exc:
            await self._stop_local()
            text = tr("The local server could not start: %1.").replace("%1", reason(exc))
            return AskSignIn(notice=text, local_port=step.port)
        finally:
            busy.close()
            busy.deleteLater()
        prefs.save_profile(
            ProfileRecord(LOCAL_PROFILE, config.base_url, "", profile.user_id, ProfileKind.LOCAL)
        )
        prefs.last_profile = LOCAL_PROFILE
        prefs.sync()
        return OpenConsole(profile, local=True)

    async def _start_unless_quitting(self, supervisor: LocalServerSupervisor) -> bool:
        """Start the local server; False when the operator quit before it was ready."""
        starting = asyncio.ensure_future(supervisor.start())
        self._starting_local = starting
        try:
            await starting
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not self._quitting or (current is not None and current.cancelling()):
                raise  # we were cancelled ourselves: not ours to swallow
            log.info("quit while the local server was starting")
            return False
        finally:
            self._starting_local = None
        return True

    async def _console(self, step: OpenConsole) -> Step | None:
        from sportello.client.api import SportelloClient
        from sportello.client.changes import ConnectionState
        from sportello.client.errors import ClientError
        from sportello.ui.console_menus import ConsoleMenus
        from sportello.ui.login_dialog import session_ended_notice
        from sportello.ui.main_window import MainWindow
        from sportello.ui.profile_switcher import ProfileSwitcher

        profile = step.profile
        if not step.local and self.supervisor is not None:
            await self._stop_local()  # the operator moved to another server
        # A remote profile's client outlives its console when the operator switches away;
        # the local server stops when we leave it, and an environment profile is a one-off.
        keeps_running = not (step.local or step.from_env or self.smoke_test)
        client = await self.connected.take(profile) if keeps_running else None
        if client is None:
            await self.connected.stop(profile.name)
            if self.smoke_test:
                cache = Path(tempfile.mkdtemp(prefix="sportello-smoke-")) / "cache.sqlite3"
            else:
                cache = cache_path_for(profile.url, profile.user_id)
                await self.connected.stop_using(cache, keep=profile.name)
            client = SportelloClient(profile, cache)
        self.connected.add(profile.name, client)
        self.connected.set_foreground(profile.name)
        window = MainWindow(client)
        if step.local:
            window.setWindowTitle(tr("Sportello: this computer"))
        elif len(self.preferences.profiles()) > 1:
            window.setWindowTitle(tr("Sportello: %1").replace("%1", profile.name))
        self.client, self.window = client, window
        self._ended = asyncio.get_running_loop().create_future()
        menus = ConsoleMenus(window, self.preferences.profiles(), profile.name, step.local)
        self.menus = menus
        menus.quit_requested.connect(self.request_quit)
        menus.logout_requested.connect(lambda: self._end(End.LOGOUT))
        menus.switch_requested.connect(lambda name: self._switch_to(name, window))
        menus.add_server_requested.connect(lambda: self._add_server(window))
        menus.settings_requested.connect(lambda: self._open_settings(window, menus, step))
        menus.local_server_requested.connect(lambda: self._show_local_details(window))
        menus.operators_requested.connect(lambda: self._open_operators(window))
        forget_role = follow_role(window, menus, step)
        if step.local:
            from sportello.ui.local_server_bar import LocalServerDownBar

            self.server_bar = LocalServerDownBar(window)
            window.add_bar(self.server_bar)
            self.server_bar.restart_requested.connect(self.restart_local_server)
            menus.restart_server_requested.connect(self.restart_local_server)
        switcher = ProfileSwitcher(
            window, self.connected, self.preferences.profiles(), profile.name
        )
        switcher.switch_requested.connect(lambda name: self._switch_to(name, window))
        self.switcher = switcher
        if client.connection_state is ConnectionState.UNAUTHORIZED:
            self._end(End.REVOKED)  # refused while it ran in the background
        def last_window_closed() -> None:
            self._end(End.QUIT)

        self.app.lastWindowClosed.connect(last_window_closed)
        end: ConsoleEnd | None = None
        try:
            try:
                await client.start()
            except ClientError as exc:
                window.status.showMessage(sentence(reason(exc)))
            hidden = self.start_hidden and _tray_available()
            self.start_hidden = False
            if not hidden:
                window.show()
            if step.notice:
                window.status.showMessage(step.notice, 0)
            log.info("console open: %s (%s)", profile.name, profile.url)
            self.console_opened.emit(window, client)
            if step.conversation_id:
                # "Open" on a background profile's notification: that conversation, on top.
                window.show()
                window.raise_()
                window.activateWindow()
                window.open_conversation(step.conversation_id)
            if step.local and not hidden and not self.preferences.local_intro_shown:
                self.preferences.local_intro_shown = True
                self._show_local_details(window)
            if self.smoke_test:
                await self._smoke_check(window, client)
                return None
            if not (step.from_env or self._reconnected_others):
                self._reconnected_others = True
                self._spawn(self._reconnect_others(profile.name))
            if not step.from_env and self.preferences.profile(profile.name) is not None:
                self.preferences.last_profile = profile.name  # the next start opens it
            end = await self._ended
        finally:
            forget_role()
            self.app.lastWindowClosed.disconnect(last_window_closed)
            self.console_closed.emit()
            self.client = self.window = self.menus = self.switcher = self.server_bar = None
            self._ended = None
            if end is not None and end.kind is End.QUIT:
                self._remember_connected()
            window.close()
            if keeps_running and end is not None and end.kind in (End.SWITCH, End.REOPEN):
                self.connected.to_background(profile.name)
            else:
                await self.connected.stop(profile.name)
            window.deleteLater()
        assert end is not None
        log.info("console closed: %s", end.kind.value)
        record = self.preferences.profile(profile.name)
        if end.kind is End.QUIT:
            return None
        if end.kind is End.SWITCH:
            return OpenStored(end.profile_name, end.conversation_id)
        if end.kind is End.REOPEN:
            return StartLocal(self.preferences.local_port) if step.local else step
        if end.kind is End.LOGOUT:
            from sportello.client.sign_out import end_session_on_server

            if not step.from_env:
                # Revoked on the server too: a copy of the token must not keep working.
                # (A token given in the environment belongs to whoever set it: kept.)
                await end_session_on_server(profile.url, profile.token)
                _forget_token(profile.name)
                if self.preferences.last_profile == profile.name:
                    self.preferences.last_profile = ""
            self._forget_connected(profile.name)
            # Logging out of one server leaves the others connected: show the next one.
            others = self.connected.background_names()
            if others:
                return OpenStored(others[0])
            return AskSignIn(None if step.local else record)
        # REVOKED: the server refused the token; retrying it would not help.
        log.warning("the server refused the token of profile %s", profile.name)
        if step.local:
            return StartLocal(self.preferences.local_port, fresh_login=True)
        if not step.from_env:
            _forget_token(profile.name)
        self._forget_connected(profile.name)
        return AskSignIn(record, session_ended_notice())

    async def _smoke_check(self, window: MainWindow, client: SportelloClient) -> None:
        await asyncio.sleep(SMOKE_TEST_SECONDS)
        ok = window.isVisible() and window.conversations.list_view.isVisible()
        print(
            f"smoke test: window shown={window.isVisible()}, "
            f"connection={client.state.connection_state.value}"
        )
        self.exit_code = 0 if ok else 1

    def _end(self, kind: End, profile_name: str = "", conversation_id: str = "") -> None:
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(ConsoleEnd(kind, profile_name, conversation_id))

    # ---- profiles connected in the background -------------------------------------------

    def _open_from_background(self, name: str, conversation_id: str) -> None:
        """The operator clicked "Open" on a background profile's notification."""
        if self.client is not None and self.client.profile.name == name:
            if self.window is not None:
                self.window.show()
                self.window.raise_()
                self.window.activateWindow()
                self.window.open_conversation(conversation_id)
            return
        self._end(End.SWITCH, name, conversation_id)

    def _profile_revoked(self, name: str) -> None:
        if self.client is not None and self.client.profile.name == name:
            self._end(End.REVOKED)
            return
        log.warning("the server refused the token of background profile %s", name)
        _forget_token(name)  # retrying it would not help
        self._forget_connected(name)
        if self.window is not None:
            text = tr("%1 ended the session: choose it in the Server menu to sign in again.")
            self.window.status.showMessage(text.replace("%1", name), 0)
        self._spawn(self.connected.stop(name))

    async def _reconnect_others(self, foreground: str) -> None:
        """Reconnect, in the background, the profiles that were connected at the last quit."""
        from sportello.client.api import SportelloClient
        from sportello.client.errors import ClientError
        from sportello.client.records import ServerProfile
        from sportello.desktop import credentials
        from sportello.ui.preferences import ProfileKind

        for name in self.preferences.connected_profiles:
            record = self.preferences.profile(name)
            if (
                name == foreground or record is None or record.kind is ProfileKind.LOCAL
                or self.connected.client(name) is not None
            ):  # fmt: skip
                continue
            try:
                token = credentials.load_token(name)
            except credentials.CredentialsUnavailable as exc:
                log.warning("profile %s stays disconnected: %s", name, exc)
                continue
            if not token:
                continue
            cache = cache_path_for(record.url, record.user_id)
            if any(
                (c := self.connected.client(n)) is not None and c.cache_path == cache
                for n in self.connected.names()
            ):
                continue  # the same operator on the same server, already connected
            client = SportelloClient(ServerProfile(record.url, token, record.user_id, name), cache)
            self.connected.add(name, client)
            try:
                await client.start()
            except ClientError as exc:
                log.error("background profile %s did not start: %s", name, exc)
            log.info("profile %s connected in the background", name)

    def _keep_for_session(self, outcome: RemoteLogin) -> None:
        """A sign-in the keyring could not keep stays usable (switching back) until quit."""
        if outcome.unsaved_notice:
            self._session_only[outcome.record.name] = outcome.profile
        else:
            self._session_only.pop(outcome.record.name, None)

    def _remember_connected(self) -> None:
        from sportello.ui.preferences import ProfileKind

        names = [
            n for n in self.connected.names()
            if (r := self.preferences.profile(n)) is not None and r.kind is ProfileKind.REMOTE
        ]  # fmt: skip
        self.preferences.connected_profiles = names

    def _forget_connected(self, name: str) -> None:
        self._session_only.pop(name, None)
        remembered = self.preferences.connected_profiles
        if name in remembered:
            self.preferences.connected_profiles = [n for n in remembered if n != name]

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- dialogs opened from the console ------------------------------------------------

    def _switch_to(self, name: str, window: MainWindow) -> None:
        """Bring another profile to the window. One without a token asks for the password
        over this console first: cancelling keeps the console (and the others) as they are."""
        from sportello.desktop import credentials
        from sportello.ui.login_dialog import LoginDialog, RemoteLogin
        from sportello.ui.preferences import ProfileKind

        record = self.preferences.profile(name)
        if (
            record is None or record.kind is not ProfileKind.REMOTE
            or self.connected.client(name) is not None
        ):  # fmt: skip
            self._end(End.SWITCH, name)
            return
        try:
            token = credentials.load_token(name)
        except credentials.CredentialsUnavailable:
            token = None  # the dialog says why when it tries to store the new one
        if token:
            self._end(End.SWITCH, name)
            return
        notice = tr("Sign in to %1 to continue.").replace("%1", record.name)
        dialog = LoginDialog(
            self.preferences, login=self._login, record=record, notice=notice,
            allow_local=False, parent=window,
        )  # fmt: skip

        def done(_code: int) -> None:
            if isinstance(dialog.outcome, RemoteLogin):
                self._keep_for_session(dialog.outcome)
                self._end(End.SWITCH, dialog.outcome.record.name)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def _add_server(self, window: MainWindow) -> None:
        from sportello.ui.login_dialog import LoginDialog, RemoteLogin

        dialog = LoginDialog(self.preferences, login=self._login, allow_local=False, parent=window)
        dialog.setWindowTitle(tr("Add a server"))

        def done(_code: int) -> None:
            if isinstance(dialog.outcome, RemoteLogin):
                self._keep_for_session(dialog.outcome)
                self._end(End.SWITCH, dialog.outcome.record.name)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def _open_settings(self, window: MainWindow, menus: Any, step: OpenConsole) -> None:
        from sportello.desktop import autostart
        from sportello.ui.settings_dialog import SettingsDialog

        sup = self.supervisor if step.local else None
        dialog = SettingsDialog(
            self.preferences, autostart=autostart.for_this_platform(),
            webhook_url=sup.webhook_url if sup else "",
            webhook_secret=sup.webhook_secret if sup else "", login=self._login,
            may_configure_local_server=allowed(console_role(window, step),
                                               DeskAction.CONFIGURE_LOCAL_SERVER),
            parent=window,
        )  # fmt: skip
        current = step.profile.name

        def language_changed(language: str) -> None:
            from sportello.ui.i18n import install_translators

            install_translators(self.app, language)
            self._end(End.REOPEN)

        def logged_out(name: str) -> None:
            if name == current:
                self._end(End.LOGOUT)
            else:
                # Logging out of a background profile disconnects only that one.
                self._forget_connected(name)
                self._spawn(self.connected.stop(name))

        def profiles_changed() -> None:
            profiles = self.preferences.profiles()
            menus.set_profiles(profiles, current)
            if self.switcher is not None:
                self.switcher.set_profiles(profiles, current)

        def local_changed(_value: object) -> None:
            if step.local:
                self._end(End.REOPEN)

        def port_changed(_port: int) -> None:
            # A new port is a new webhook address: show it again once the server runs.
            self.preferences.local_intro_shown = False
            local_changed(_port)

        dialog.language_changed.connect(language_changed)
        dialog.profile_logged_out.connect(logged_out)
        dialog.profiles_changed.connect(profiles_changed)
        dialog.rules_file_changed.connect(local_changed)
        dialog.local_port_changed.connect(port_changed)
        dialog.accepted.connect(self.preferences_changed.emit)
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.open()

    def _open_operators(self, window: MainWindow) -> None:
        from sportello.ui.operators_dialog import OperatorsDialog

        client = window.client
        dialog = OperatorsDialog(client.admin, client.state.own_user_id, window.runner, window)
        dialog.changed.connect(window.reload_operators)  # the assignee picker's names
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.open()

    def _show_local_details(self, window: MainWindow) -> None:
        from sportello.ui.local_server_panel import LocalServerReadyDialog

        if self.supervisor is None:
            return
        dialog = LocalServerReadyDialog(
            self.supervisor.webhook_url, self.supervisor.webhook_secret, window
        )
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.open()

    # ---- local server -------------------------------------------------------------------

    def _local_state(self, state: LocalServerState, _detail: str) -> None:
        from sportello.desktop.local_server import LocalServerState

        texts = {
            LocalServerState.STARTING: tr("Local server: starting…"),
            LocalServerState.RUNNING: tr("Local server: running"),
            LocalServerState.RESTARTING: tr("Local server stopped unexpectedly: restarting it…"),
            # The detail is English (and in the log): the operator reads a whole sentence.
            LocalServerState.FAILED: tr("Local server: could not start"),
            LocalServerState.STOPPED: tr("Local server: stopped"),
            LocalServerState.DOWN: tr("Local server: down"),
        }
        text = texts[state]
        self.local_server_changed.emit(state.value, text)
        down = state is LocalServerState.DOWN
        if self.menus is not None:
            self.menus.set_server_down(down)
        if down:
            sentence = self._down_text()
            if self.server_bar is not None:
                self.server_bar.show_down(sentence)
            self.local_server_down.emit(sentence)
            return  # the bar says it, and stays
        if state is LocalServerState.RUNNING and self.server_bar is not None:
            self.server_bar.hide()
        if self.window is not None and state is not LocalServerState.STOPPED:
            self.window.status.showMessage(text, 0 if state is LocalServerState.FAILED else 8000)

    def restart_local_server(self) -> None:
        """The operator's "Restart the server" (bar, Server menu, tray) while it is down."""
        from sportello.desktop.local_server import LocalServerState

        supervisor = self.supervisor
        if supervisor is None or supervisor.state is not LocalServerState.DOWN:
            return  # running, or already starting: nothing to do
        if self.server_bar is not None:
            self.server_bar.show_starting()
        self._spawn(supervisor.revive())

    def _down_text(self) -> str:
        from sportello.desktop.local_server import PortInUse
        from sportello.ui.local_server_bar import LocalServerDownBar

        supervisor = self.supervisor
        error = supervisor.last_error if supervisor is not None else None
        port = error.port if isinstance(error, PortInUse) else None
        log_path = str(supervisor.log_path) if supervisor is not None else ""
        return LocalServerDownBar.down_text(port, log_path)

    async def _stop_local(self) -> None:
        supervisor, self.supervisor = self.supervisor, None
        if supervisor is not None:
            await supervisor.stop()


def console_role(window: MainWindow, step: OpenConsole) -> str:
    """The signed-in role the console offers actions for.

    What the server said at `authenticated`; until then (or from a seed back end, which
    never says) a plain operator, except in local-server mode, where the app created its
    own operator as an admin (local_operator.py) and must let it fix a server that is down.
    """
    role = window.client.state.own_role
    if role is not None:
        return role
    return Role.ADMIN.value if step.local else Role.OPERATOR.value


def follow_role(window: MainWindow, menus: Any, step: OpenConsole) -> Callable[[], None]:
    """Show the admin-only menu actions while the console's role allows them; returns the
    function that stops following."""
    from sportello.client.changes import OwnRoleChanged

    def apply(change: object = None) -> None:
        if change is None or isinstance(change, OwnRoleChanged):
            role = console_role(window, step)
            menus.show_admin_actions(allowed(role, DeskAction.CREATE_OPERATOR))

    apply()
    return window.client.state.subscribe(apply)


def _forget_token(profile_name: str) -> None:
    """Delete a profile's token; a locked or missing keyring is logged, not fatal here."""
    from sportello.desktop import credentials

    try:
        credentials.delete_token(profile_name)
    except credentials.CredentialsUnavailable as exc:
        log.warning("could not delete the token of %s: %s", profile_name, exc)


def _busy_dialog(text: str) -> Any:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QProgressDialog

    busy = QProgressDialog(text, "", 0, 0)
    busy.setWindowTitle(tr("Sportello"))
    busy.setCancelButton(None)
    busy.setWindowModality(Qt.WindowModality.ApplicationModal)
    busy.setMinimumDuration(0)
    busy.setMinimumWidth(360)
    busy.show()
    return busy


def _quit_on_signals(desktop: Desktop) -> SignalWakeup:
    """Ctrl+C and SIGTERM (session logout, `kill`) quit at once and cleanly, stopping the
    local server, also while a dialog waits for a click (see signal_wakeup). Exit code 0:
    a quit asked for from outside is an ordinary quit, as the server's SIGTERM drain is."""
    from sportello.desktop.signal_wakeup import SignalWakeup

    wakeup = SignalWakeup(parent=desktop)

    def quit_on(_signum: int) -> None:
        log.info("quitting on a signal")
        desktop.request_quit()

    wakeup.received.connect(quit_on)
    return wakeup


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )  # fmt: skip


def _tray_available() -> bool:
    from PySide6.QtWidgets import QSystemTrayIcon

    return QSystemTrayIcon.isSystemTrayAvailable()


def run_app(
    smoke_test: bool = False,
    profile: str | None = None,
    local: bool = False,
    minimized: bool = False,
) -> int:
    """Run the desktop app until the operator quits; returns the exit code."""
    if smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _configure_logging()
    import qasync
    from PySide6.QtWidgets import QApplication

    from sportello.ui.i18n import install_translators
    from sportello.ui.preferences import Preferences

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Sportello")
    app.setOrganizationName("Sportello")
    # The app decides when to quit: after the client and the local server stopped cleanly,
    # not when Qt notices the last window closing (that would stop the loop under them).
    app.setQuitOnLastWindowClosed(False)
    preferences = Preferences()
    install_translators(app, preferences.language.value)
    desktop = Desktop(app, preferences, smoke_test=smoke_test, start_hidden=minimized)
    from sportello.ui.alerts_attachment import attach_desktop_alerts

    attach_desktop_alerts(desktop)  # tray, notifications and sound for every console
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wakeup = _quit_on_signals(desktop)
    try:
        with loop:
            status: int = loop.run_until_complete(desktop.run(desktop.first_step(profile, local)))
    finally:
        # The quit is done: a late signal must not turn this clean exit into a
        # KeyboardInterrupt (SIGINT) or a kill (SIGTERM) while Python tears down.
        wakeup.close(then=signal.SIG_IGN)
    return status
