"""Fixtures for the client tests: our real server as a subprocess that can be restarted on the
same port and database, the Node seed stand-in, and waits that poll the client's state.

The process plumbing is the interop harness's (tests/interop); only the restartable server
and the client-side helpers live here.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

INTEROP = Path(__file__).resolve().parents[1] / "interop"
if str(INTEROP) not in sys.path:
    sys.path.insert(0, str(INTEROP))

from interop_lines import LineProcess  # noqa: E402
from interop_node import (  # noqa: E402
    NodeUnavailable,
    SeedServer,
    ensure_node_package,
    find_node_tools,
)
from interop_sportello import (  # noqa: E402
    REPO_ROOT,
    Operator,
    OurServer,
    create_operator,
    free_port,
    http_json,
    server_module_missing,
    sportello_env,
)

from sportello.client.api import SportelloClient  # noqa: E402
from sportello.client.changes import StateChange  # noqa: E402
from sportello.client.connection import Backoff  # noqa: E402
from sportello.client.records import ServerProfile  # noqa: E402

WEBHOOK_SECRET = "s3cret"
FAST_BACKOFF = Backoff(base=0.1, factor=2.0, cap=0.8, jitter=0.3)


class RestartableServer:
    """Our server on a fixed port and database: stop() and start() keep both."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: PinnedServer | None = None
        self.operators: list[Operator] = []
        self._seq = 0

    def start(self) -> None:
        self.process = PinnedServer(self.db_url, self.port)
        self.process.wait_healthy()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop_gracefully()
            self.process = None

    def customer_writes(self, body: str, phone: str = "+393331234567", name: str = "Mario") -> str:
        """A customer message through the generic webhook; returns the gateway message id."""
        self._seq += 1
        gateway_id = f"gw-{self._seq}-{body[:10]}"
        status, answer = http_json(
            "POST", f"{self.url}/webhooks/generic",
            {"id": gateway_id, "from": phone, "body": body, "senderName": name},
            {"X-Webhook-Token": WEBHOOK_SECRET},
        )  # fmt: skip
        assert status == 200, f"webhook answered {status}: {answer}"
        return gateway_id

    def thread(self, token: str, conversation_id: str) -> list[dict[str, Any]]:
        status, body = http_json(
            "GET", f"{self.url}/api/conversations/{conversation_id}/messages?limit=200",
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        assert status == 200, body
        messages: list[dict[str, Any]] = body["messages"]
        return messages


class PinnedServer(OurServer):
    """OurServer on a port chosen by the caller, so a restart comes back where clients look."""

    def __init__(self, db_url: str, port: int) -> None:
        self.db_url = db_url
        self.webhook_secret = WEBHOOK_SECRET
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        argv = [
            sys.executable, "-m", "sportello.cli", "server",
            "--host", "127.0.0.1", "--port", str(port),
            "--db", db_url, "--webhook-secret", WEBHOOK_SECRET,
        ]  # fmt: skip
        LineProcess.__init__(
            self, argv, label="sportello server", cwd=REPO_ROOT, env=sportello_env(),
            with_stdin=False,
        )  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RestartableServer]:
    if server_module_missing():
        pytest.skip("sportello.server.run does not exist yet: our server has not landed")
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    running = RestartableServer(db_url)
    running.operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def seed() -> Iterator[SeedServer]:
    """The Node stand-in for the legacy seed back end (skips without node/npm)."""
    try:
        node, npm = find_node_tools()
        ensure_node_package(npm)
    except NodeUnavailable as exc:
        pytest.skip(str(exc))
    server = SeedServer(node)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def make_client(tmp_path: Path) -> AsyncIterator[Callable[..., SportelloClient]]:
    """Factory of started-later clients, all stopped at teardown."""
    made: list[SportelloClient] = []

    def make(url: str, operator: Operator | None = None, *, cache: str = "cache.db",
             token: str | None = None, user_id: str | None = None) -> SportelloClient:  # fmt: skip
        profile = ServerProfile(
            url=url,
            token=token if token is not None else (operator.token if operator else "none"),
            user_id=user_id if user_id is not None else (operator.id if operator else "1"),
            name="test",
        )
        client = SportelloClient(profile, tmp_path / cache, backoff=FAST_BACKOFF, sync_timeout=3.0)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.stop()


async def wait_until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Poll `check` on the loop until it returns something truthy; fail saying `what`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


def record(client: SportelloClient) -> list[StateChange]:
    changes: list[StateChange] = []
    client.subscribe(changes.append)
    return changes
