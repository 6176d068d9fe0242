"""The real window against the legacy seed back end: the strict Node stand-in, which behaves
as the seed's code does (../shared/SEED_BACKEND.md, tests/interop/test_seed_standin.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState, ProtocolProfile
from sportello.client.connection import Backoff
from sportello.client.records import ServerProfile
from sportello.desktop import credentials
from sportello.ui.login_dialog import LoginDialog, RemoteLogin
from sportello.ui.main_window import MainWindow
from sportello.ui.preferences import Preferences
from sportello.ui.tasks import TaskRunner
from tests.interop.interop_node import (
    NodeClient,
    SeedServer,
    find_node_tools,
    wppconnect_message,
)

pytestmark = pytest.mark.slow
WAIT_MS = 20_000
MARIO = "+393331234567"


@pytest.fixture
def window(
    qt_loop: object, qtbot: QtBot, tmp_path: Path, seed: SeedServer
) -> Iterator[tuple[MainWindow, SportelloClient]]:
    profile = ServerProfile(seed.url, "", SeedServer.ADMIN[0], "seed")
    client = SportelloClient(
        profile,
        tmp_path / "seed.db",
        backoff=Backoff(base=0.1, factor=2.0, cap=0.8),
        sync_timeout=1.0,
    )
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

    # A live newMessage (with its messageUpdate twin) puts Mario on top with his badge.
    seed.incoming(wppconnect_message("C'è qualcuno?"))
    qtbot.waitUntil(
        lambda: (
            (top := model.conversation_at(0)) is not None
            and top.id == MARIO
            and top.unread_count == 2
        ),
        timeout=WAIT_MS,
    )
    assert "2 unread" in model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Unsupported" not in model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)

    # Opening it reads it: one markAsRead per message (the seed's way), badge cleared by
    # the seed's messageRead receipts.
    win.conversations.select_conversation(MARIO)
    qtbot.waitUntil(lambda: win.thread_pane.model.rowCount() == 2, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: client.state.conversation(MARIO).unread_count == 0,  # type: ignore[union-attr]
        timeout=WAIT_MS,
    )
    read = seed.received("markAsRead")
    assert len(read) == 2 and all(r["data"]["userId"] == SeedServer.ADMIN[0] for r in read)
    # Text messages show as text: the seed calls them "chat".
    thread = win.thread_pane.model
    texts = [thread.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(2)]
    assert any("caldaia" in t for t in texts) and any("qualcuno" in t for t in texts)
    assert not any("Unsupported" in t for t in texts), texts

    # The composer and the ticket pane say why they cannot be used here.
    composer = win.thread_pane.composer
    assert composer.blocked_reason is not None and "legacy" in composer.blocked_reason
    assert not composer.send_button.isEnabled()
    assert not win.ticket_pane.create_button.isEnabled()


def test_an_operator_of_the_seed_typing_shows_in_the_status_bar(
    window: tuple[MainWindow, SportelloClient], seed: SeedServer, qtbot: QtBot
) -> None:
    win, _client = window
    node, _ = find_node_tools()
    colleague = NodeClient(node, seed.url, user_id=SeedServer.SUPER_ADMIN[0])
    try:
        colleague.wait_event("authenticated")
        label = win.status.operators_typing_label
        typing = {"to": SeedServer.ADMIN[0], "userId": SeedServer.SUPER_ADMIN[0]}
        colleague.emit("typing", typing)
        qtbot.waitUntil(label.isVisible, timeout=WAIT_MS)
        assert label.text() == "Operator 12 of this server is typing…"
        assert win.thread_pane.typing.text() == ""  # not "a colleague" in some conversation
        colleague.emit("stopTyping", typing)
        qtbot.waitUntil(lambda: not label.isVisible(), timeout=WAIT_MS)
    finally:
        colleague.stop()


def test_sign_in_to_the_seed_with_email_password_and_two_factor_code(
    qt_loop: object,
    qtbot: QtBot,
    tmp_path: Path,
    seed: SeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored: dict[str, str] = {}
    monkeypatch.setattr(credentials, "save_token", stored.__setitem__)  # the OS keyring's job
    prefs = Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat))
    dialog = LoginDialog(prefs, allow_local=False)
    qtbot.addWidget(dialog)
    dialog.show()
    user_id, email, password = SeedServer.TWO_FACTOR
    dialog.url.setText(seed.url)
    dialog.username.setText(email)
    dialog.password.setText(password)
    assert not dialog.two_factor.isVisible()

    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.two_factor_asked, timeout=WAIT_MS)
    assert dialog.two_factor.isVisible() and "two-factor code" in dialog.notice.text()
    assert not dialog.error.isVisible()  # the password was right: not an error
    dialog.two_factor.setText("000000")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "wrong" in dialog.error.text(), timeout=WAIT_MS)
    assert dialog.error.text() == "The two-factor code is wrong or has expired."
    dialog.two_factor.setText(SeedServer.TWO_FACTOR_CODE)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=WAIT_MS)

    outcome = dialog.outcome
    assert isinstance(outcome, RemoteLogin)
    assert outcome.profile.user_id == user_id  # what `authenticate {userId}` wants
    assert outcome.profile.token.count(".") == 2 and stored == {
        outcome.profile.name: outcome.profile.token
    }
    assert prefs.profile(outcome.profile.name).username == email  # type: ignore[union-attr]
    assert dialog.two_factor.text() == ""


def test_a_locked_seed_account_says_so(
    qt_loop: object, qtbot: QtBot, tmp_path: Path, seed: SeedServer
) -> None:
    prefs = Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat))
    dialog = LoginDialog(prefs, allow_local=False)
    qtbot.addWidget(dialog)
    dialog.show()
    _, email, password = SeedServer.LOCKED
    dialog.url.setText(seed.url)
    dialog.username.setText(email)
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible, timeout=WAIT_MS)
    # The seed's English text goes to the log; the operator reads our words for its code.
    assert "account is locked" in dialog.error.text()
    assert "Too many failed login attempts" not in dialog.error.text()
    assert dialog.outcome is None and not dialog.two_factor_asked
