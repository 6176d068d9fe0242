"""One console on screen: `ConsoleSession.open()` builds it, `show()` puts it up, `wait()`
returns how it ended, `close()` takes it down.

The session owns the console's pieces (client, window, menus, profile switcher, the local
server's bar); the desktop connects their requests to what they mean and decides, from the
`ConsoleEnd`, what comes next (flow.next_step).

A remote profile's client outlives its console when the operator switches away (it goes on
in `ConnectedProfiles`); the local server stops when we leave it, and an environment
profile is a one-off.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from sportello.app.flow import ConsoleEnd, End, OpenConsole
from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState, OwnRoleChanged, StateChange
from sportello.client.errors import ClientError
from sportello.desktop.local_server import LocalServerState
from sportello.desktop.paths import cache_path_for
from sportello.domain.permissions import DeskAction, allowed
from sportello.domain.values import Role
from sportello.ui.background_profiles import ConnectedProfiles
from sportello.ui.console_menus import ConsoleMenus
from sportello.ui.error_texts import reason, sentence
from sportello.ui.labels import tr
from sportello.ui.local_server_bar import LocalServerDownBar
from sportello.ui.main_window import MainWindow
from sportello.ui.preferences import Preferences
from sportello.ui.profile_switcher import ProfileSwitcher

log = logging.getLogger(__name__)

SMOKE_TEST_SECONDS = 1.5


class ConsoleSession:
    """The console of one `OpenConsole` step, from opening to closing."""

    def __init__(
        self,
        app: QApplication,
        preferences: Preferences,
        connected: ConnectedProfiles,
        step: OpenConsole,
        client: SportelloClient,
        *,
        keeps_running: bool,
    ) -> None:
        """Build the window, its menus, switcher and bars around `client` (see `open`)."""
        self.app = app
        self.preferences = preferences
        self.connected = connected
        self.step = step
        self.client = client
        self.keeps_running = keeps_running
        self._ended: asyncio.Future[ConsoleEnd] = asyncio.get_running_loop().create_future()
        name = step.profile.name
        connected.add(name, client)
        connected.set_foreground(name)
        self.window = window = MainWindow(client)
        if step.local:
            window.setWindowTitle(tr("Sportello: this computer"))
        elif len(preferences.profiles()) > 1:
            window.setWindowTitle(tr("Sportello: %1").replace("%1", name))
        profiles = preferences.profiles()
        self.menus = ConsoleMenus(window, profiles, name, step.local)
        self._forget_role = follow_role(window, self.menus, step)
        self.server_bar: LocalServerDownBar | None = None
        if step.local:
            self.server_bar = LocalServerDownBar(window)
            window.add_bar(self.server_bar)
        self.switcher = ProfileSwitcher(window, connected, profiles, name)
        if client.connection_state is ConnectionState.UNAUTHORIZED:
            self.end(End.REVOKED)  # refused while it ran in the background
        app.lastWindowClosed.connect(self._last_window_closed)

    @classmethod
    async def open(
        cls,
        app: QApplication,
        preferences: Preferences,
        connected: ConnectedProfiles,
        step: OpenConsole,
        *,
        smoke_test: bool,
    ) -> ConsoleSession:
        """Take the profile's running client (or make one) and build its console."""
        keeps_running = not (step.local or step.from_env or smoke_test)
        profile = step.profile
        client = await connected.take(profile) if keeps_running else None
        if client is None:
            await connected.stop(profile.name)
            if smoke_test:
                cache = Path(tempfile.mkdtemp(prefix="sportello-smoke-")) / "cache.sqlite3"
            else:
                cache = cache_path_for(profile.url, profile.user_id)
                await connected.stop_using(cache, keep=profile.name)
            client = SportelloClient(profile, cache)
        return cls(app, preferences, connected, step, client, keeps_running=keeps_running)

    def _last_window_closed(self) -> None:
        self.end(End.QUIT)

    async def show(self, start_hidden: bool) -> bool:
        """Connect and show the window (left in the tray when started hidden and there is
        one); True when it stays hidden."""
        try:
            await self.client.start()
        except ClientError as exc:
            self.window.status.showMessage(sentence(reason(exc)))
        hidden = start_hidden and QSystemTrayIcon.isSystemTrayAvailable()
        if not hidden:
            self.window.show()
        if self.step.notice:
            self.window.status.showMessage(self.step.notice, 0)
        log.info("console open: %s (%s)", self.step.profile.name, self.step.profile.url)
        return hidden

    def bring_up(self, conversation_id: str) -> None:
        """That conversation, on top ("Open" on a notification)."""
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        self.window.open_conversation(conversation_id)

    def end(self, kind: End, profile_name: str = "", conversation_id: str = "") -> None:
        """End the console (the first end asked for wins)."""
        if not self._ended.done():
            self._ended.set_result(ConsoleEnd(kind, profile_name, conversation_id))

    async def wait(self) -> ConsoleEnd:
        """How the console ended."""
        return await self._ended

    async def smoke_check(self) -> bool:
        """The window painted its list (the --smoke-test's check); prints what it saw."""
        await asyncio.sleep(SMOKE_TEST_SECONDS)
        window = self.window
        ok = window.isVisible() and window.conversations.list_view.isVisible()
        print(
            f"smoke test: window shown={window.isVisible()}, "
            f"connection={self.client.state.connection_state.value}"
        )
        return ok

    def show_local_state(self, state: LocalServerState, text: str, down_text: str) -> None:
        """The local server's state in the menus, the bar and the status bar."""
        down = state is LocalServerState.DOWN
        self.menus.set_server_down(down)
        if down:
            if self.server_bar is not None:
                self.server_bar.show_down(down_text)
            return  # the bar says it, and stays
        if state is LocalServerState.RUNNING and self.server_bar is not None:
            self.server_bar.hide()
        if state is not LocalServerState.STOPPED:
            self.window.status.showMessage(text, 0 if state is LocalServerState.FAILED else 8000)

    async def close(self, end: ConsoleEnd | None) -> None:
        """Close the window; its client goes on in the background after a switch or a
        reopen, else it stops."""
        self._forget_role()
        self.app.lastWindowClosed.disconnect(self._last_window_closed)
        self.window.close()
        name = self.step.profile.name
        if self.keeps_running and end is not None and end.kind in (End.SWITCH, End.REOPEN):
            self.connected.to_background(name)
        else:
            await self.connected.stop(name)
        self.window.deleteLater()


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


def follow_role(window: MainWindow, menus: ConsoleMenus, step: OpenConsole) -> Callable[[], None]:
    """Show the admin-only menu actions while the console's role allows them; returns the
    function that stops following."""

    def apply(change: StateChange | None = None) -> None:
        if change is None or isinstance(change, OwnRoleChanged):
            role = console_role(window, step)
            menus.show_admin_actions(allowed(role, DeskAction.CREATE_OPERATOR))

    apply()
    return window.client.state.subscribe(apply)
