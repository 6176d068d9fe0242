"""Several servers at once: what a profile switch and a background badge cost; prints JSON.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/profile_switch.py [--rounds 10]

Two real `sportello server` children on loopback (SQLite), the real desktop app
(`sportello.app.Desktop`) signed in to both. Measures:
- cold_switch_s: to a profile not connected yet (new client: cache, socket, sync), from the
  click on its switcher button to its console online;
- warm_switch_s: back and forth between two connected profiles (the background client is
  taken again: no reconnection), from the click to the new console online;
- background_badge_s: from posting a webhook to the background server to its new count in
  the switcher (server ingest + socket push + 50 ms repaint coalescing).
Keyring: a file backend in a temp dir; settings: a temp INI file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # tests.support and friends
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
TMP = Path(tempfile.mkdtemp(prefix="sportello-bench-switch-"))
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(TMP / _name.lower())

import aiohttp  # noqa: E402
import keyring  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from tests.desktop_integration.local_harness import post_webhook  # noqa: E402
from tests.support.file_keyring import ENV_FILE, FileKeyring  # noqa: E402
from tests.support.payloads import numbered_wpp_message  # noqa: E402
from tests.support.ports import free_port  # noqa: E402

from sportello.app import Desktop, OpenStored  # noqa: E402
from sportello.client.api import login  # noqa: E402
from sportello.client.changes import ConnectionState  # noqa: E402
from sportello.desktop import credentials  # noqa: E402
from sportello.desktop.child_command import child_env, sportello_command  # noqa: E402
from sportello.desktop.local_server import LocalServerConfig, LocalServerSupervisor  # noqa: E402
from sportello.ui.preferences import Preferences, ProfileRecord  # noqa: E402

PASSWORD = "Bench-Password-2024"
SECRET = "bench-secret-1"


async def wait(predicate: object, timeout: float = 60.0) -> float:
    """Seconds until predicate() is true, polling every 2 ms on the Qt loop."""
    started = time.perf_counter()
    while not predicate():  # type: ignore[operator]
        if time.perf_counter() - started > timeout:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.002)
    return time.perf_counter() - started


def add_operator(db_url: str) -> None:
    done = subprocess.run(
        sportello_command("operator", "add", "bench", "--password-stdin", "--db", db_url),
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)


async def main_async(rounds: int) -> dict[str, object]:
    servers = {}
    for name in ("A", "B"):
        supervisor = LocalServerSupervisor(
            LocalServerConfig(TMP / f"server-{name}", port=free_port()), SECRET
        )
        await supervisor.start()
        servers[name] = supervisor
        add_operator(supervisor.config.database_url)
        result = await login(supervisor.base_url, "bench", PASSWORD)
        credentials.save_token(name, result.token)
        Preferences().save_profile(
            ProfileRecord(name, supervisor.base_url, "bench", result.user.id)
        )
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desktop = Desktop(app, Preferences())
    task = asyncio.ensure_future(desktop.run(OpenStored("A")))

    def on_screen(name: str) -> bool:
        client = desktop.client
        return (
            client is not None
            and client.profile.name == name
            and desktop.switcher is not None
            and client.connection_state is ConnectionState.ONLINE
        )

    def click(name: str) -> None:
        assert desktop.switcher is not None
        desktop.switcher.buttons[name].click()

    await wait(lambda: on_screen("A"))
    click("B")
    cold = await wait(lambda: on_screen("B"))
    warm: list[float] = []
    for n in range(rounds):
        target = "A" if n % 2 == 0 else "B"
        click(target)
        warm.append(await wait(lambda t=target: on_screen(t)))
    background = "B" if on_screen("A") else "A"
    badge: list[float] = []
    async with aiohttp.ClientSession() as http:
        for n in range(rounds):
            expected = f"{background} ({n + 1})"
            started = time.perf_counter()
            payload = numbered_wpp_message(n + 1, f"messaggio {n}", phone=f"3934000{n:05d}")
            status = await post_webhook(http, servers[background].base_url, SECRET, payload)
            assert status == 200, status
            await wait(
                lambda e=expected: (
                    desktop.switcher is not None and desktop.switcher.button_text(background) == e
                )
            )
            badge.append(time.perf_counter() - started)
    desktop.request_quit()
    await task
    for supervisor in servers.values():
        await supervisor.stop()

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "median": round(statistics.median(ordered), 4),
            "max": round(ordered[-1], 4),
            "n": len(ordered),
        }

    return {
        "cold_switch_s": round(cold, 4),
        "warm_switch_s": summary(warm),
        "background_badge_s": summary(badge),
        "cpu_count": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    os.environ[ENV_FILE] = str(TMP / "keyring.json")
    keyring.set_keyring(FileKeyring(TMP / "keyring.json"))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(TMP / "config"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(main_async(args.rounds))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
