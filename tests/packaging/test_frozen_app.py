"""The frozen executable: version, the server subcommand, the smoke test, the local-server child.

Run against a real bundle (see conftest.py); every process here is the frozen executable,
never this checkout's Python.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.packaging.frozen_harness import REPO, frozen_env
from tests.support.ports import free_port

WPP_TEXT = REPO / "tests" / "data" / "gateways" / "wppconnect" / "onmessage_text.json"


def run(
    exe: Path, *args: str, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_version_is_the_one_in_pyproject(frozen_exe: Path, tmp_path: Path) -> None:
    expected = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    done = run(frozen_exe, "--version", env=frozen_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sportello {expected}"


@pytest.fixture
def frozen_server(frozen_exe: Path, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """`sportello server` from the bundle on a free port: (base URL, webhook secret, db URL)."""
    port, secret = free_port(), "frozen-test-secret"
    db_url = "sqlite:///" + (tmp_path / "server.db").as_posix()
    env = frozen_env(tmp_path)
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115  # closed below
    proc = subprocess.Popen(
        [
            str(frozen_exe),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            db_url,
            "--webhook-secret",
            secret,
            "--log-format",
            "text",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text(errors="replace")
            try:
                if http("GET", base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "frozen server did not answer /health in 90 s"
            time.sleep(0.2)
        yield base, secret, db_url
    finally:
        proc.send_signal(signal.SIGTERM if sys.platform != "win32" else signal.CTRL_BREAK_EVENT)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        log.close()
    assert code == 0, (tmp_path / "server.log").read_text(errors="replace")


def test_frozen_server_answers_health_and_stores_a_wppconnect_webhook(
    frozen_exe: Path, frozen_server: tuple[str, str, str], tmp_path: Path
) -> None:
    base, secret, db_url = frozen_server
    status, health = http("GET", base + "/health")
    assert status == 200 and health

    payload = json.loads(WPP_TEXT.read_text("utf-8"))
    assert (
        http("POST", base + "/webhooks/wppconnect", payload, {"X-Webhook-Token": "wrong"})[0] == 401
    )
    status, answer = http(
        "POST", base + "/webhooks/wppconnect", payload, {"X-Webhook-Token": secret}
    )
    assert status == 200, answer

    # Read it back as an operator would, with an operator and token made by the frozen CLI.
    env = frozen_env(tmp_path)
    added = run(
        frozen_exe,
        "operator",
        "add",
        "anna",
        "--password-stdin",
        "--db",
        db_url,
        env=env,
        stdin="una-password-lunga\n",
    )
    assert added.returncode == 0, added.stderr
    token = run(frozen_exe, "token", "create", "anna", "--db", db_url, env=env)
    assert token.returncode == 0, token.stderr
    auth = {"Authorization": f"Bearer {token.stdout.strip()}"}
    status, listing = http("GET", base + "/api/conversations?limit=10", headers=auth)
    assert status == 200, listing
    [conversation] = listing["conversations"]
    status, page = http(
        "GET", f"{base}/api/conversations/{conversation['id']}/messages", headers=auth
    )
    assert status == 200, page
    assert [m["message"] for m in page["messages"]] == [payload["body"]]


@pytest.fixture(scope="module")
def smoke_report(frozen_exe: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `--smoke-test` run of the frozen app (offscreen Qt), its JSON report."""
    tmp = tmp_path_factory.mktemp("smoke")
    done = run(frozen_exe, "--smoke-test", env=frozen_env(tmp))
    assert done.returncode == 0, f"stdout: {done.stdout}\nstderr: {done.stderr}"
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("{"))
    report: dict[str, Any] = json.loads(line)
    return report


def test_smoke_test_shows_a_webhook_message_in_the_frozen_console(
    smoke_report: dict[str, Any],
) -> None:
    assert smoke_report["smoke_test"] == "ok"
    assert smoke_report["frozen"] is True
    assert smoke_report["window_shown_s"] is not None
    assert smoke_report["message_shown_s"] >= smoke_report["window_shown_s"]


def test_local_server_child_is_the_frozen_executable(
    smoke_report: dict[str, Any], frozen_exe: Path
) -> None:
    command = smoke_report["server_command"]
    assert Path(command[0]).resolve() == frozen_exe.resolve()
    assert command[1] == "server"  # no Python interpreter, no `-m sportello`
    assert smoke_report["server_pid"] and smoke_report["server_ready_s"] is not None


def test_bundle_carries_what_the_app_loads_at_run_time(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert (internal / "sportello" / "store" / "migrations" / "env.py").is_file()
    assert list((internal / "sportello" / "store" / "migrations" / "versions").glob("0001_*.py"))
    assert (internal / "sportello" / "domain" / "default_rules.toml").is_file()
    plugins = internal / "PySide6" / "Qt" / "plugins"
    if sys.platform.startswith("linux"):
        for plugin in (
            "platforms/libqxcb.so",
            "platforms/libqoffscreen.so",
            "tls/libqopensslbackend.so",
            "imageformats/libqsvg.so",
        ):
            assert (plugins / plugin).is_file(), plugin
    translations = internal / "PySide6" / "Qt" / "translations"
    assert (translations / "qtbase_it.qm").is_file()
    assert not list(translations.glob("qtbase_de.qm")), "only it/en Qt translations ship"
    for name in ("i18n", "sounds", "icons"):
        source = REPO / "resources" / name
        shipped = {p.name for p in (internal / "resources" / name).glob("*")}
        wanted = {
            p.name for p in source.glob("*") if p.is_file() and p.suffix not in {".ts", ".md"}
        }
        assert wanted <= shipped, f"resources/{name} missing from the bundle: {wanted - shipped}"


def test_bundle_leaves_out_unused_qt_modules(bundle: Path) -> None:
    names = {p.name for p in bundle.rglob("*")}
    for unused in (
        "WebEngine",
        "Qt63D",
        "Qt6Quick",
        "Qt6Qml",
        "Qt6Charts",
        "Qt6Pdf",
        "Qt6DataVisualization",
        "Qt6VirtualKeyboard",
    ):
        assert not [n for n in names if unused in n], unused


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktop entry")
def test_desktop_entry_and_hicolor_icons_install_for_the_user(bundle: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    done = subprocess.run(
        [str(bundle / "install-desktop-entry.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    entry = (tmp_path / "share" / "applications" / "sportello.desktop").read_text("utf-8")
    assert f'Exec="{bundle / "sportello"}"' in entry.splitlines()
    assert "Icon=sportello" in entry.splitlines()
    icons = list((tmp_path / "share" / "icons" / "hicolor").glob("*/apps/sportello*"))
    shipped = list((REPO / "resources" / "icons").glob("sportello*"))
    assert len(icons) == len(shipped) and (shipped or not icons)
    validate = (
        subprocess.run(
            [
                "desktop-file-validate",
                str(tmp_path / "share" / "applications" / "sportello.desktop"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if _has("desktop-file-validate")
        else None
    )
    assert validate is None or validate.returncode == 0, validate.stdout


def _has(program: str) -> bool:
    import shutil

    return shutil.which(program) is not None
