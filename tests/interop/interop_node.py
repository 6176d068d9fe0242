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

from tests.support.line_process import DEFAULT_TIMEOUT, Line, LineProcess

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


def wppconnect_message(
    body: str,
    *,
    phone: str = "393331234567",
    name: str = "Mario Rossi",
    kind: str = "chat",
    timestamp: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A WPPConnect `Message` as the seed's handleIncomingMessage gets it from its provider."""
    message: dict[str, Any] = {
        "id": f"false_{phone}@c.us_3EB0{abs(hash((body, timestamp))) % 10**12:012d}",
        "from": f"{phone}@c.us",
        "to": "390212345678@c.us",
        "body": body,
        "type": kind,
        "notifyName": name,
        "sender": {"pushname": name},
        "isGroupMsg": False,
        "isMedia": kind in ("image", "video", "ptt", "audio", "document", "sticker"),
        "fromMe": False,
    }
    if timestamp is not None:
        message["timestamp"] = timestamp
    message.update(extra)
    return message


class SeedServer(LineProcess):
    """The Node stand-in for the seed back end (node/seed_server.js) on a free port.

    As strict as the seed's code (../shared/SEED_BACKEND.md): only its own code paths can
    make it emit, so a test cannot have it send anything kinder than the real one does.
    """

    # Its operators (node/seed_server.js): (id, email, password); 30 has 2FA, 40 is locked.
    ADMIN = ("7", "giulia@assistenza.example", "giulia-pass")
    SUPER_ADMIN = ("12", "marco@assistenza.example", "marco-pass")
    PROFESSIONAL = ("21", "luca@assistenza.example", "luca-pass")
    TWO_FACTOR = ("30", "sara@assistenza.example", "sara-pass")
    TWO_FACTOR_CODE = "246810"
    LOCKED = ("40", "bloccato@assistenza.example", "bloccato-pass")

    def __init__(self, node: str) -> None:
        argv = [node, str(NODE_DIR / "seed_server.js"), "0"]
        super().__init__(argv, label="seed_server", cwd=NODE_DIR)
        listening = self.wait_for(lambda line: line.kind == "LISTENING")
        self.port = int(listening.data)
        self.url = f"http://127.0.0.1:{self.port}"

    def _command(self, command: Mapping[str, Any], answer: str) -> Any:
        start = self.mark()
        self.send(command)
        line = self.wait_for(lambda line: line.kind in (answer, "ERROR"), start=start)
        assert line.kind == answer, f"seed_server refused {command}: {line.data}"
        return line.data

    def incoming(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """A customer's WPPConnect message reaches the seed (its handleIncomingMessage).

        Returns {"id": the stored row id, "recipients": sockets of ADMIN/SUPER_ADMIN rooms
        that got newMessage, "everyone": sockets that got messageUpdate}.
        """
        answer: dict[str, Any] = self._command({"cmd": "incoming", "message": message}, "INCOMING")
        assert "id" in answer, f"seed_server refused the message: {answer}"
        return answer

    async def incoming_async(self, message: Mapping[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self.incoming, message)

    def message_status(self, message_id: str, status: str) -> int:
        """notifyMessageStatus: messageStatusUpdate to every socket; returns how many."""
        answer = self._command(
            {"cmd": "status", "messageId": message_id, "status": status}, "STATUS"
        )
        recipients: int = answer["recipients"]
        return recipients

    async def message_status_async(self, message_id: str, status: str) -> int:
        return await asyncio.to_thread(self.message_status, message_id, status)

    def add_user(self, user: Mapping[str, Any]) -> None:
        """Add an operator: {id, email, password, role, twoFactorCode?, lockedUntil?}."""
        self._command({"cmd": "addUser", "user": dict(user)}, "USER")

    def clients(self) -> dict[str, Any]:
        """{"connected": n, "rooms": {"user:7": sockets, ...}} on /whatsapp."""
        answer: dict[str, Any] = self._command({"cmd": "clients"}, "CLIENTS")
        return answer

    def set_unread(self, messages: list[dict[str, Any]]) -> int:
        """Replace the stored messages (rows: id, phoneNumber, message, type, senderName,
        timestamp, createdAt, direction, status); returns how many are unread now."""
        answer = self._command({"cmd": "setUnread", "messages": messages}, "UNREAD")
        count: int = answer["count"]
        return count

    async def set_unread_async(self, messages: list[dict[str, Any]]) -> int:
        return await asyncio.to_thread(self.set_unread, messages)

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
