"""Local-server mode: the supervisor runs the real `sportello server` as a child process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from sportello.desktop import credentials
from sportello.desktop.local_operator import (
    LOCAL_PROFILE,
    ensure_webhook_secret,
    provision_local_profile,
)
from sportello.desktop.local_server import (
    LocalServerConfig,
    LocalServerError,
    LocalServerState,
    LocalServerSupervisor,
    PortInUse,
)
from tests.desktop_integration.local_harness import (
    all_message_bodies,
    files_containing,
    get_json,
    post_webhook,
)
from tests.support.payloads import numbered_wpp_message
from tests.support.ports import free_port

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.timeout(240)


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie child of ours still answers kill(0): reap it.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done == pid


async def test_local_mode_receives_a_webhook_and_opens_a_ticket(home):
    config = LocalServerConfig(data_dir=home.app_data, port=free_port())
    supervisor = LocalServerSupervisor(config, ensure_webhook_secret())
    await supervisor.start()
    try:
        assert supervisor.state is LocalServerState.RUNNING
        profile = await provision_local_profile(config.base_url, config.database_url)
        assert credentials.load_token(LOCAL_PROFILE) == profile.token
        body = "Buongiorno, perdita d'acqua urgente in cucina"
        async with aiohttp.ClientSession() as http:
            status = await post_webhook(
                http, config.base_url, supervisor.webhook_secret, numbered_wpp_message(1, body)
            )
            assert status == 200
            conversations = await get_json(
                http, config.base_url, profile.token, "/api/conversations"
            )
            tickets = await get_json(http, config.base_url, profile.token, "/api/tickets")
        [conversation] = conversations["conversations"]
        assert conversation["lastMessage"]["message"] == body
        assert conversation["contact"]["phoneNumber"] == "+393331234567"
        [ticket] = tickets["tickets"]
        assert ticket["priority"] == "URGENT"
        assert ticket["conversationId"] == conversation["id"]
        # Secrets live in the keyring only: not in settings, data, logs or the cache.
        for secret in (profile.token, supervisor.webhook_secret):
            assert files_containing([home.config, home.data, home.cache], secret) == []
    finally:
        pid = supervisor.pid
        await supervisor.stop()
    assert supervisor.state is LocalServerState.STOPPED
    assert pid is not None and _pid_gone(pid)
    assert not supervisor.state_path.exists()


async def test_second_provisioning_reuses_the_stored_token(home):
    config = LocalServerConfig(data_dir=home.app_data, port=free_port())
    supervisor = LocalServerSupervisor(config, ensure_webhook_secret())
    await supervisor.start()
    try:
        first = await provision_local_profile(config.base_url, config.database_url)
        again = await provision_local_profile(config.base_url, config.database_url, first.user_id)
        assert again == first
        credentials.delete_token(LOCAL_PROFILE)  # e.g. after the server refused it
        fresh = await provision_local_profile(config.base_url, config.database_url)
        assert fresh.token != first.token and fresh.user_id == first.user_id
    finally:
        await supervisor.stop()


async def test_port_taken_by_another_program_is_refused_with_a_clear_message(home):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        states: list[tuple[LocalServerState, str]] = []
        supervisor = LocalServerSupervisor(
            LocalServerConfig(data_dir=home.app_data, port=port),
            "secret-1234",
            on_state=lambda state, detail: states.append((state, detail)),
        )
        with pytest.raises(PortInUse) as caught:
            await supervisor.start()
    message = str(caught.value)
    assert f"port {port}" in message and "already used by another program" in message
    assert states[-1] == (LocalServerState.FAILED, message)
    assert supervisor.pid is None


async def test_server_refusing_to_start_reports_its_one_line_error(home, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "x"\npriority = "SOMETIMES"\n', encoding="utf-8")
    supervisor = LocalServerSupervisor(
        LocalServerConfig(data_dir=home.app_data, port=free_port(), rules_file=rules), "s-123456"
    )
    with pytest.raises(LocalServerError) as caught:
        await supervisor.start()
    message = str(caught.value)
    assert message.startswith("the local server cannot start: ")
    assert str(rules) in message
    assert supervisor.state is LocalServerState.FAILED


async def test_a_crashed_server_is_restarted_then_given_up_after_repeated_crashes(home):
    config = LocalServerConfig(data_dir=home.app_data, port=free_port())
    states: list[LocalServerState] = []
    supervisor = LocalServerSupervisor(
        config,
        ensure_webhook_secret(),
        on_state=lambda s, d: states.append(s),
        max_restarts=1,
        backoff_base=0.2,
        poll_interval=0.1,
    )
    await supervisor.start()
    try:
        first = supervisor.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await _wait_for(
            lambda: supervisor.state is LocalServerState.RUNNING and supervisor.pid != first
        )
        assert LocalServerState.RESTARTING in states
        second = supervisor.pid
        assert second is not None
        os.kill(second, signal.SIGKILL)
        await _wait_for(lambda: supervisor.state is LocalServerState.DOWN)
        assert "1 restarts in a row did not keep it running" in supervisor.detail
    finally:
        await supervisor.stop()


async def test_a_failing_restart_is_retried_with_backoff_then_given_up_until_revived(home, caplog):
    """The child dies and another program takes its port before the restart: every
    attempt fails, the supervisor keeps trying with a growing backoff, then says it gives
    up (state DOWN). Once the port is free, `revive()` brings the server back."""
    config = LocalServerConfig(data_dir=home.app_data, port=free_port())
    secret = ensure_webhook_secret()
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    states: list[LocalServerState] = []

    def on_state(state: LocalServerState, _detail: str) -> None:
        states.append(state)
        if state is LocalServerState.RESTARTING and states.count(state) == 1:
            # The child is dead (its exit was seen): its port is free for someone else.
            squatter.bind(("127.0.0.1", config.port))
            squatter.listen()

    supervisor = LocalServerSupervisor(
        config,
        secret,
        on_state=on_state,
        max_restarts=3,
        backoff_base=0.05,
        backoff_max=0.2,
        poll_interval=0.1,
    )
    await supervisor.start()
    try:
        first = supervisor.pid
        assert first is not None
        caplog.set_level(logging.INFO, logger="sportello.desktop.local_server")
        os.kill(first, signal.SIGKILL)
        await _wait_for(lambda: supervisor.state is LocalServerState.DOWN)
        attempts = [r.getMessage() for r in caplog.records if "restart" in r.getMessage()]
        assert [m.split(" in ")[0] for m in attempts if " in " in m and "of 3" in m] == [
            "local server: restart 1 of 3",
            "local server: restart 2 of 3",
            "local server: restart 3 of 3",
        ]
        delays = [float(m.split(" in ")[1].split(" s ")[0]) for m in attempts if "of 3" in m]
        assert delays == [0.05, 0.1, 0.2]  # doubling, capped at backoff_max
        assert sum("failed: port" in m for m in attempts) == 3
        retry = [LocalServerState.RESTARTING, LocalServerState.STARTING]
        assert states == [
            LocalServerState.STARTING,
            LocalServerState.RUNNING,
            *retry * 3,
            LocalServerState.DOWN,
        ]
        assert supervisor.detail.startswith("the local server is down: 3 restarts in a row")
        assert isinstance(supervisor.last_error, PortInUse)
        down = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert [r.getMessage() for r in down] == [supervisor.detail]
        assert supervisor.pid is None and not supervisor.state_path.exists()

        # Still taken: the operator's restart fails and it stays down, saying why.
        assert await supervisor.revive() is False
        assert supervisor.state is LocalServerState.DOWN
        assert isinstance(supervisor.last_error, PortInUse)

        squatter.close()
        assert await supervisor.revive() is True
        assert supervisor.state is LocalServerState.RUNNING
        async with aiohttp.ClientSession() as http:
            message = numbered_wpp_message(1, "ciao")
            status = await post_webhook(http, config.base_url, secret, message)
        assert status == 200
        # Watched again: a new death is restarted with a fresh count of attempts.
        again = supervisor.pid
        assert again is not None and supervisor.restarts == 0
        os.kill(again, signal.SIGKILL)
        await _wait_for(
            lambda: supervisor.state is LocalServerState.RUNNING and supervisor.pid != again
        )
    finally:
        squatter.close()
        await supervisor.stop()


async def test_stopping_during_a_restart_ends_the_child_being_started(home, caplog):
    """The app quits while the supervisor restarts a dead server: the new child, not yet
    ready, is stopped too instead of being left serving with nobody watching it."""
    config = LocalServerConfig(data_dir=home.app_data, port=free_port())
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []
    starts = 0

    def on_state(state: LocalServerState, _detail: str) -> None:
        nonlocal starts
        if state is LocalServerState.STARTING:
            starts += 1
            if starts == 2:  # the restart: stop as soon as the new child is spawned
                loop.call_soon(lambda: stopping.append(loop.create_task(supervisor.stop())))

    supervisor = LocalServerSupervisor(
        config, ensure_webhook_secret(), on_state=on_state, backoff_base=0.05, poll_interval=0.1
    )
    await supervisor.start()
    caplog.set_level(logging.INFO, logger="sportello.desktop.local_server")
    first = supervisor.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    await _wait_for(lambda: bool(stopping) and stopping[0].done())
    messages = [r.getMessage() for r in caplog.records]
    spawned = [m for m in messages if "started the local server" in m]
    assert len(spawned) == 1, spawned  # the restart's child
    pid = int(spawned[0].split("(pid ")[1].split(",")[0])
    assert pid != first
    assert supervisor.state is LocalServerState.STOPPED
    await _wait_for(lambda: _pid_gone(pid))
    assert not supervisor.state_path.exists()


async def _wait_for(condition, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


# ---- the UI dies during a burst of webhooks ---------------------------------------------


class RealApp:
    """`python -m sportello --local` (offscreen), SIGKILLed by the test as if it crashed.

    Its INFO log on stderr says when the console is open and whether it adopted the server.
    """

    def __init__(self, home, port: int) -> None:  # type: ignore[no-untyped-def]
        settings = home.config / "Sportello" / "Sportello.ini"
        settings.parent.mkdir(parents=True, exist_ok=True)
        if not settings.exists():
            settings.write_text(f"[local_server]\nport={port}\n", encoding="utf-8")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sportello", "--local"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: list[str] = []

    async def console_open(self) -> tuple[int, bool]:
        """(server pid, adopted) once the window is open on the local server."""
        assert self.proc.stderr is not None
        loop = asyncio.get_running_loop()
        pid, adopted = 0, False
        while True:
            line = await loop.run_in_executor(None, self.proc.stderr.readline)
            assert line, f"the app exited ({self.proc.poll()}): {self.lines[-5:]}"
            self.lines.append(line)
            if "adopted the running local server (pid" in line:
                pid, adopted = int(line.split("(pid ")[1].split(",")[0]), True
            elif "started the local server (pid" in line:
                pid, adopted = int(line.split("(pid ")[1].split(",")[0]), False
            elif "console open: local" in line:
                # Keep draining stderr so the app never blocks on a full pipe.
                loop.run_in_executor(None, self.proc.stderr.read)
                return pid, adopted

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no cleanup of any kind
        self.proc.wait()


async def _burst(base_url, secret, numbers, acked, on_ack=None, concurrency=8):  # type: ignore[no-untyped-def]
    queue = list(numbers)
    async with aiohttp.ClientSession() as http:

        async def worker() -> None:
            while queue:
                n = queue.pop(0)
                message = numbered_wpp_message(n, f"burst {n}")
                status = await post_webhook(http, base_url, secret, message)
                if status == 200:
                    acked.add(n)
                    if on_ack is not None:
                        on_ack(len(acked))

        await asyncio.gather(*(worker() for _ in range(concurrency)))


@pytest.mark.slow
async def test_app_killed_during_a_burst_loses_no_acknowledged_message(home):
    port = free_port()
    data_dir = home.app_data
    secret = ensure_webhook_secret()
    base_url = f"http://127.0.0.1:{port}"
    acked: set[int] = set()

    # 1. The app is SIGKILLed mid-burst: the server keeps serving, the next app adopts it.
    app = RealApp(home, port)
    server_pid, adopted = await app.console_open()
    assert not adopted and server_pid > 0

    def kill_app_at(count: int) -> None:
        if count == 40 and app.proc.poll() is None:
            app.kill()

    await _burst(base_url, secret, range(0, 200), acked, kill_app_at)
    assert app.proc.returncode == -signal.SIGKILL
    assert len(acked) == 200  # the server never stopped taking webhooks
    app = RealApp(home, port)
    pid_after, adopted = await app.console_open()
    assert adopted and pid_after == server_pid

    # 2. The app and the server both die mid-burst (power cut, OOM): the next app starts a
    # new server on the same database; what was acknowledged is there.
    def kill_everything_at(count: int) -> None:
        if count == 260 and app.proc.poll() is None:
            app.kill()
            os.kill(server_pid, signal.SIGKILL)

    await _burst(base_url, secret, range(200, 400), acked, kill_everything_at)
    assert app.proc.returncode == -signal.SIGKILL
    app = RealApp(home, port)
    new_pid, adopted = await app.console_open()
    assert not adopted and new_pid != server_pid
    # The gateway retries what got no 200, and re-sends some that did (duplicates).
    missing = [n for n in range(400) if n not in acked]
    duplicates = sorted(acked)[::7]
    again: set[int] = set()
    await _burst(base_url, secret, missing + duplicates, again)
    assert again == set(missing) | set(duplicates)
    acked |= again

    token = credentials.load_token(LOCAL_PROFILE)
    assert token
    async with aiohttp.ClientSession() as http:
        bodies = await all_message_bodies(http, base_url, token)
    counts: dict[str, int] = {}
    for body in bodies:
        counts[body] = counts.get(body, 0) + 1
    assert {f"burst {n}" for n in acked} == set(counts)
    assert all(c == 1 for c in counts.values()), [b for b, c in counts.items() if c > 1]

    # 3. Quitting the app (SIGTERM, as a session logout does) stops the server cleanly.
    app.proc.terminate()
    assert await asyncio.get_running_loop().run_in_executor(None, app.proc.wait) == 0
    await _wait_for(lambda: _pid_gone(new_pid))
    assert not (data_dir / "local-server.json").exists()
    assert files_containing([home.config, home.data, home.cache], token) == []
    assert files_containing([home.config, home.data, home.cache], secret) == []
