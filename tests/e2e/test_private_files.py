"""Every file holding customer data or credentials is 0600 in 0700 directories, whatever the
umask: the server's SQLite database and its -wal/-shm, the CLI's, the client cache (with
its outbox), and local-server mode's logs and state. Real processes, real files; every file
and directory created is listed and its mode checked."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sportello.client.cache import Cache, OutboxEntry
from sportello.client.outbox import placeholder_for
from sportello.desktop.local_server import LocalServerConfig, LocalServerSupervisor
from tests.support.ports import free_port

SRC = Path(__file__).resolve().parents[2] / "src"
SECRET = "s3cret-for-modes"


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The umask of this test process and of every child it starts."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, str]:
    """Every entry under `root` (root included) with its permission bits, e.g. '0o600'."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in sorted(root.rglob("*")):
        found[path.relative_to(root).as_posix()] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def assert_private(root: Path) -> dict[str, str]:
    listing = modes(root)
    loose = {
        name: mode
        for name, mode in listing.items()
        if mode != ("0o700" if (root / name).is_dir() else "0o600")
    }
    assert loose == {}, f"not private: {loose} (all: {listing})"
    return listing


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
    env["PYTHONPATH"] = str(SRC)
    env.update(extra)
    return env


def _webhook(port: int, n: int) -> None:
    body = f'{{"id": "modes-{n}", "from": "393331234567", "body": "Perdita in cucina"}}'
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/generic",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Webhook-Token": SECRET},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200


def _wait_healthy(port: int, proc: subprocess.Popen[str]) -> None:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server not healthy in time")


def test_server_database_wal_and_shm_are_private_while_it_runs(tmp_path: Path, umask: int):
    root = tmp_path / "srv"
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sportello",
            "server",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--webhook-secret",
            SECRET,
            "--db",
            f"sqlite:///{root / 'nested' / 'sportello.db'}",
        ],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_healthy(port, proc)
        _webhook(port, 1)
        listing = assert_private(root)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert {"nested/sportello.db", "nested/sportello.db-wal", "nested/sportello.db-shm"} <= set(
        listing
    ), listing
    assert proc.returncode == 0


def test_cli_db_upgrade_in_the_default_data_dir_is_private(tmp_path: Path, umask: int):
    xdg = tmp_path / "xdg-data"
    done = subprocess.run(
        [sys.executable, "-m", "sportello", "db", "upgrade"],
        env=_env(XDG_DATA_HOME=str(xdg)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    listing = assert_private(xdg)
    assert "Sportello/sportello.db" in listing


def test_a_database_left_readable_by_an_older_version_is_tightened(tmp_path: Path):
    database = tmp_path / "old.db"
    database.write_bytes(b"")
    wal = tmp_path / "old.db-wal"
    wal.write_bytes(b"")
    for path in (database, wal):
        path.chmod(0o644)
    done = subprocess.run(
        [sys.executable, "-m", "sportello", "db", "upgrade", "--db", f"sqlite:///{database}"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert modes(tmp_path)["old.db"] == "0o600"
    if wal.exists():
        assert modes(tmp_path)["old.db-wal"] == "0o600"


async def test_client_cache_and_its_outbox_are_private(tmp_path: Path, umask: int):
    root = tmp_path / "cache-root"
    cache = Cache(root / "sportello" / "cache-1.sqlite3")
    await cache.open()
    try:
        entry = OutboxEntry("c1", "42", None, "Arrivo alle 15", "2026-01-01T09:00:00Z")
        await cache.outbox_add(entry, placeholder_for(entry))  # an unsent reply, on disk
        listing = assert_private(root)
    finally:
        await cache.close()
    assert {"sportello/cache-1.sqlite3", "sportello/cache-1.sqlite3-wal"} <= set(listing)


def test_the_apps_cache_directory_is_private(tmp_path: Path, umask: int, monkeypatch):
    from sportello.desktop.paths import cache_path_for

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    path = cache_path_for("http://127.0.0.1:3200", "7")
    assert path.parent.is_dir()
    assert_private(tmp_path / "xdg-cache")


async def test_local_server_mode_data_logs_and_state_are_private(tmp_path: Path, umask: int):
    data = tmp_path / "home" / "Sportello"
    config = LocalServerConfig(data_dir=data, port=free_port())
    supervisor = LocalServerSupervisor(config, SECRET)
    await supervisor.start()
    try:
        _webhook(config.port, 2)
        listing = assert_private(tmp_path / "home")
    finally:
        await supervisor.stop()
    expected = {
        "Sportello/sportello.db",
        "Sportello/sportello.db-wal",
        "Sportello/sportello.db-shm",
        "Sportello/logs/local-server.log",
        "Sportello/local-server.json",
    }
    assert expected <= set(listing), listing
