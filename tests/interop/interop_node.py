"""The Node side of the interop tests: installing the pinned npm package, the stand-in for the
seed back end (node/seed_server.js) and the socket.io-client script (node/seed_client.js).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from interop_lines import DEFAULT_TIMEOUT, Line, LineProcess

NODE_DIR = Path(__file__).resolve().parent / "node"


class NodeUnavailable(Exception):
    """node/npm missing or the npm package could not be installed."""


def find_node_tools() -> tuple[str, str]:
    """Paths of node and npm, or NodeUnavailable saying which one is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(n for n, p in (("node", node), ("npm", npm)) if p is None)
        raise NodeUnavailable(
            f"{missing} not found on PATH: the JavaScript interop tests need Node 18+"
        )
    return node, npm


def _installed_matches_pins() -> bool:
    pins = json.loads((NODE_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for name, version in pins.items():
        manifest = NODE_DIR / "node_modules" / name / "package.json"
        if not manifest.is_file():
            return False
        if json.loads(manifest.read_text(encoding="utf-8")).get("version") != version:
            return False
    return True


def ensure_node_package(npm: str, timeout: float = 300.0) -> None:
    """`npm ci` the harness package unless node_modules already holds the pinned versions."""
    if _installed_matches_pins():
        return
    command = [npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise NodeUnavailable(f"`{' '.join(command)}` took more than {timeout:.0f} s") from exc
    if done.returncode != 0 or not _installed_matches_pins():
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise NodeUnavailable(f"`{' '.join(command)}` failed: {' | '.join(tail)}")


class SeedServer(LineProcess):
    """The Node stand-in for the seed back end (node/seed_server.js) on a free port."""

    def __init__(self, node: str) -> None:
        argv = [node, str(NODE_DIR / "seed_server.js"), "0"]
        super().__init__(argv, label="seed_server", cwd=NODE_DIR)
        listening = self.wait_for(lambda line: line.kind == "LISTENING")
        self.port = int(listening.data)
        self.url = f"http://127.0.0.1:{self.port}"

    def _command(self, command: Mapping[str, Any], answer: str) -> Any:
        start = self.mark()
        self.send(command)
        return self.wait_for(lambda line: line.kind in (answer, "ERROR"), start=start).data

    def emit(self, event: str, data: Any) -> int:
        """Broadcast `event` to authenticated sockets; returns how many sockets it reached."""
        answer = self._command({"emit": event, "data": data}, "EMITTED")
        assert answer.get("event") == event, f"seed_server refused the emit: {answer}"
        recipients: int = answer["recipients"]
        return recipients

    async def emit_async(self, event: str, data: Any) -> int:
        return await asyncio.to_thread(self.emit, event, data)

    def clients(self) -> dict[str, int]:
        """{"connected": n, "authenticated": m} on /whatsapp."""
        answer: dict[str, int] = self._command({"cmd": "clients"}, "CLIENTS")
        return answer

    def set_unread(self, messages: list[dict[str, Any]]) -> None:
        """Replace the unread messages the server sends after `authenticate`."""
        self._command({"cmd": "setUnread", "messages": messages}, "UNREAD")

    def received(self, event: str | None = None) -> list[dict[str, Any]]:
        """Every RECV record so far ({socket, event, data, ack}), optionally for one event."""
        return [
            line.data
            for line in self.snapshot()
            if line.kind == "RECV" and (event is None or line.data.get("event") == event)
        ]

    def wait_for_recv(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> dict[str, Any]:
        """The first RECV of `event` (whose data matches `predicate`) from index `start`."""

        def matches(line: Line) -> bool:
            return (
                line.kind == "RECV"
                and line.data.get("event") == event
                and (predicate is None or predicate(line.data.get("data")))
            )

        record: dict[str, Any] = self.wait_for(matches, timeout, start).data
        return record

    async def wait_for_recv_async(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> dict[str, Any]:
        return await asyncio.to_thread(self.wait_for_recv, event, predicate, timeout, start)


class NodeClient(LineProcess):
    """node/seed_client.js: a socket.io-client v4 connected to URL/whatsapp."""

    def __init__(
        self,
        node: str,
        url: str,
        *,
        token: str | None = None,
        user_id: str | None = None,
        transports: Sequence[str] | None = None,
        authenticate: bool = True,
    ) -> None:
        argv = [node, str(NODE_DIR / "seed_client.js"), "--url", url]
        if token is not None:
            argv += ["--token", token]
        if user_id is not None:
            argv += ["--user-id", user_id]
        if transports:
            argv += ["--transports", ",".join(transports)]
        if not authenticate:
            argv.append("--no-authenticate")
        super().__init__(argv, label="seed_client", cwd=NODE_DIR)

    def wait_connected(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """The socket id once connected; AssertionError with the server's reason if refused."""
        line = self.wait_for(lambda ln: ln.kind in ("CONNECTED", "CONNECT_ERROR"), timeout)
        assert line.kind == "CONNECTED", f"connection refused: {line.data}"
        socket_id: str = line.data["id"]
        return socket_id

    def wait_event(
        self,
        name: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> Any:
        """Payload of the first `name` event (matching `predicate`) from index `start`."""
        line = self.wait_for(
            lambda ln: (
                ln.kind == "EVENT" and ln.name == name and (predicate is None or predicate(ln.data))
            ),
            timeout,
            start,
        )
        return line.data

    async def wait_event_async(
        self,
        name: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> Any:
        return await asyncio.to_thread(self.wait_event, name, predicate, timeout, start)

    def events(self, name: str | None = None) -> list[tuple[str, Any]]:
        """(name, payload) of every event received so far, optionally for one name."""
        return [
            (line.name or "", line.data)
            for line in self.snapshot()
            if line.kind == "EVENT" and (name is None or line.name == name)
        ]

    def emit(self, name: str, data: Any) -> None:
        self.send({"emit": name, "data": data})

    def call(self, name: str, data: Any, timeout: float = 10.0) -> Any:
        """Emit with an ack callback and return the ack; AssertionError if none comes in time."""
        start = self.mark()
        self.send({"emit": name, "data": data, "ack": True, "timeoutMs": int(timeout * 1000)})
        line = self.wait_for(
            lambda ln: ln.kind in ("ACK", "ACK_TIMEOUT") and ln.name == name,
            timeout + DEFAULT_TIMEOUT,
            start,
        )
        assert line.kind == "ACK", f"no ack for {name} within {timeout} s\n{self.describe()}"
        return line.data

    def disconnect(self) -> None:
        self.send({"cmd": "disconnect"})
