"""The console's client port (ui/client_port.py): the window runs on any client that
satisfies it, and mypy holds both the real client and the test fake to it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sportello.client.api import SportelloClient
from sportello.client.changes import DeskSettingsChanged
from sportello.ui.main_window import MainWindow
from tests.ui.fake_client import FakeClient, incoming, stamp, ticket

ROOT = Path(__file__).resolve().parents[2]


def _mypy(*args: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            os.devnull,  # nothing read from or left in the checkout's cache
            *map(str, args),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_console_runs_on_a_client_that_only_satisfies_the_port(
    client: FakeClient, qtbot: QtBot
) -> None:
    """The window takes the desk's rules from the client's awareness, always there."""
    assert not isinstance(client, SportelloClient)
    client.state.apply_message(incoming("rossi", "la caldaia", stamp(1), name="Mario Rossi"))
    client.state.apply_ticket(ticket("t1", "rossi", "101"))
    client.state.apply_ticket(ticket("t2", "verdi", "102", assignee_id="op3"))
    window = MainWindow(client)
    qtbot.addWidget(window)
    window.conversations.select_conversation("rossi")
    combo = window.ticket_pane.assignee_combo
    qtbot.waitUntil(lambda: combo.findData("op3") >= 0)  # a colleague: may take it

    client.awareness.assignee_only_replies = True  # what the server's deskState says
    client.state.publish(DeskSettingsChanged(True))

    assert combo.findData("op3") < 0 and combo.findData("op1") >= 0


def test_mypy_holds_the_real_client_and_the_fake_to_the_port() -> None:
    checked = _mypy(ROOT / "src/sportello/ui/client_port.py", ROOT / "tests/ui/fake_client.py")
    assert checked.returncode == 0, checked.stdout


def test_mypy_refuses_a_client_missing_part_of_the_port(tmp_path: Path) -> None:
    """The check has teeth: the port is a real type to mypy, not an unresolved `Any`."""
    half = tmp_path / "half_client.py"
    half.write_text(
        "from sportello.ui.client_port import ConsoleClient\n\n\n"
        "class HalfClient:\n"
        "    async def search(self, q: str) -> list[object]:\n"
        "        return []\n\n\n"
        "def fits(client: HalfClient) -> ConsoleClient:\n"
        "    return client\n"
    )
    checked = _mypy(half)
    assert checked.returncode == 1, checked.stdout
    assert "half_client.py:10: error: Incompatible return value type" in checked.stdout


@pytest.mark.parametrize(
    "module",
    [
        "src/sportello/ui/labels.py",
        "src/sportello/client/errors.py",
        "src/sportello/domain/phone.py",
    ],
)
def test_ui_client_and_domain_are_checked_strictly(module: str, tmp_path: Path) -> None:
    """pyproject's mypy settings hold these parts to `--strict`: an untyped def is refused
    (the module is read with one more function, through mypy's shadow file)."""
    source = ROOT / module
    probe = tmp_path / source.name
    probe.write_text(source.read_text(encoding="utf-8") + "\n\ndef _probe(x):\n    return x\n")
    checked = _mypy("--shadow-file", str(source), str(probe), source)
    assert "Function is missing a type annotation  [no-untyped-def]" in checked.stdout
