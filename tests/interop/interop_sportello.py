"""The Python side of the interop tests: our server as a subprocess (with operators and tokens
made through the `sportello` CLI), plain HTTP, and a recording python-socketio client connected
the way our desktop client connects.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import socketio

from tests.support.line_process import DEFAULT_TIMEOUT, LineProcess

REPO_ROOT = Path(__file__).resolve().parents[2]
SRC_DIR = REPO_ROOT / "src"
NAMESPACE = "/whatsapp"


def free_port() -> int:
    """A loopback port free right now (the OS may hand it out again, which is rare enough)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PyClient:
    """A python-socketio AsyncClient on /whatsapp, connected the way our desktop client connects,
    recording every event it receives."""

    def __init__(self, url: str, *, token: str | None = None, transports: list[str] | None = None):
        self.url = url
        self.token = token
        self.transports = transports
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()
        self.sio.on("*", self._record, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)

    async def _record(self, event: str, *args: Any) -> None:
        async with self._changed:
            self.events.append((event, args[0] if args else None))
            self._changed.notify_all()

    async def _on_disconnect(self, *args: Any) -> None:
        await self._record("disconnect", *args)

    async def connect(self) -> None:
        await self.sio.connect(
            self.url,
            namespaces=[NAMESPACE],
            transports=self.transports,
            auth={"token": self.token} if self.token else None,
            wait_timeout=DEFAULT_TIMEOUT,
        )

    @property
    def transport(self) -> str:
        name: str = self.sio.transport()
        return name

    async def emit(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, namespace=NAMESPACE)

    async def call(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        return await self.sio.call(event, data, namespace=NAMESPACE, timeout=timeout)

    def mark(self) -> int:
        return len(self.events)

    async def wait_for(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> Any:
        """Payload of the first `event` (matching `predicate`) recorded from index `start`."""
        index = start

        def found() -> tuple[bool, Any]:
            nonlocal index
            while index < len(self.events):
                name, data = self.events[index]
                index += 1
                if name == event and (predicate is None or predicate(data)):
                    return True, data
            return False, None

        try:
            async with asyncio.timeout(timeout), self._changed:
                while True:
                    ok, data = found()
                    if ok:
                        return data
                    await self._changed.wait()
        except TimeoutError:
            seen = [name for name, _ in self.events]
            raise AssertionError(f"no {event!r} within {timeout} s; received {seen}") from None

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.sio.shutdown()


@dataclass(frozen=True, slots=True)
class Operator:
    id: str
    name: str
    token: str


class OurServer(LineProcess):
    """`python -m sportello.cli server` on a free loopback port with its own SQLite file."""

    def __init__(self, db_url: str, webhook_secret: str, extra_args: Sequence[str] = ()) -> None:
        self.db_url = db_url
        self.webhook_secret = webhook_secret
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            sys.executable, "-m", "sportello.cli", "server",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--db", db_url, "--webhook-secret", webhook_secret,
            *extra_args,
        ]  # fmt: skip
        super().__init__(
            argv, label="sportello server", cwd=REPO_ROOT, env=sportello_env(), with_stdin=False
        )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Poll GET /health until it answers 200; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"server exited with code {self.proc.returncode} before /health answered\n"
                    f"{self.describe()}"
                )
            try:
                status, body = http_json("GET", f"{self.url}/health", timeout=2.0)
            except OSError as exc:
                last = str(exc)
            else:
                if status == 200:
                    return
                last = f"{status} {body}"
            # A poll interval, not a timing assumption: the deadline bounds the whole wait.
            time.sleep(0.1)
        raise AssertionError(f"server not healthy in {timeout} s ({last})\n{self.describe()}")

    def stop_gracefully(self, timeout: float = 15.0) -> int | None:
        return self.stop(timeout, sig=signal.SIGTERM)

    def post_webhook(
        self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> tuple[int, Any]:
        all_headers = {"X-Webhook-Token": self.webhook_secret, **(headers or {})}
        return http_json("POST", f"{self.url}{path}", body, all_headers)


def server_module_missing() -> bool:
    """True while our server has not landed in the tree (then its interop tests skip).

    A path check, not an import: the server runs as a subprocess with src/ on PYTHONPATH.
    """
    return not (SRC_DIR / "sportello" / "server" / "run.py").is_file()


class RunningServer:
    """What `our_server` yields: the process plus the operators created for the test."""

    def __init__(self, process: OurServer, operators: list[Operator]) -> None:
        self.process = process
        self.url = process.url
        self.operators = operators

    def post_webhook(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        return self.process.post_webhook(path, body)


def sportello_env() -> dict[str, str]:
    """The environment for sportello subprocesses: src/ importable, no stray SPORTELLO_* config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC_DIR), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_cli(args: Sequence[str], stdin: str | None = None, timeout: float = 60.0) -> str:
    """Run `python -m sportello.cli ARGS`: its stdout, or AssertionError with its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "sportello.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        cwd=REPO_ROOT,
        env=sportello_env(),
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"`sportello {' '.join(args)}` exited {done.returncode}: {done.stderr.strip()}"
        )
    return done.stdout


_CREATED_ID = re.compile(r"\(id (?P<id>[^,)]+)")


def create_operator(db_url: str, name: str, role: str = "operator") -> Operator:
    """Create operator NAME with a token through the CLI (PROTOCOL.md section 1)."""
    created = run_cli(
        ["operator", "add", name, "--role", role, "--password-stdin", "--db", db_url],
        stdin="una-password-lunga\n",
    )
    match = _CREATED_ID.search(created)
    assert match, f"`sportello operator add` did not print the new id: {created!r}"
    token = run_cli(["token", "create", name, "--db", db_url]).strip()
    assert token and "\n" not in token, f"`sportello token create` printed {token!r}"
    return Operator(id=match["id"], name=name, token=token)


def http_json(
    method: str,
    url: str,
    body: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[int, Any]:
    """(status, decoded JSON or text) of one HTTP request; 4xx/5xx are answers, not errors."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    text = raw.decode("utf-8", errors="replace")
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text
