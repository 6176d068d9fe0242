"""The profile switcher widget over real client states (no server): badges, dots, clicks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState
from sportello.client.records import Message, ServerProfile
from sportello.domain.values import DeliveryStatus, Direction
from sportello.ui.background_profiles import ConnectedProfiles
from sportello.ui.i18n import install_translators
from sportello.ui.preferences import ProfileKind, ProfileRecord
from sportello.ui.profile_switcher import ProfileSwitcher

RECORDS = [
    ProfileRecord("Milano", "http://127.0.0.1:9", "giulia", "1"),
    ProfileRecord("Roma", "http://127.0.0.2:9", "giulia", "2"),
    ProfileRecord("local", "http://127.0.0.1:3200", "", "3", ProfileKind.LOCAL),
]


def _client(tmp_path: Path, name: str) -> SportelloClient:
    profile = ServerProfile(f"http://{name}.invalid", "token", "op", name)
    return SportelloClient(profile, tmp_path / f"{name}.sqlite3")  # never started


def _incoming(n: int, conversation: str) -> Message:
    return Message(
        id=f"m{n}",
        conversation_id=conversation,
        timestamp=f"2026-11-25T10:{n:02d}:00Z",
        direction=Direction.INCOMING,
        status=DeliveryStatus.DELIVERED,
        body=f"messaggio {n}",
    )


def test_badges_and_connection_dots_follow_each_profile_live(qapp, qtbot, qt_loop, tmp_path):
    install_translators(qapp, "en")  # the English plural forms, as the app installs them
    milano, roma = _client(tmp_path, "milano"), _client(tmp_path, "roma")
    connected = ConnectedProfiles()
    connected.add("Milano", milano)
    connected.add("Roma", roma)
    connected.set_foreground("Milano")
    window = QMainWindow()
    qtbot.addWidget(window)
    switcher = ProfileSwitcher(window, connected, RECORDS, "Milano")
    window.show()
    assert switcher.isVisible()
    assert [b.accessibleName() for b in switcher.buttons.values()] == [
        "Milano",
        "Roma",
        "This computer",
    ]
    assert switcher.buttons["Milano"].isChecked() and not switcher.buttons["Roma"].isChecked()
    assert switcher.buttons["Milano"].focusPolicy() & Qt.FocusPolicy.TabFocus

    roma.state.set_connection(ConnectionState.ONLINE)
    roma.state.apply_message(_incoming(1, "c1"))
    roma.state.apply_message(_incoming(2, "c2"))
    milano.state.set_connection(ConnectionState.RECONNECTING, "no route", 4.0)
    qtbot.waitUntil(lambda: switcher.button_text("Roma") == "Roma (2)")
    assert switcher.button_text("Milano") == "Milano"
    assert switcher.buttons["Roma"].font().bold()
    assert switcher.buttons["Roma"].toolTip() == "Roma: connected (Ctrl+2)"
    assert switcher.buttons["Roma"].accessibleDescription() == "2 unread messages, connected"
    assert switcher.buttons["Milano"].toolTip() == "Milano: reconnecting…, on screen (Ctrl+1)"
    assert switcher.buttons["local"].toolTip() == "This computer: not connected (Ctrl+3)"
    assert connected.total_unread() == 2 and connected.background_unread() == 2

    # Reading one elsewhere (another operator, the server says so) lowers the badge.
    roma.state.apply_read("m1", cascade=False)
    qtbot.waitUntil(lambda: switcher.button_text("Roma") == "Roma (1)")

    # A click on another profile asks for it; the pressed button stays the one on screen.
    with qtbot.waitSignal(switcher.switch_requested) as asked:
        qtbot.mouseClick(switcher.buttons["Roma"], Qt.MouseButton.LeftButton)
    assert asked.args == ["Roma"]
    assert switcher.buttons["Milano"].isChecked() and not switcher.buttons["Roma"].isChecked()
    with qtbot.assertNotEmitted(switcher.switch_requested):
        qtbot.mouseClick(switcher.buttons["Milano"], Qt.MouseButton.LeftButton)

    # From the keyboard: Ctrl+3 is the third profile.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(switcher.switch_requested) as asked:
        qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert asked.args == ["local"]


def test_one_profile_needs_no_switcher(qapp, qtbot, tmp_path):
    connected = ConnectedProfiles()
    connected.add("Milano", _client(tmp_path, "milano"))
    window = QMainWindow()
    qtbot.addWidget(window)
    switcher = ProfileSwitcher(window, connected, RECORDS[:1], "Milano")
    window.show()
    assert not switcher.isVisible() and switcher.shortcuts == []
    switcher.set_profiles(RECORDS[:2], "Milano")  # "Add a server…" saved a second one
    assert switcher.isVisible() and list(switcher.buttons) == ["Milano", "Roma"]
    assert len(switcher.shortcuts) == 2


def test_a_refused_token_is_reported_once_per_profile(qapp, qtbot, qt_loop, tmp_path):
    roma = _client(tmp_path, "roma")
    connected = ConnectedProfiles()
    connected.add("Roma", roma)
    seen: list[str] = []
    connected.revoked.connect(seen.append)
    roma.state.set_connection(ConnectionState.UNAUTHORIZED, "token revoked")
    roma.state.set_connection(ConnectionState.UNAUTHORIZED, "token revoked")
    assert seen == ["Roma"]
