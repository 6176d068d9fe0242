"""What the client tests share besides fixtures: our server restartable on the same port and
database, and waits that poll the client's state.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

from sportello.client.api import SportelloClient
from sportello.client.changes import StateChange
from sportello.client.connection import Backoff
from tests.interop.interop_sportello import REPO_ROOT, Operator, OurServer, http_json, sportello_env
from tests.support.line_process import LineProcess
from tests.support.ports import free_port

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
