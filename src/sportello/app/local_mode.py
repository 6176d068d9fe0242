"""Local-server mode: start `sportello server` as a child of the app, sign in to it, say
how it is doing, restart it when it went down, stop it.

`LocalMode.start(step)` asks for the WhatsApp gateway the first time (the operator chose
local mode in the sign-in dialog and none is set up), spawns the server through
`LocalServerSupervisor` with the gateway in its environment, provisions the app's own
operator and returns the console to open (or the sign-in to go back to, with the reason).
Its state changes reach `on_state(state, text)`, the sentence for the operator already
chosen by `state_text`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog

from sportello.app.flow import AskSignIn, OpenConsole, StartLocal, Step
from sportello.client.errors import ClientError
from sportello.desktop import credentials, local_gateway
from sportello.desktop.local_gateway import GatewayKind
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
    LocalServerState,
    LocalServerSupervisor,
    PortInUse,
)
from sportello.desktop.paths import local_data_dir
from sportello.ui.error_texts import reason
from sportello.ui.gateway_form import GatewaySetupDialog
from sportello.ui.labels import tr
from sportello.ui.local_server_bar import LocalServerDownBar
from sportello.ui.preferences import Preferences, ProfileKind, ProfileRecord

log = logging.getLogger(__name__)

StateListener = Callable[[LocalServerState, str], None]


def state_text(state: LocalServerState) -> str:
    """The status line for a state of the local server."""
    texts = {
        LocalServerState.STARTING: tr("Local server: starting…"),
        LocalServerState.RUNNING: tr("Local server: running"),
        LocalServerState.RESTARTING: tr("Local server stopped unexpectedly: restarting it…"),
        # The detail is English (and in the log): the operator reads a whole sentence.
        LocalServerState.FAILED: tr("Local server: could not start"),
        LocalServerState.STOPPED: tr("Local server: stopped"),
        LocalServerState.DOWN: tr("Local server: down"),
    }
    return texts[state]


class LocalMode:
    """The local server of this run, while there is one (`supervisor`)."""

    def __init__(self, preferences: Preferences, on_state: StateListener) -> None:
        self.preferences = preferences
        self._on_state = on_state
        self.supervisor: LocalServerSupervisor | None = None
        self._quitting = False
        self._starting: asyncio.Task[None] | None = None  # cancelled by a quit
        self._gateway_dialog: GatewaySetupDialog | None = None  # closed by a quit

    async def start(self, step: StartLocal) -> Step | None:
        """Start the server and sign in to it: the console to open, the sign-in to go back
        to (with why), or None when the operator quit meanwhile."""
        await self.stop()
        prefs = self.preferences
        if step.ask_gateway and prefs.local_gateway().kind is GatewayKind.NONE:
            await self._ask_gateway()
            if self._quitting:
                return None
        config = LocalServerConfig(local_data_dir(), port=step.port, rules_file=prefs.rules_file)
        busy = _busy_dialog(tr("Starting the local server…"))
        try:
            secret = await off_the_loop(ensure_webhook_secret)
            config = replace(config, extra_env=await self._gateway_env(config.base_url))
            supervisor = LocalServerSupervisor(config, secret, on_state=self._state)
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
            await self.stop()
            # Its one English line (the child's last error) is in our log; its own log has all.
            text = tr("The local server could not start. Its log says why: %1").replace(
                "%1", str(config.data_dir / "logs" / LOG_FILE)
            )
            return AskSignIn(notice=text, local_port=step.port)
        except (ClientError, credentials.CredentialsUnavailable, OSError) as exc:
            await self.stop()
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

    async def _ask_gateway(self) -> None:
        """The gateway dialog, until it is saved or put off ("Later")."""
        dialog = GatewaySetupDialog(self.preferences)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        finished: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def closed(code: int) -> None:
            if not finished.done():
                finished.set_result(code)

        dialog.finished.connect(closed)
        self._gateway_dialog = dialog
        dialog.open()
        try:
            code = await finished
        finally:
            self._gateway_dialog = None
            dialog.deleteLater()
        log.info("gateway of the local server: %s", "saved" if code else "later")

    async def _gateway_env(self, base_url: str) -> dict[str, str]:
        """The server child's gateway variables (its secrets read off the loop)."""
        settings = self.preferences.local_gateway()
        if settings.kind is GatewayKind.NONE:
            return {}
        secrets = await off_the_loop(local_gateway.load_secrets)
        return local_gateway.server_env(settings, secrets, base_url)

    def gateway_url(self) -> str:
        """WPPConnect Server's address when the local server uses it, else ""."""
        settings = self.preferences.local_gateway()
        return settings.wppconnect_url if settings.kind is GatewayKind.WPPCONNECT else ""

    async def _start_unless_quitting(self, supervisor: LocalServerSupervisor) -> bool:
        """Start the local server; False when the operator quit before it was ready."""
        starting = asyncio.ensure_future(supervisor.start())
        self._starting = starting
        try:
            await starting
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not self._quitting or (current is not None and current.cancelling()):
                raise  # we were cancelled ourselves: not ours to swallow
            log.info("quit while the local server was starting")
            return False
        finally:
            self._starting = None
        return True

    def quit(self) -> None:
        """The app quits: do not wait for a server we are about to stop to become ready
        (up to 90 s); `stop()` stops it, ready or not (the supervisor owns it from its spawn)."""
        self._quitting = True
        if self._gateway_dialog is not None:
            self._gateway_dialog.reject()
        if self._starting is not None:
            self._starting.cancel()

    def _state(self, state: LocalServerState, _detail: str) -> None:
        self._on_state(state, state_text(state))

    def down_text(self) -> str:
        """Why the server is down and what to do, for the bar and the notification."""
        supervisor = self.supervisor
        error = supervisor.last_error if supervisor is not None else None
        port = error.port if isinstance(error, PortInUse) else None
        log_path = str(supervisor.log_path) if supervisor is not None else ""
        return LocalServerDownBar.down_text(port, log_path)

    async def stop(self) -> None:
        supervisor, self.supervisor = self.supervisor, None
        if supervisor is not None:
            await supervisor.stop()


def _busy_dialog(text: str) -> QProgressDialog:
    busy = QProgressDialog(text, "", 0, 0)
    busy.setWindowTitle(tr("Sportello"))
    busy.setCancelButton(None)
    busy.setWindowModality(Qt.WindowModality.ApplicationModal)
    busy.setMinimumDuration(0)
    busy.setMinimumWidth(360)
    busy.show()
    return busy
