"""`sportello server` as a real child process: start it, wait for it, read its log lines."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.paths import REPO
from tests.support.ports import free_port
from tests.support.sportello_server import sportello_env


def start_server_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sportello.cli", "server", *args],
        cwd=cwd,
        env=env or sportello_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server not healthy in time")


class LogLines:
    """The JSON log lines of a server process as they come (`--log-format json`)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # end of output
            self._changed.notify_all()

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines if line.startswith("{")]

    def wait_for(self, msg: str, timeout: float = 60) -> dict[str, Any]:
        """The first log entry whose msg is `msg`; AssertionError after `timeout` seconds."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(e.get("msg") == msg for e in self.entries()), timeout
            )
            if not found:
                raise AssertionError(f"no {msg!r} log line; got {self.lines[-10:]}")
            return next(e for e in self.entries() if e.get("msg") == msg)

    def text(self) -> str:
        self._thread.join(60)
        return "\n".join(self.lines)


class ServerProcess:
    """`sportello server` on a free loopback port and `db_url`, its stdout dropped and its
    stderr kept for the failure message; stop() answers the exit code (-9: killed).
    `env` adds to (or overrides) the environment the server gets."""

    def __init__(
        self, db_url: str, webhook_secret: str, *extra: str, env: dict[str, str] | None = None
    ) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sportello.cli",
                "server",
                "--port",
                str(self.port),
                "--db",
                db_url,
                "--webhook-secret",
                webhook_secret,
                "--log-level",
                "warning",
                *extra,
            ],
            cwd=REPO,
            env={**sportello_env(), **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_healthy(self, timeout: float = 60) -> None:
        """Until /health answers 200 (the database answers too: 503 otherwise)."""
        wait_healthy(self.url, self.proc, timeout)

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after 30 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return -9
