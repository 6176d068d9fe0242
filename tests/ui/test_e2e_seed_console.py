"""The real window against the legacy seed back end (Node socket.io v4, seed events only)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState, ProtocolProfile
from sportello.client.connection import Backoff
from sportello.client.records import ServerProfile
from sportello.ui.main_window import MainWindow
from sportello.ui.tasks import TaskRunner

INTEROP = Path(__file__).resolve().parents[1] / "interop"
if str(INTEROP) not in sys.path:
    sys.path.insert(0, str(INTEROP))

from interop_node import (  # noqa: E402
    NodeUnavailable,
    SeedServer,
    ensure_node_package,
    find_node_tools,
)

pytestmark = pytest.mark.slow
WAIT_MS = 20_000
MARIO = "+393331234567"


def seed_message(mid: str, text: str, phone: str = "393331234567") -> dict[str, Any]:
    return {
        "id": mid, "from": f"{phone}@c.us", "phoneNumber": phone, "message": text,
        "timestamp": "2024-05-06T09:30:00.000Z", "type": "text", "isGroup": False,
        "senderName": "Mario Rossi",
        "notification": {"title": "Mario Rossi", "body": text, "icon": "", "sound": "default"},
    }  # fmt: skip


@pytest.fixture
def seed() -> Iterator[SeedServer]:
    try:
        node, npm = find_node_tools()
        ensure_node_package(npm)
    except NodeUnavailable as exc:
        pytest.skip(str(exc))
    server = SeedServer(node)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def window(
    qt_loop: object, qtbot: QtBot, tmp_path: Path, seed: SeedServer
) -> Iterator[tuple[MainWindow, SportelloClient]]:
    profile = ServerProfile(seed.url, "", "7", "seed")
    client = SportelloClient(
        profile, tmp_path / "seed.db", backoff=Backoff(base=0.1, factor=2.0, cap=0.8),
        sync_timeout=1.0,
    )  # fmt: skip
    runner = TaskRunner()
    win = MainWindow(client, runner)
    qtbot.addWidget(win)
    started = runner.run(client.start())
    qtbot.waitUntil(started.done, timeout=WAIT_MS)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: client.protocol_profile is ProtocolProfile.SEED, timeout=WAIT_MS)
    yield win, client
    win.close()
    stopped = runner.run(client.stop())
    qtbot.waitUntil(stopped.done, timeout=WAIT_MS)


def test_seed_back_end_works_live_and_the_status_bar_says_what_it_lacks(
    window: tuple[MainWindow, SportelloClient], seed: SeedServer, qtbot: QtBot
) -> None:
    win, client = window
    assert client.connection_state is ConnectionState.ONLINE
    # The status bar says plainly what this back end cannot do.
    features = win.status.features_label
    qtbot.waitUntil(features.isVisible, timeout=WAIT_MS)
    text = features.text()
    assert text.startswith("Legacy server")
    for missing in ("history sync", "sending", "search"):
        assert missing in text
    assert "ticket" in features.toolTip().lower()
    assert features.accessibleName() == "Features this server lacks"

    # Unread counts come from the seed's unreadMessages, one row per contact.
    model = win.conversations.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=WAIT_MS)
    assert all(model.conversation_at(r).unread_count == 1 for r in range(2))  # type: ignore[union-attr]

    # A live newMessage puts Mario on top with his badge.
    seed.emit("newMessage", seed_message("seed_live_1", "C'è qualcuno?"))
    qtbot.waitUntil(
        lambda: (top := model.conversation_at(0)) is not None
        and top.id == MARIO and top.unread_count == 2,
        timeout=WAIT_MS,
    )
    assert "2 unread" in model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)

    # Customer typing shows in the list row.
    seed.emit("userTyping", {"from": "393331234567", "timestamp": "2024-05-06T09:31:00Z",
                             "conversationId": None})  # fmt: skip
    qtbot.waitUntil(lambda: bool(model.conversation_at(0).typing), timeout=WAIT_MS)  # type: ignore[union-attr]
    seed.emit("userStoppedTyping", {"from": "393331234567", "conversationId": None})
    qtbot.waitUntil(lambda: not model.conversation_at(0).typing, timeout=WAIT_MS)  # type: ignore[union-attr]

    # Opening it reads it: one markAsRead per message (the seed's way), badge cleared by
    # the seed's messageRead receipts.
    win.conversations.select_conversation(MARIO)
    qtbot.waitUntil(lambda: win.thread_pane.model.rowCount() == 2, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: client.state.conversation(MARIO).unread_count == 0,  # type: ignore[union-attr]
        timeout=WAIT_MS,
    )
    read = {r["data"]["messageId"] for r in seed.received("markAsRead")}
    assert {"seed_msg_1", "seed_live_1"} <= read

    # The composer and the ticket pane say why they cannot be used here.
    composer = win.thread_pane.composer
    assert composer.blocked_reason is not None and "legacy" in composer.blocked_reason
    assert not composer.send_button.isEnabled()
    assert not win.ticket_pane.create_button.isEnabled()
