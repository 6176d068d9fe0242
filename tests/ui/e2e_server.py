"""Our real server as a subprocess for the console's end-to-end tests (interop harness)."""

from __future__ import annotations

import itertools
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from tests.interop.interop_sportello import (
    REPO_ROOT,
    Operator,
    OurServer,
    create_operator,
    free_port,
    http_json,
    server_module_missing,
    sportello_env,
)
from tests.support.line_process import LineProcess

WEBHOOK_SECRET = "s3cret"

__all__ = ["ConsoleServer", "Operator", "create_operator", "server_module_missing"]


class _PinnedServer(OurServer):
    """OurServer on a given port, so a restart comes back where the console looks."""

    def __init__(self, db_url: str, port: int, extra_args: Sequence[str] = ()) -> None:
        self.db_url = db_url
        self.webhook_secret = WEBHOOK_SECRET
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        argv = [
            sys.executable, "-m", "sportello.cli", "server",
            "--host", "127.0.0.1", "--port", str(port),
            "--db", db_url, "--webhook-secret", WEBHOOK_SECRET, *extra_args,
        ]  # fmt: skip
        LineProcess.__init__(
            self, argv, label="sportello server", cwd=REPO_ROOT, env=sportello_env(),
            with_stdin=False,
        )  # fmt: skip


_wpp_ids = itertools.count(1)


class ConsoleServer:
    """`sportello server` on a pinned free port: stop/kill and start again on the same URL."""

    def __init__(self, db_url: str, extra_args: Sequence[str] = ()) -> None:
        self.db_url = db_url
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: _PinnedServer | None = None
        self._n = 0

    def start(self) -> None:
        self.process = _PinnedServer(self.db_url, self.port, self.extra_args)
        self.process.wait_healthy()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop_gracefully()
            self.process = None

    def kill(self) -> None:
        """SIGKILL: no drain, no goodbye to the sockets (a crash or a pulled cable)."""
        if self.process is not None:
            self.process.stop(sig=signal.SIGKILL)
            self.process = None

    def customer_writes(
        self, body: str, phone: str = "+393331234567", name: str = "Mario Rossi"
    ) -> str:
        """A message through the generic webhook; returns the gateway's message id."""
        self._n += 1
        gateway_id = f"gw-ui-{self._n}"
        self.post("/webhooks/generic",
                  {"id": gateway_id, "from": phone, "body": body, "senderName": name})  # fmt: skip
        return gateway_id

    def customer_writes_wpp(
        self, body: str, phone: str = "393331234567", name: str = "Mario Rossi",
        t: int | None = None,
    ) -> str:
        """A message through the WPPConnect webhook, so replies go out through WPPConnect."""
        jid = f"{phone}@c.us"
        message_id = f"false_{jid}_3EB0{next(_wpp_ids):012X}"
        t = t or int(time.time())
        self.post("/webhooks/wppconnect", {
            "event": "onmessage", "session": "sportello", "id": message_id, "body": body,
            "type": "chat", "t": t, "notifyName": name, "from": jid,
            "to": "390612345678@c.us", "self": "in", "ack": 1, "isNewMsg": True,
            "chatId": jid, "fromMe": False, "isGroupMsg": False,
            "sender": {"id": jid, "pushname": name, "isMe": False, "isUser": True},
            "timestamp": t,
        })  # fmt: skip
        return message_id

    def post(self, path: str, body: Any) -> Any:
        status, answer = http_json(
            "POST", f"{self.url}{path}", body, {"X-Webhook-Token": WEBHOOK_SECRET}
        )
        assert status == 200, f"{path} answered {status}: {answer}"
        return answer

    def get(self, token: str, path: str) -> Any:
        status, body = http_json(
            "GET", f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}
        )
        assert status == 200, body
        return body
