"""The console with desktop alerts as a child process (alerts_child.py) on the test desktop,
driven through its stdin and read through its log.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.desktop.desktop_session import DesktopSession
from tests.support.paths import REPO, python_path
from tests.support.sportello_server import Operator, RestartableServer

HERE = Path(__file__).resolve().parent
EVENT_TIMEOUT = 30.0
STARTUP_TIMEOUT = 90.0


class AlertsApp:
    """The child process: JSON events in, one-word commands out."""

    def __init__(self, env: dict[str, str], argv: list[str], log: Path) -> None:
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=REPO,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.events.put(json.loads(line))

    def send(self, word: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(word + "\n")
        self.proc.stdin.flush()

    def wait_for(self, event: str, timeout: float | None = None, **match: Any) -> dict[str, Any]:
        if timeout is None:
            # "ready" comes after a cold start (PySide6 imports, connect and sync, D-Bus
            # probing), which a loaded 2-core machine has been seen to stretch past 30 s.
            timeout = STARTUP_TIMEOUT if event == "ready" else EVENT_TIMEOUT
        for seen in self.seen:
            if seen["event"] == event and all(seen.get(k) == v for k, v in match.items()):
                self.seen.remove(seen)
                return seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got = self.events.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if got["event"] == event and all(got.get(k) == v for k, v in match.items()):
                return got
            self.seen.append(got)
        raise AssertionError(
            f"no {event} {match} from the app in {timeout:g} s; saw {self.seen}; "
            f"{self._whereabouts()}"
        )

    def _whereabouts(self) -> str:
        """Whether the child is still running and the end of its log: a failure on CI
        says what happened without the temp dir (gone by the time anyone looks)."""
        code = self.proc.poll()
        state = "still running" if code is None else f"exited with {code}"
        self.log.flush()
        try:
            tail = Path(self.log.name).read_text(errors="replace").splitlines()[-25:]
        except OSError as exc:
            tail = [f"(log unreadable: {exc})"]
        return f"the app is {state}; its log ends:\n" + "\n".join(tail)

    def drain(self, settle: float = 0.5) -> list[dict[str, Any]]:
        """Everything reported so far, after `settle` seconds of waiting."""
        time.sleep(settle)
        while True:
            try:
                self.seen.append(self.events.get_nowait())
            except queue.Empty:
                break
        found, self.seen = self.seen, []
        return found

    def unread_now(self) -> int:
        """The tray's unread count once the reports settle (after a sync, say)."""
        trays = [e for e in self.drain(1.0) if e["event"] == "tray"]
        self.last_unread = trays[-1]["unread"] if trays else self.last_unread
        return self.last_unread

    last_unread = 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def start_alerts_app(
    desktop: DesktopSession,
    server: RestartableServer,
    operator: Operator,
    tmp: Path,
    audio: bool = True,
    extra_args: tuple[str, ...] = (),
) -> AlertsApp:
    env = desktop.env(audio=audio)
    env["PYTHONPATH"] = python_path()
    env["HOME"] = str(tmp)
    argv = [
        sys.executable,
        str(HERE / "alerts_child.py"),
        "--url",
        server.url,
        # "--token=…": a token may begin with "-" (URL-safe base64), which argparse would
        # take for an option after a separate "--token" (1 start in 64 failed that way).
        f"--token={operator.token}",
        "--user-id",
        operator.id,
        "--cache",
        str(tmp / "cache.sqlite3"),
        "--settings",
        str(tmp / "settings.ini"),
        *extra_args,
    ]
    return AlertsApp(env, argv, tmp / "app.log")
