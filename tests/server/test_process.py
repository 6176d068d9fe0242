"""`sportello server` as a process: clean drain on SIGTERM, one-line errors with exit 2."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.support.paths import REPO
from tests.support.ports import free_port
from tests.support.server_process import LogLines, start_server_process, wait_healthy
from tests.support.sportello_server import sportello_env


def _server(*args: str) -> subprocess.Popen[str]:
    return start_server_process(*args)


def _post(url: str, body: dict[str, object], secret: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Webhook-Token": secret},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _one_error_line(proc: subprocess.Popen[str]) -> str:
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_sigterm_drains_in_flight_webhooks_and_exits_zero(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _server(
        "--port",
        str(port),
        "--db",
        f"sqlite:///{tmp_path / 'd.db'}",
        "--webhook-secret",
        "s3",
        "--log-format",
        "json",
    )
    try:
        wait_healthy(url, proc)
        results: list[int] = []

        def fire(n: int) -> None:
            body = {"id": f"drain-{n}", "from": "393331234567", "body": f"messaggio {n}"}
            try:
                results.append(_post(f"{url}/webhooks/generic", body, "s3"))
            except OSError:
                results.append(-1)  # refused after the listener closed: the gateway retries

        threads = [threading.Thread(target=fire, args=(n,)) for n in range(30)]
        for thread in threads:
            thread.start()
        time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(30)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert all(status in (200, 503, -1) for status in results), results
    # Every webhook that got its 200 is stored.
    from sportello.store.database import Database

    db = Database(f"sqlite:///{tmp_path / 'd.db'}")
    with db.read_session() as session:
        from sqlalchemy import func, select

        from sportello.store.models import Message

        stored = session.execute(select(func.count()).select_from(Message)).scalar_one()
    db.dispose()
    assert stored >= results.count(200)
    logs = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(entry["msg"] == "stopped" for entry in logs)
    assert "s3" not in err  # secrets never reach the log


def test_bad_flag_is_one_line_and_exit_2():
    line = _one_error_line(_server("--port", "not-a-number"))
    assert "--port" in line


def test_port_in_use_is_one_line_and_exit_2_before_any_database_is_made(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _one_error_line(
            _server(
                "--port",
                str(port),
                "--db",
                f"sqlite:///{tmp_path / 'p.db'}",
                "--log-level",
                "error",
            )
        )
    assert line == (
        f"sportello server: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )
    assert list(tmp_path.iterdir()) == []  # no database created, none migrated


def test_without_a_webhook_secret_the_server_warns_at_start(tmp_path):
    port = free_port()
    proc = _server(
        "--port", str(port), "--db", f"sqlite:///{tmp_path / 'w.db'}", "--log-format", "json"
    )
    logs = LogLines(proc)
    try:
        logs.wait_for("listening")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    [warning] = [e for e in logs.entries() if "webhook secret" in e["msg"]]
    assert warning["level"] == "warning"
    assert "every WPPConnect and generic webhook will be refused" in warning["msg"]
    assert "SPORTELLO_WEBHOOK_SECRET" in warning["msg"]


def test_a_relative_sqlite_path_is_logged_as_the_file_it_resolved_to(tmp_path):
    port = free_port()
    proc = start_server_process(
        "--port",
        str(port),
        "--db",
        "sqlite:///relative.db",
        "--webhook-secret",
        "s3",
        "--log-format",
        "json",
        cwd=tmp_path,
    )
    logs = LogLines(proc)
    try:
        listening = logs.wait_for("listening")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    absolute = (tmp_path / "relative.db").as_posix()
    assert f"SQLite path relative.db resolved to {absolute}" in logs.text()
    assert listening["db"] == f"sqlite:///{absolute}"
    assert (tmp_path / "relative.db").is_file()


@pytest.mark.postgres
def test_unreachable_database_is_one_line_and_exit_2():
    port = free_port()
    line = _one_error_line(
        _server(
            "--port",
            str(free_port()),
            "--log-level",
            "error",
            "--db",
            f"postgresql://postgres@127.0.0.1:{port}/nope",
        )
    )
    assert "127.0.0.1" in line and "error" in line


def test_unreadable_rules_file_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text("[[[ nope", encoding="utf-8")
    line = _one_error_line(
        _server(
            "--rules", str(bad), "--db", f"sqlite:///{tmp_path / 'r.db'}", "--log-level", "error"
        )
    )
    assert "rules.toml" in line


def test_flags_come_from_the_environment_too(tmp_path):
    env_port = free_port()
    env = sportello_env() | {
        "SPORTELLO_PORT": str(env_port),
        "SPORTELLO_DB": f"sqlite:///{tmp_path / 'e.db'}",
        "SPORTELLO_LOG_LEVEL": "error",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "sportello.cli", "server"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{env_port}", proc)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigterm_lets_a_webhook_already_being_received_finish_with_200(tmp_path):
    """A webhook whose body is still arriving when SIGTERM comes is completed, stored and
    answered 200; new connections are refused meanwhile; the process then exits 0."""
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'inflight.db'}"
    proc = _server(
        "--port", str(port), "--db", db_url, "--webhook-secret", "s3", "--log-format", "json"
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        body = json.dumps(
            {"id": "inflight-1", "from": "393331234567", "body": "Perdita dal soffitto, aiuto"}
        ).encode()
        head = (
            f"POST /webhooks/generic HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nX-Webhook-Token: s3\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(head + body[:10])
            time.sleep(0.5)  # let the server start handling it (not an assertion)
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            with pytest.raises(OSError):  # the listener is closed: no new webhooks
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            sock.sendall(body[10:])
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 200 OK", answer[:300]
    assert b'"created":true' in answer.replace(b" ", b"")
    assert proc.returncode == 0, err
    from sqlalchemy import select

    from sportello.store.database import Database
    from sportello.store.models import Message

    db = Database(db_url)
    with db.read_session() as session:
        stored = session.execute(select(Message.gateway_message_id)).scalars().all()
    db.dispose()
    assert stored == ["inflight-1"]
