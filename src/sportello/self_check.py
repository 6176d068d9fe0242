"""`sportello --smoke-test`, the self-check: prove an installed build works end to end, then exit.

Offscreen Qt; the embedded server started the way local-server mode starts it (a child
process running `sportello server`, i.e. the frozen executable itself in a bundle) on a free
port with a throwaway SQLite database; an operator created through the `operator add`
command; the main window connected to that server; one WPPConnect webhook posted; success
when the conversation list shows the message. Prints one JSON line with what happened and
the timings, exits 0 on success and 1 otherwise. Nothing touches the user's data,
settings or keyring: everything lives in a temporary folder removed at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from sportello.desktop.child_command import child_env, sportello_command
from sportello.desktop.local_server import (
    LocalServerConfig,
    LocalServerError,
    LocalServerSupervisor,
)
from sportello.ingest.wppconnect_bodies import onmessage_body

SERVER_READY_TIMEOUT = 90.0
MESSAGE_TIMEOUT = 30.0
OPERATOR = "smoke-test"
CUSTOMER_PHONE = "393331234567"


class SelfCheckFailed(Exception):
    """One step of the smoke test failed: the message names the step and why."""


@dataclass
class SelfCheckReport:
    """What the smoke test saw; printed as JSON. Times are seconds since the test started."""

    ok: bool = False
    step: str = "start"
    error: str = ""
    server_command: list[str] = field(default_factory=list)
    server_pid: int | None = None
    app_ready_at: float | None = None  # epoch: QApplication created (Qt loaded)
    server_ready_s: float | None = None
    console_started_s: float | None = None  # signed in; the main window is built from here
    window_shown_s: float | None = None
    window_shown_at: float | None = None  # epoch, for benches timing from process spawn
    message_shown_s: float | None = None
    frozen: bool = bool(getattr(sys, "frozen", False))

    def as_json(self) -> str:
        data: dict[str, Any] = {"smoke_test": "ok" if self.ok else "failed", **vars(self)}
        return json.dumps(data, ensure_ascii=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wppconnect_message(body: str, message_id: str) -> dict[str, Any]:
    """A WPPConnect Server `onmessage` webhook body for one incoming text message."""
    return onmessage_body(
        CUSTOMER_PHONE,
        body,
        name="Smoke Test",
        message_id=f"false_{CUSTOMER_PHONE}@c.us_{message_id}",
        content=body,
        isMedia=False,
        isNotification=False,
        broadcast=False,
        mentionedJidList=[],
    )


def run_self_check() -> int:
    """Run the whole smoke test on a fresh QApplication; returns the process exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="sportello-smoke-"))
    report = SelfCheckReport()
    try:
        # Qt settings (the window's preferences) go to the temporary folder too.
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        QSettings.setPath(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(workdir / "settings")
        )
        QSettings.setPath(
            QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(workdir / "settings")
        )
        existing = QApplication.instance()
        app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
        app.setApplicationName("Sportello")
        app.setOrganizationName("Sportello")
        app.setQuitOnLastWindowClosed(False)
        report.app_ready_at = time.time()
        import qasync

        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(_check(app, workdir, report, started))
        report.ok = True
        report.step = "done"
    except SelfCheckFailed as exc:
        report.error = str(exc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(report.as_json(), flush=True)
    if not report.ok:
        print(f"sportello: smoke test failed at {report.step}: {report.error}", file=sys.stderr)
    return 0 if report.ok else 1


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


async def _check(app: object, workdir: Path, report: SelfCheckReport, started: float) -> None:
    secret = secrets.token_urlsafe(24)
    config = LocalServerConfig(data_dir=workdir / "server", port=free_port(), drain_timeout=5.0)
    supervisor = LocalServerSupervisor(config, secret, ready_timeout=SERVER_READY_TIMEOUT)
    report.server_command = supervisor.command()
    report.step = "embedded server"
    try:
        await supervisor.start()
    except LocalServerError as exc:
        raise SelfCheckFailed(str(exc)) from exc
    report.server_pid = supervisor.pid
    report.server_ready_s = _since(started)
    try:
        await _console(workdir, supervisor, report, started)
    finally:
        await supervisor.stop()


async def _console(
    workdir: Path, supervisor: LocalServerSupervisor, report: SelfCheckReport, started: float
) -> None:
    from sportello.client.api import SportelloClient, login
    from sportello.client.errors import ClientError
    from sportello.client.records import ServerProfile

    report.step = "operator"
    password = secrets.token_urlsafe(18)
    await _create_operator(supervisor.config.database_url, password)
    try:
        session = await login(supervisor.base_url, OPERATOR, password)
    except ClientError as exc:
        raise SelfCheckFailed(f"login to the embedded server failed: {exc}") from exc
    profile = ServerProfile(supervisor.base_url, session.token, session.user.id, "smoke test")
    report.console_started_s = _since(started)
    from sportello.ui.main_window import MainWindow  # counted in the window's time

    client = SportelloClient(profile, workdir / "cache.sqlite3")
    window = MainWindow(client)
    try:
        report.step = "main window"
        try:
            await client.start()
        except ClientError as exc:
            raise SelfCheckFailed(f"the console did not connect: {exc}") from exc
        window.show()
        report.window_shown_s, report.window_shown_at = _since(started), time.time()
        if not window.isVisible():
            raise SelfCheckFailed("the main window is not visible")
        report.step = "webhook"
        body = f"Smoke test {secrets.token_hex(4)}: la caldaia non si accende"
        await _post_webhook(supervisor, wppconnect_message(body, secrets.token_hex(10).upper()))
        report.step = "message shown"
        await _wait_until_listed(window, body)
        report.message_shown_s = _since(started)
    finally:
        window.close()
        await client.stop()


async def _create_operator(db_url: str, password: str) -> None:
    """`sportello operator add`, as a child command like the local-server provisioning."""
    command = sportello_command(
        "operator", "add", OPERATOR, "--role", "admin", "--password-stdin", "--db", db_url
    )
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_env(),
    )
    _, err = await asyncio.wait_for(proc.communicate((password + "\n").encode()), 120)
    if proc.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        raise SelfCheckFailed(lines[-1] if lines else f"operator add: exit {proc.returncode}")


async def _post_webhook(supervisor: LocalServerSupervisor, payload: dict[str, Any]) -> None:
    url = f"{supervisor.base_url}/webhooks/wppconnect"
    headers = {"X-Webhook-Token": supervisor.webhook_secret}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http,
            http.post(url, json=payload, headers=headers) as response,
        ):
            if response.status != 200:
                text = (await response.text())[:200]
                raise SelfCheckFailed(f"webhook answered {response.status}: {text}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SelfCheckFailed(f"webhook not delivered: {exc!r}") from exc


async def _wait_until_listed(window: Any, body: str) -> None:
    """Until the conversation list (what the view shows, after filtering) has the message."""
    from PySide6.QtCore import Qt

    view = window.conversations.list_view
    deadline = time.monotonic() + MESSAGE_TIMEOUT
    while time.monotonic() < deadline:
        model = view.model()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            text = str(model.data(index, Qt.ItemDataRole.AccessibleTextRole) or "")
            if body in text and view.visualRect(index).isValid():
                return
        await asyncio.sleep(0.05)
    raise SelfCheckFailed(f"the message did not appear in the list within {MESSAGE_TIMEOUT:.0f} s")
