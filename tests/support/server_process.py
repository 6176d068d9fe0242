"""`sportello server` as a real child process: start it, wait for it, read its log lines."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sportello.cli", "server", *args],
        cwd=cwd, env=env or server_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


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
