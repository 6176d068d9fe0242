"""Local-server mode: the app supervises `sportello server` as a child process.

Qt-free (asyncio only) so it runs the same on the qasync loop and in plain tests.

Why a child process and not a thread: the server acknowledges a webhook (200) only after
the SQLite commit, so the gateway never loses a message; a crash of the UI must not take
the server with it. The child runs in its own session (POSIX) / process group (Windows):
a SIGKILL of the UI, a Ctrl+C in the terminal or a closed terminal leave it serving. The
child's pid and port are written to a state file; the next UI start *adopts* a live
server of ours (health check + webhook secret probe) instead of starting a second one, and
starts a fresh one when it is gone. Either way every acknowledged message is in the
database, so nothing acknowledged is lost and nothing is stored twice (webhooks are
idempotent on the gateway's message id).

Stopping (app quit) sends SIGTERM, which makes the server drain in-flight work and exit 0,
then waits; SIGKILL only after the drain timeout.

A child that dies is started again after a backoff (1, 2, 4 ... 30 s); a restart that
fails (port taken meanwhile, database unreachable) is retried the same way, up to
`max_restarts` attempts in a row, then the supervisor gives up: state DOWN, an ERROR line
in the log, and the server stays down until `revive()` (the operator's "Restart").

This module decides when; how a child is spawned, signalled and waited for is
`server_process.py`, how it is asked whether it serves is `server_probes.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sportello.desktop.child_command import child_env, sportello_command
from sportello.desktop.server_probes import secret_accepted, wait_ready
from sportello.desktop.server_process import (
    last_error_line,
    pid_alive,
    signal_kill,
    signal_stop,
    spawn_logged,
    wait_exit,
)
from sportello.system.listen_check import cannot_listen_reason
from sportello.system.private_files import make_private_dir, write_private_text

log = logging.getLogger(__name__)

STATE_FILE = "local-server.json"
LOG_FILE = "local-server.log"


class LocalServerState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"  # it died or a restart failed; waiting out the backoff
    FAILED = "failed"  # `start()` could not start it (port taken, bad rules)
    DOWN = "down"  # it died and every restart failed: nothing listens until `revive()`


class LocalServerError(Exception):
    """The local server cannot run: one line saying what and why."""


class PortInUse(LocalServerError):
    """Another program listens on the configured port."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"port {port} on {host} is already used by another program: "
            "close that program or choose another port in Settings"
        )
        self.host = host
        self.port = port


