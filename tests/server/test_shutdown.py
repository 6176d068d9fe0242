"""Stopping `sportello server` with consoles connected: SIGTERM ends it within --drain-timeout.

No timing assertions: the drain timeout is made long (60 s) and the test gives the
process a fraction of it (30 s) to be gone, so only a drain that really ends the sockets
passes; the other way round, a short timeout that a silent console must not stretch.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import aiohttp
import socketio

from tests.server.server_harness import NAMESPACE, add_operator, open_db
from tests.support.server_process import LogLines, free_port, start_server_process, wait_healthy

GONE_WITHIN = 30.0  # seconds; half the long --drain-timeout below
LONG_DRAIN = "60"


def _start(tmp_path: Path, drain_timeout: str) -> tuple[subprocess.Popen[str], str, str]:
    """A server on a database with one operator; returns the process, its URL and a token."""
    db_url = f"sqlite:///{tmp_path / 'shutdown.db'}"
    db = open_db(db_url)
    operator = add_operator(db, "giulia")
    db.dispose()
    port = free_port()
    proc = start_server_process(
        "--port",
        str(port),
        "--db",
        db_url,
        "--webhook-secret",
        "s3",
        "--log-format",
        "json",
        "--drain-timeout",
        drain_timeout,
    )
    return proc, f"http://127.0.0.1:{port}", operator.token


def _exit_code(proc: subprocess.Popen[str]) -> int:
    try:
        return proc.wait(timeout=GONE_WITHIN)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"still running {GONE_WITHIN} s after SIGTERM") from None


async def test_sigterm_with_an_idle_console_connected_closes_it_and_exits_zero(tmp_path):
    proc, url, token = _start(tmp_path, LONG_DRAIN)
    logs = LogLines(proc)
    console = socketio.AsyncClient(reconnection=False)
    reasons: list[str] = []
    gone = asyncio.Event()

    async def on_disconnect(reason: str = "") -> None:
        reasons.append(reason)
        gone.set()

    console.on("disconnect", on_disconnect, namespace=NAMESPACE)
    try:
        await asyncio.to_thread(wait_healthy, url, proc)
        await console.connect(
            url,
            namespaces=[NAMESPACE],
            auth={"token": token},
            transports=["websocket"],
            wait_timeout=15,
        )
        logs.wait_for("operator connected")
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(GONE_WITHIN):
            await gone.wait()
        code = await asyncio.to_thread(_exit_code, proc)
    finally:
        await console.shutdown()
        if proc.poll() is None:
            proc.kill()
    assert code == 0, logs.text()
    # The console was told the server is going (it reconnects elsewhere and resumes with
    # sync), not cut off by a dropped connection.
    assert reasons == [console.reason.SERVER_DISCONNECT]
    drained = logs.wait_for("drained the requests and sockets")
    assert drained["sockets"] == 1
    assert "Traceback" not in logs.text()


async def test_a_console_that_never_answers_the_close_does_not_hold_the_server(tmp_path):
    """A WebSocket whose client ignores the close (a frozen laptop): cut at the deadline."""
    proc, url, _token = _start(tmp_path, "2")
    logs = LogLines(proc)
    try:
        await asyncio.to_thread(wait_healthy, url, proc)
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(_engine_io_websocket(url), autoclose=False)
            assert (await ws.receive()).data.startswith("0")  # engine.io open packet
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(_exit_code, proc)
            await ws.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, logs.text()
    cut = logs.wait_for("shutdown: requests still open when the drain ended; cutting them")
    assert cut["sockets"] == 1
    assert "Traceback" not in logs.text()


async def test_a_second_sigterm_during_the_drain_ends_it_cleanly(tmp_path):
    """A console that ignores the close holds the drain (60 s); a second SIGTERM (an
    impatient service manager) cuts it short: exit 0, no traceback."""
    proc, url, _token = _start(tmp_path, LONG_DRAIN)
    logs = LogLines(proc)
    try:
        await asyncio.to_thread(wait_healthy, url, proc)
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(_engine_io_websocket(url), autoclose=False)
            assert (await ws.receive()).data.startswith("0")
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(logs.wait_for, "stopping: draining in-flight work")
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(_exit_code, proc)
            await ws.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, logs.text()
    logs.wait_for("second stop signal: cutting the drain short")
    logs.wait_for("stopped")
    assert "Traceback" not in logs.text()


def _engine_io_websocket(url: str) -> str:
    return f"{url}/socket.io/?EIO=4&transport=websocket"
