"""Our server as a real child process (`python -m sportello.cli server`), operators and tokens
made through the `sportello` CLI, and plain HTTP to it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.support.line_process import DEFAULT_TIMEOUT, LineProcess
from tests.support.paths import REPO as REPO_ROOT
from tests.support.paths import SRC as SRC_DIR
from tests.support.payloads import wpp_message
from tests.support.ports import free_port

WEBHOOK_SECRET = "s3cret"


@dataclass(frozen=True, slots=True)
class Operator:
    id: str
    name: str
    token: str


class OurServer(LineProcess):
    """`python -m sportello.cli server` on a loopback port (free, or pinned), its own database."""

    def __init__(
        self,
        db_url: str,
        webhook_secret: str = WEBHOOK_SECRET,
        extra_args: Sequence[str] = (),
        port: int | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        """`extra_env`: SPORTELLO_* settings (secrets) that must not be on the command line."""
        self.db_url = db_url
        self.webhook_secret = webhook_secret
        # A port given by the caller pins the server, so a restart comes back where clients look.
        self.port = port if port is not None else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            sys.executable,
            "-m",
            "sportello.cli",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--db",
            db_url,
            "--webhook-secret",
            webhook_secret,
            *extra_args,
        ]
        env = {**sportello_env(), **(extra_env or {})}
        super().__init__(argv, label="sportello server", cwd=REPO_ROOT, env=env, with_stdin=False)

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


class RestartableServer:
    """Our server pinned to one free port and database: stop/kill and start again on the same URL,
    so a restart comes back where clients look."""

    def __init__(self, db_url: str, extra_args: Sequence[str] = ()) -> None:
        self.db_url = db_url
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: OurServer | None = None
        self.operators: list[Operator] = []
        self._n = 0

    def start(self) -> None:
        self.process = OurServer(self.db_url, WEBHOOK_SECRET, self.extra_args, port=self.port)
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
        gateway_id = f"gw-{self._n}"
        self.post(
            "/webhooks/generic", {"id": gateway_id, "from": phone, "body": body, "senderName": name}
        )
        return gateway_id

    def customer_writes_wpp(
        self,
        body: str,
        phone: str = "393331234567",
        name: str = "Mario Rossi",
        t: int | None = None,
    ) -> str:
        """A message through the WPPConnect webhook, so replies go out through WPPConnect."""
        payload = wpp_message(phone, body, name=name, t=t)
        self.post("/webhooks/wppconnect", payload)
        message_id: str = payload["id"]
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

    def thread(self, token: str, conversation_id: str) -> list[dict[str, Any]]:
        """Every message of one conversation, through the REST API."""
        body = self.get(token, f"/api/conversations/{conversation_id}/messages?limit=200")
        messages: list[dict[str, Any]] = body["messages"]
        return messages
