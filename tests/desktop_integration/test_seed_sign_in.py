"""The real desktop app signed in to the legacy seed back end (the strict Node stand-in,
which behaves as the seed's code does: ../shared/SEED_BACKEND.md), with no environment
variable: email, password and the two-factor code, from the first-run dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from sportello.client.changes import ProtocolProfile
from sportello.desktop import credentials
from sportello.domain.values import MessageType
from sportello.ui.login_dialog import LoginDialog
from sportello.ui.preferences import Preferences
from tests.desktop_integration.app_driver import AppUnderTest
from tests.interop.interop_node import (
    SeedServer,
    wppconnect_message,
)

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]
MARIO = "+393331234567"


def test_first_run_sign_in_to_the_seed_with_two_factor_code(home, qapp, qtbot, qt_loop, seed):
    user_id, email, password = SeedServer.TWO_FACTOR
    app = AppUnderTest(qapp, qtbot)
    dialog = app.wait_dialog()
    assert isinstance(dialog, LoginDialog)
    dialog.url.setText(seed.url)
    dialog.username.setText(email)
    dialog.password.setText(password)
    dialog.profile_name.setText("Assistenza")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.two_factor_asked, timeout=30_000)
    dialog.two_factor.setText(SeedServer.TWO_FACTOR_CODE)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)

    window = app.wait_console()
    client = app.desktop.client
    assert window is not None and client is not None
    qtbot.waitUntil(lambda: client.protocol_profile is ProtocolProfile.SEED, timeout=30_000)
    assert client.profile.user_id == user_id  # the seed's User.id, what authenticate wants
    token = credentials.load_token("Assistenza")
    assert token == client.profile.token and token.count(".") == 2  # the seed's JWT
    record = Preferences().profile("Assistenza")
    assert record is not None and (record.username, record.user_id) == (email, user_id)

    # Text arrives as the seed sends it ("chat") and shows as text.
    seed.incoming(wppconnect_message("Mi richiamate? La caldaia perde acqua"))
    qtbot.waitUntil(
        lambda: (
            (c := client.state.conversation(MARIO)) is not None
            and c.last_preview == "Mi richiamate? La caldaia perde acqua"
        ),
        timeout=30_000,
    )
    window.conversations.select_conversation(MARIO)
    qtbot.waitUntil(lambda: window.thread_pane.model.rowCount() == 2, timeout=30_000)
    assert {m.type for m in client.state.thread} == {MessageType.TEXT}
    assert app.quit() == 0
