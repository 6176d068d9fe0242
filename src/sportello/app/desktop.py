"""The running desktop app: walks the steps (flow.py), one at a time, until the operator quits.

Each step has its module: sign-in (sign_in.py), local-server mode (local_mode.py), the
console (console.py, its dialogs in console_dialogs.py); what follows a console is
`flow.next_step`. `Desktop` holds what lives across steps: the connected profiles, the
local server, the session-only sign-ins, and the signals the tray and notifications follow.

Several servers at once: a console that ends because the operator switched to another
profile keeps its client running in the background (`ConnectedProfiles`), so its unread
badge and notifications stay live; switching back takes that client again, connected.
Profiles connected when the app quits reconnect in the background at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from sportello.app.console import ConsoleSession
from sportello.app.console_dialogs import (
    SettingsOutcomes,
    open_operators,
    open_settings,
    show_local_details,
)
from sportello.app.flow import (
    AskSignIn,
    ConsoleEnd,
    DeskFacts,
    End,
    OpenConsole,
    OpenStored,
    StartLocal,
    Step,
    first_step,
    next_step,
)
from sportello.app.local_mode import LocalMode
from sportello.app.reconnect import forget_connected, reconnect_others, remember_connected
from sportello.app.sign_in import SignIn, forget_token
from sportello.client.api import SportelloClient
from sportello.client.sign_out import end_session_on_server
from sportello.desktop.local_server import LocalServerState, LocalServerSupervisor
from sportello.ui.background_profiles import ConnectedProfiles
from sportello.ui.console_menus import ConsoleMenus
from sportello.ui.labels import tr
from sportello.ui.local_server_bar import LocalServerDownBar
from sportello.ui.login_dialog import LoginDialog, LoginFunction
from sportello.ui.main_window import MainWindow
from sportello.ui.preferences import Preferences
from sportello.ui.profile_switcher import ProfileSwitcher

log = logging.getLogger(__name__)


class Desktop(QObject):
    """The running desktop app: sign-in, local server supervision, the console window.

    Signals for the tray and notifications: `console_opened(window, client)` each time a
    console opens, `console_closed()` before it goes, `local_server_changed(state, text)`,
    `local_server_down(text)` when the local server stays down (`restart_local_server()`
    starts it again), `preferences_changed()` after the settings dialog saved. Every
    connected profile notifies through the console's desk (alerts.py).
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
        self.console: ConsoleSession | None = None  # the console on screen, while one is
        self.exit_code = 0
        self._quitting = False
        # Every connected profile of this run: the console's and the background ones.
        self.connected = ConnectedProfiles(self)
        self.connected.open_requested.connect(self._open_from_background)
        self.connected.revoked.connect(self._profile_revoked)
        self.sign_in = SignIn(preferences, self.connected, login)
        self.local = LocalMode(preferences, self._local_state)
        self._reconnected_others = False
        self._tasks: set[asyncio.Task[Any]] = set()

    # ---- what the tray, the tests and the benches read ----------------------------------

    @property
    def supervisor(self) -> LocalServerSupervisor | None:
        return self.local.supervisor

    @property
    def dialog(self) -> LoginDialog | None:
        return self.sign_in.dialog

    @property
    def window(self) -> MainWindow | None:
        return self.console.window if self.console is not None else None

    @property
    def client(self) -> SportelloClient | None:
        return self.console.client if self.console is not None else None

    @property
    def menus(self) -> ConsoleMenus | None:
        return self.console.menus if self.console is not None else None

    @property
    def switcher(self) -> ProfileSwitcher | None:
        return self.console.switcher if self.console is not None else None

    @property
    def server_bar(self) -> LocalServerDownBar | None:
        return self.console.server_bar if self.console is not None else None

    # ---- public -------------------------------------------------------------------------

    def first_step(self, profile: str | None = None, local: bool = False) -> Step:
        """Environment profile, `--profile`, `--local`, the last used profile, or sign-in."""
        return first_step(self.preferences, profile, local=local, smoke_test=self.smoke_test)

    async def run(self, step: Step | None) -> int:
        """Walk the steps until the operator quits; stop the local server; the exit code."""
        try:
            while step is not None and not self._quitting:
                step = await self._do(step)
        finally:
            for task in list(self._tasks):
                task.cancel()
            await self.connected.stop_all()
            await self.local.stop()
        return self.exit_code

    def request_quit(self) -> None:
        """Quit the app: close the console, stop the client and the local server."""
        self._quitting = True
        self.sign_in.cancel()
        self.local.quit()
        self._end(End.QUIT)

    def restart_local_server(self) -> None:
        """The operator's "Restart the server" (bar, Server menu, tray) while it is down."""
        supervisor = self.local.supervisor
        if supervisor is None or supervisor.state is not LocalServerState.DOWN:
            return  # running, or already starting: nothing to do
        if self.server_bar is not None:
            self.server_bar.show_starting()
        self._spawn(supervisor.revive())

    # ---- steps --------------------------------------------------------------------------

    async def _do(self, step: Step) -> Step | None:
        if isinstance(step, AskSignIn):
            await self.local.stop()
            return await self.sign_in.ask(step)
        if isinstance(step, OpenStored):
            return self.sign_in.open_stored(step.name, step.conversation_id)
        if isinstance(step, StartLocal):
            return await self.local.start(step)
        return await self._console(step)

    async def _console(self, step: OpenConsole) -> Step | None:
        if not step.local:
            await self.local.stop()  # the operator moved to another server
        session = await ConsoleSession.open(
            self.app, self.preferences, self.connected, step, smoke_test=self.smoke_test
        )
        self._connect(session)
        self.console = session
        end: ConsoleEnd | None = None
        try:
            end = await self._run_console(session)
        finally:
            self.console_closed.emit()
            self.console = None
            if end is not None and end.kind is End.QUIT:
                remember_connected(self.preferences, self.connected)
            await session.close(end)
        if end is None:
            return None  # the smoke test is done
        log.info("console closed: %s", end.kind.value)
        record = self.preferences.profile(step.profile.name)
        await self._after_console(end, step)
        facts = DeskFacts(
            record, tuple(self.connected.background_names()), self.preferences.local_port
        )
        return next_step(end, step, facts)

    def _connect(self, session: ConsoleSession) -> None:
        """What the console's menus, switcher and bar ask for, and what it means."""
        window, menus = session.window, session.menus
        menus.quit_requested.connect(self.request_quit)
        menus.logout_requested.connect(lambda: self._end(End.LOGOUT))
        menus.switch_requested.connect(lambda name: self._switch_to(name, window))
        menus.add_server_requested.connect(lambda: self._add_server(window))
        menus.settings_requested.connect(lambda: self._open_settings(session))
        # "Connect WhatsApp" (the composer, when no reply can go out): the QR window.
        window.connect_whatsapp_requested.connect(window.line_prompt.open)
        menus.local_server_requested.connect(
            lambda: show_local_details(window, self.local.supervisor)
        )
        menus.operators_requested.connect(lambda: open_operators(window))
        menus.connect_whatsapp_requested.connect(window.line_prompt.open)
        if session.step.local:
            window.line_prompt.local = True
            window.line_prompt.gateway_url = self.local.gateway_url()
        if session.server_bar is not None:
            session.server_bar.restart_requested.connect(self.restart_local_server)
            menus.restart_server_requested.connect(self.restart_local_server)
        session.switcher.switch_requested.connect(lambda name: self._switch_to(name, window))

    async def _run_console(self, session: ConsoleSession) -> ConsoleEnd | None:
        """Show the console and wait for its end; None once the smoke test checked it."""
        step, window = session.step, session.window
        hidden = await session.show(self.start_hidden)
        self.start_hidden = False
        self.console_opened.emit(window, session.client)
        if step.conversation_id:
            # "Open" on a background profile's notification: that conversation, on top.
            session.bring_up(step.conversation_id)
        if step.local and not hidden and not self.preferences.local_intro_shown:
            self.preferences.local_intro_shown = True
            if self.local.gateway_url():
                window.line_prompt.open()  # the server links the number itself: scan its QR
            else:
                show_local_details(window, self.local.supervisor)
        if self.smoke_test:
            self.exit_code = 0 if await session.smoke_check() else 1
            return None
        if not (step.from_env or self._reconnected_others):
            self._reconnected_others = True
            foreground = step.profile.name
            self._spawn(reconnect_others(self.preferences, self.connected, foreground))
        if not step.from_env and self.preferences.profile(step.profile.name) is not None:
            self.preferences.last_profile = step.profile.name  # the next start opens it
        return await session.wait()

    async def _after_console(self, end: ConsoleEnd, step: OpenConsole) -> None:
        """What a logout or a refused token does to the profile, before the next step."""
        profile = step.profile
        if end.kind is End.LOGOUT:
            if not step.from_env:
                # Revoked on the server too: a copy of the token must not keep working.
                # (A token given in the environment belongs to whoever set it: kept.)
                await end_session_on_server(profile.url, profile.token)
                forget_token(profile.name)
                if self.preferences.last_profile == profile.name:
                    self.preferences.last_profile = ""
            self._forget_connected(profile.name)
        elif end.kind is End.REVOKED:
            log.warning("the server refused the token of profile %s", profile.name)
            if step.local:
                return  # the local server signs its own operator in again
            if not step.from_env:
                forget_token(profile.name)
            self._forget_connected(profile.name)

    def _end(self, kind: End, profile_name: str = "", conversation_id: str = "") -> None:
        if self.console is not None:
            self.console.end(kind, profile_name, conversation_id)

    # ---- requests from the console ------------------------------------------------------

    def _switch_to(self, name: str, window: MainWindow) -> None:
        self.sign_in.switch_to(name, window, lambda other: self._end(End.SWITCH, other))

    def _add_server(self, window: MainWindow) -> None:
        self.sign_in.add_server(window, lambda other: self._end(End.SWITCH, other))

    def _open_settings(self, session: ConsoleSession) -> None:
        outcomes = SettingsOutcomes(
            end=self._end, log_out_other=self._log_out_other, saved=self.preferences_changed.emit
        )
        open_settings(
            self.app, self.preferences, session, self.local.supervisor, self._login, outcomes
        )

    def _log_out_other(self, name: str) -> None:
        """Logging out of a background profile disconnects only that one."""
        self._forget_connected(name)
        self._spawn(self.connected.stop(name))

    # ---- profiles connected in the background -------------------------------------------

    def _open_from_background(self, name: str, conversation_id: str) -> None:
        """The operator clicked "Open" on a background profile's notification."""
        if self.console is not None and self.console.client.profile.name == name:
            self.console.bring_up(conversation_id)
            return
        self._end(End.SWITCH, name, conversation_id)

    def _profile_revoked(self, name: str) -> None:
        if self.console is not None and self.console.client.profile.name == name:
            self._end(End.REVOKED)
            return
        log.warning("the server refused the token of background profile %s", name)
        forget_token(name)  # retrying it would not help
        self._forget_connected(name)
        if self.console is not None:
            text = tr("%1 ended the session: choose it in the Server menu to sign in again.")
            self.console.window.status.showMessage(text.replace("%1", name), 0)
        self._spawn(self.connected.stop(name))

    def _forget_connected(self, name: str) -> None:
        self.sign_in.forget(name)
        forget_connected(self.preferences, name)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- local server -------------------------------------------------------------------

    def _local_state(self, state: LocalServerState, text: str) -> None:
        self.local_server_changed.emit(state.value, text)
        down_text = self.local.down_text() if state is LocalServerState.DOWN else ""
        if self.console is not None:
            self.console.show_local_state(state, text, down_text)
        if state is LocalServerState.DOWN:
            self.local_server_down.emit(down_text)
