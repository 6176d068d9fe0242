"""The real app (`python -m sportello`, offscreen) quits at once on SIGTERM and SIGINT, also
while a dialog waits for a click; in local mode its server child goes with it.

Before the wakeup fd, Python's handler ran only when Python next ran: an app idling on a
dialog never quit. The waits below are bounds (a hang fails), not timing assertions.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sportello.ui.preferences import Preferences, ProfileRecord
from tests.support.ports import free_port

pytestmark = pytest.mark.timeout(240)

READY_TIMEOUT = 120.0  # a cold start on a loaded 2-core machine (PySide6 imports, server)
EXIT_TIMEOUT = 30.0  # quitting takes well under a second; a hang is what this catches


class AppProcess:
    """The app as a child process; its INFO log on stderr says what it is showing."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sportello", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line)
        self._queue.put("")  # end of output: the app exited

    def wait_for(self, text: str, timeout: float = READY_TIMEOUT) -> str:
        """The first log line containing `text`; fails if the app exits or takes too long."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {text!r} in time: {self.lines[-10:]}") from None
            assert line, f"the app exited ({self.proc.poll()}) before {text!r}: {self.lines[-10:]}"
            self.lines.append(line)
            if text in line:
                return line

    def exit_code_after(self, signum: signal.Signals) -> int:
        self.proc.send_signal(signum)
        return self.exit_code()

    def exit_code(self) -> int:
        try:
            return self.proc.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the app did not quit; log ends: {self.lines[-10:]}") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # exited, not yet reaped


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_first_run_dialog_quits_on_a_signal(home, signum):
    app = AppProcess()
    try:
        app.wait_for("sign-in dialog open")
        assert app.exit_code_after(signum) == 0
    finally:
        app.kill()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_sign_in_dialog_of_a_saved_server_quits_on_a_signal(home, signum):
    # A saved server whose token is not in the keyring: the app asks to sign in again.
    Preferences().save_profile(ProfileRecord("Ufficio", "http://127.0.0.1:9", "giulia"))
    app = AppProcess("--profile", "Ufficio")
    try:
        app.wait_for("sign-in dialog open")
        assert app.exit_code_after(signum) == 0
    finally:
        app.kill()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_local_mode_quits_on_a_signal_with_its_dialog_open_and_stops_the_server(home, signum):
    port = free_port()
    settings = home.config / "Sportello" / "Sportello.ini"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[local_server]\nport={port}\n", encoding="utf-8")
    app = AppProcess("--local")
    try:
        started = app.wait_for("started the local server (pid")
        server_pid = int(started.split("(pid ")[1].split(",")[0])
        # The first local start shows the webhook address and secret in a dialog; once
        # online, the Socket.IO client is running too (it once took SIGINT for itself).
        app.wait_for("console open: local")
        app.wait_for(f"online: http://127.0.0.1:{port}")
        assert app.exit_code_after(signum) == 0
    finally:
        app.kill()
    # The app waited for its server to stop before exiting: it is gone already.
    assert _gone(server_pid)
    assert not (home.app_data / "local-server.json").exists()


def test_a_second_signal_during_the_quit_still_ends_cleanly(home):
    port = free_port()
    settings = home.config / "Sportello" / "Sportello.ini"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[local_server]\nport={port}\n", encoding="utf-8")
    app = AppProcess("--local")
    try:
        started = app.wait_for("started the local server (pid")
        server_pid = int(started.split("(pid ")[1].split(",")[0])
        app.wait_for(f"online: http://127.0.0.1:{port}")
        app.proc.send_signal(signal.SIGTERM)
        app.wait_for(f"stopping the local server (pid {server_pid})", timeout=EXIT_TIMEOUT)
        # Impatient: Ctrl+C while the server drains. The quit goes on as it was.
        assert app.exit_code_after(signal.SIGINT) == 0
    finally:
        app.kill()
    assert _gone(server_pid)
    assert not (home.app_data / "local-server.json").exists()


def test_quitting_while_the_local_server_starts_does_not_wait_for_it(home):
    """A signal during "Starting the local server…": the app stops the half-started server
    at once instead of waiting (up to 90 s) for it to answer first."""
    port = free_port()
    settings = home.config / "Sportello" / "Sportello.ini"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[local_server]\nport={port}\n", encoding="utf-8")
    app = AppProcess("--local")
    server_pid = 0
    try:
        started = app.wait_for("started the local server (pid")
        server_pid = int(started.split("(pid ")[1].split(",")[0])
        # Frozen, the server cannot answer: the app would wait for it as long as it likes.
        os.kill(server_pid, signal.SIGSTOP)
        app.proc.send_signal(signal.SIGTERM)
        app.wait_for(f"stopping the local server (pid {server_pid})", timeout=EXIT_TIMEOUT)
        os.kill(server_pid, signal.SIGCONT)  # it finds the SIGTERM waiting, and drains
        assert app.exit_code() == 0
    finally:
        app.kill()
        if server_pid and not _gone(server_pid):
            os.kill(server_pid, signal.SIGKILL)  # never leave it serving after a failure
    assert _gone(server_pid)