@dataclass(frozen=True, slots=True)
class LocalServerConfig:
    """Where the local server keeps its files and where it listens."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 3200
    rules_file: Path | None = None
    db_url: str | None = None  # default: SQLite `sportello.db` in data_dir
    drain_timeout: float = 15.0
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.db_url or "sqlite:///" + (self.data_dir / "sportello.db").as_posix()

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def webhook_url(self) -> str:
        """What to paste in WPPConnect Server's webhook setting."""
        return f"{self.base_url}/webhooks/wppconnect"


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (probed as the server's own listener binds)."""
    return cannot_listen_reason(host, port) is None


StateListener = Callable[[LocalServerState, str], None]


class LocalServerSupervisor:
    """Starts, adopts, watches, restarts and stops the embedded server child process."""

    def __init__(
        self,
        config: LocalServerConfig,
        webhook_secret: str,
        *,
        on_state: StateListener | None = None,
        max_restarts: int = 8,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        stable_after: float = 60.0,
        ready_timeout: float = 90.0,
        poll_interval: float = 0.5,
    ) -> None:
        self.config = config
        self._secret = webhook_secret
        self._listeners: list[StateListener] = [on_state] if on_state else []
        # Restart attempts in a row (a child that dies before `stable_after` continues
        # the count) before giving up: 8 with the defaults is about two minutes of trying.
        self.max_restarts = max_restarts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.stable_after = stable_after
        self.ready_timeout = ready_timeout
        self.poll_interval = poll_interval
        self.state = LocalServerState.STOPPED
        self.detail = ""
        self.pid: int | None = None
        self.adopted = False
        self.restarts = 0  # attempts in the current run of failures
        self.last_error: LocalServerError | None = None  # why the last start failed
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False

    # ---- public -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def webhook_url(self) -> str:
        return self.config.webhook_url

    @property
    def webhook_secret(self) -> str:
        return self._secret

    @property
    def log_path(self) -> Path:
        return self.config.data_dir / "logs" / LOG_FILE

    @property
    def state_path(self) -> Path:
        return self.config.data_dir / STATE_FILE

    def subscribe(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Adopt our running server or start one; return when it answers /health.

        Raises PortInUse when another program holds the port, LocalServerError when the
        server refuses to start (its one-line error) or does not become ready.
        """
        await self._start(LocalServerState.FAILED)

    async def revive(self) -> bool:
        """Start again after the supervisor gave up (the operator's "Restart the server"),
        with a fresh count of attempts. False, and state DOWN with the reason, if it fails."""
        if self.state is LocalServerState.RUNNING:
            return True
        log.info("local server: starting it again at the operator's request")
        try:
            await self._start(LocalServerState.DOWN)
        except LocalServerError as exc:
            log.error("local server: still down: %s", exc)
            return False
        return True

    async def _start(self, failed_state: LocalServerState) -> None:
        self._stopping = False
        self.restarts = 0
        self.last_error = None
        make_private_dir(self.config.data_dir)  # the database, its logs and state live here
        self._set(LocalServerState.STARTING, "")
        try:
            if not await self._adopt():
                await self._spawn_and_wait()
        except LocalServerError as exc:
            self.last_error = exc
            self._set(failed_state, str(exc))
            raise
        self._watcher = asyncio.get_running_loop().create_task(
            self._watch(), name="local-server-watch"
        )

    async def stop(self) -> None:
        """SIGTERM (the server drains and exits 0), wait, SIGKILL after the drain timeout."""
        self._stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        pid, proc = self.pid, self._proc
        if pid is not None:
            log.info("stopping the local server (pid %s)", pid)
            signal_stop(pid, proc)
            if not await wait_exit(pid, proc, self.config.drain_timeout + 5.0):
                log.warning("local server did not stop after SIGTERM; killing it (pid %s)", pid)
                signal_kill(pid, proc)
                await wait_exit(pid, proc, 5.0)
        self._forget()
        self._set(LocalServerState.STOPPED, "")

    async def restart(self) -> None:
        """Stop and start again (e.g. after the rules file changed)."""
        await self.stop()
        await self.start()

    def detach(self) -> None:
        """Stop watching but leave the server running (it keeps taking webhooks)."""
        self._stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None

    # ---- adoption -----------------------------------------------------------------------

    async def _adopt(self) -> bool:
        """Reuse a server a previous (crashed) UI started, if it is alive and ours."""
        info = self._read_state_file()
        if info is None:
            return False
        pid = int(info.get("pid", 0))
        same_place = info.get("port") == self.config.port and info.get("host") == self.config.host
        if pid <= 0 or not pid_alive(pid):
            self._remove_state_file()
            return False
        same_settings = info.get("env") == self._env_digest()
        if not same_place or info.get("db") != self.config.database_url or not same_settings:
            # Ours, but started with another port, database or gateway: replace it.
            log.info("stopping the previous local server (pid %s): settings changed", pid)
            signal_stop(pid, None)
            await wait_exit(pid, None, self.config.drain_timeout + 5.0)
            self._remove_state_file()
            return False
        ready = await self._wait_ready(pid, None, timeout=min(self.ready_timeout, 30.0))
        if ready and await secret_accepted(self.config.base_url, self._secret):
            self.pid, self._proc, self.adopted = pid, None, True
            log.info("adopted the running local server (pid %s, port %s)", pid, self.config.port)
            self._set(LocalServerState.RUNNING, "")
            return True
        log.info("replacing the previous local server (pid %s): not healthy or other secret", pid)
        signal_stop(pid, None)
        await wait_exit(pid, None, self.config.drain_timeout + 5.0)
        self._remove_state_file()
        return False

    # ---- spawning -----------------------------------------------------------------------

    def command(self) -> list[str]:
        args = [
            "server",
            "--host",
            self.config.host,
            "--port",
            str(self.config.port),
            "--db",
            self.config.database_url,
            "--log-format",
            "text",
            "--drain-timeout",
            str(self.config.drain_timeout),
        ]
        if self.config.rules_file is not None:
            args += ["--rules", str(self.config.rules_file)]
        return sportello_command(*args)

    async def _spawn_and_wait(self) -> None:
        if not port_is_free(self.config.host, self.config.port):
            raise PortInUse(self.config.host, self.config.port)
        proc = self._spawn()
        # Ours from now on, ready or not: a stop() while it starts (the app quits, the
        # watcher is cancelled) must end it too, not leave it serving unsupervised.
        self.pid, self._proc, self.adopted = proc.pid, proc, False
        if not await self._wait_ready(proc.pid, proc, self.ready_timeout):
            self.pid, self._proc = None, None
            code = proc.poll()
            if code is None:
                signal_kill(proc.pid, proc)
                await wait_exit(proc.pid, proc, 5.0)
                raise LocalServerError(
                    f"the local server did not answer within {self.ready_timeout:.0f} s "
                    f"(log: {self.log_path})"
                )
            raise self._exit_error(code)
        self._write_state_file(proc.pid)
        self._set(LocalServerState.RUNNING, "")

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = child_env({**self.config.extra_env, "SPORTELLO_WEBHOOK_SECRET": self._secret})
        proc, self._log_offset = spawn_logged(
            self.command(), env, self.config.data_dir, self.log_path
        )
        log.info("started the local server (pid %s, port %s)", proc.pid, self.config.port)
        return proc

    async def _wait_ready(
        self, pid: int, proc: subprocess.Popen[bytes] | None, timeout: float
    ) -> bool:
        return await wait_ready(self.config.base_url, pid, proc, timeout, self.poll_interval)

    def _exit_error(self, code: int) -> LocalServerError:
        line = self._last_error_line()
        if "cannot listen" in line or ("address" in line and "in use" in line):
            return PortInUse(self.config.host, self.config.port)
        if line:
            return LocalServerError(f"the local server cannot start: {line}")
        return LocalServerError(f"the local server exited with code {code} (log: {self.log_path})")

    def _last_error_line(self) -> str:
        return last_error_line(self.log_path, self._log_offset)

    # ---- watching -----------------------------------------------------------------------

    async def _watch(self) -> None:
        """Restart the child whenever it dies, until it stays down or we stop."""
        while not self._stopping:
            code = await self._wait_for_death()
            if code is None:
                return  # stopping, or detached
            reason = self._last_error_line() if self._proc is not None else ""
            self._forget()
            log.warning(
                "local server exited with code %s%s", code, f" ({reason})" if reason else ""
            )
            if not await self._restart_with_backoff(f"exit code {code}"):
                return

    async def _wait_for_death(self) -> int | None:
        """The child's exit code once it is gone; None when we stop watching first. A child
        that ran `stable_after` seconds ends the run of failures: a later death counts anew."""
        started = time.monotonic()
        while not self._stopping:
            await asyncio.sleep(self.poll_interval)
            pid, proc = self.pid, self._proc
            if pid is None:
                return None
            code = proc.poll() if proc is not None else (None if pid_alive(pid) else -1)
            if code is not None:
                return None if self._stopping else code
            if self.restarts and time.monotonic() - started > self.stable_after:
                self.restarts = 0
        return None

    async def _restart_with_backoff(self, why: str) -> bool:
        """Start a new child after a backoff, retrying failed starts the same way; True once
        one runs, False when we stop or give up (state DOWN, said in the log)."""
        while self.restarts < self.max_restarts:
            delay = min(self.backoff_base * 2**self.restarts, self.backoff_max)
            self.restarts += 1
            log.warning(
                "local server: restart %d of %d in %g s (%s)",
                self.restarts,
                self.max_restarts,
                delay,
                why,
            )
            self._set(LocalServerState.RESTARTING, why)
            await asyncio.sleep(delay)
            if self._stopping:
                return False
            self._set(LocalServerState.STARTING, "")
            try:
                await self._spawn_and_wait()
            except LocalServerError as exc:
                self.last_error = exc
                why = str(exc)
                log.warning("local server: restart %d failed: %s", self.restarts, exc)
                continue
            log.info("local server: running again after restart %d", self.restarts)
            return True
        text = (
            f"the local server is down: {self.restarts} restarts in a row did not keep it "
            f"running; giving up (last: {why}; log: {self.log_path})"
        )
        log.error("%s", text)
        self._set(LocalServerState.DOWN, text)
        return False

    # ---- state file and listeners -------------------------------------------------------

    def _read_state_file(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write_state_file(self, pid: int) -> None:
        info = {
            "pid": pid,
            "host": self.config.host,
            "port": self.config.port,
            "db": self.config.database_url,
            "env": self._env_digest(),
            "started_at": time.time(),
        }
        write_private_text(self.state_path, json.dumps(info))

    def _env_digest(self) -> str:
        """The child's gateway environment as a digest (the state file keeps no secret)."""
        given = json.dumps(sorted(self.config.extra_env.items()))
        return hashlib.sha256(given.encode()).hexdigest()

    def _remove_state_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_path.unlink()

    def _forget(self) -> None:
        self.pid, self._proc, self.adopted = None, None, False
        self._remove_state_file()

    def _set(self, state: LocalServerState, detail: str) -> None:
        self.state, self.detail = state, detail
        for listener in list(self._listeners):
            listener(state, detail)
