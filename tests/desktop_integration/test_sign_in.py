"""Signing in from the first-run dialog, logging out, and a token the server revoked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from sportello.desktop import credentials
from sportello.ui.login_dialog import LoginDialog
from sportello.ui.preferences import Preferences, ProfileKind, ProfileRecord
from tests.desktop_integration.app_driver import (
    AppUnderTest,
    add_operator,
    office_server,
    run,
    server_accepts,
)
from tests.desktop_integration.local_harness import files_containing
from tests.support.ports import free_port

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]

PASSWORD = "Corretta-Password-2024"


def _fill(dialog: LoginDialog, url: str, username: str, password: str, name: str = "") -> None:
    dialog.url.setText(url)
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.profile_name.setText(name)


def test_first_run_sign_in_keeps_the_token_in_the_keyring_only(home, qapp, qtbot, qt_loop):
    with office_server(home.root / "office", free_port(), qtbot) as office:
        add_operator(office.config.database_url, "giulia", PASSWORD)
        app = AppUnderTest(qapp, qtbot)
        dialog = app.wait_dialog()
        assert isinstance(dialog, LoginDialog) and dialog.isVisible()

        # A wrong password: one clear sentence, the dialog stays, nothing stored.
        _fill(dialog, office.base_url, "giulia", "sbagliata", "Ufficio")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=30_000)
        assert dialog.error.text() == "Wrong username or password."
        assert app.desktop.window is None
        assert credentials.load_token("Ufficio") is None

        # An address where no server answers: says so, with the address.
        _fill(dialog, f"127.0.0.1:{free_port()}", "giulia", PASSWORD, "Ufficio")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Cannot reach the server" in dialog.error.text(), timeout=30_000)

        _fill(dialog, office.base_url, "giulia", PASSWORD, "Ufficio")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        window = app.wait_console()
        assert window is not None and window.isVisible()
        token = credentials.load_token("Ufficio")
        assert token
        prefs = Preferences()
        assert prefs.profile("Ufficio") == ProfileRecord(
            "Ufficio", office.base_url, "giulia", prefs.profile("Ufficio").user_id
        )
        assert prefs.last_profile == "Ufficio"
        # The settings file exists and names the server, but no file holds the token.
        assert files_containing([home.config], office.base_url)
        assert files_containing([home.config, home.data, home.cache], token) == []
        assert files_containing([home.config, home.data, home.cache], PASSWORD) == []

        # Log out: the token is gone, here and on the server (a copy of it stops working);
        # the dialog comes back prefilled for this server.
        assert server_accepts(office.base_url, token, qtbot) == 200
        app.desktop.menus.logout_action.trigger()
        dialog = app.wait_dialog()
        assert credentials.load_token("Ufficio") is None
        assert server_accepts(office.base_url, token, qtbot) == 401
        assert dialog.url.text() == office.base_url and dialog.username.text() == "giulia"
        assert dialog.password.text() == ""
        assert app.quit() == 0


def test_next_start_opens_the_last_profile_without_asking(home, qapp, qtbot, qt_loop):
    with office_server(home.root / "office", free_port(), qtbot) as office:
        add_operator(office.config.database_url, "marco", PASSWORD)
        first = AppUnderTest(qapp, qtbot)
        _fill(first.wait_dialog(), office.base_url, "marco", PASSWORD)
        qtbot.mouseClick(first.desktop.dialog.connect_button, Qt.MouseButton.LeftButton)
        first.wait_console()
        assert first.quit() == 0

        again = AppUnderTest(qapp, qtbot)
        window = again.wait_console()
        assert window is not None and again.desktop.dialog is None
        assert again.quit() == 0


def test_a_revoked_token_sends_the_operator_back_to_sign_in_with_the_reason(
    home, qapp, qtbot, qt_loop
):
    from sportello.store.database import Database
    from sportello.store.operators import revoke_token

    with office_server(home.root / "office", free_port(), qtbot) as office:
        add_operator(office.config.database_url, "anna", PASSWORD)
        first = AppUnderTest(qapp, qtbot)
        _fill(first.wait_dialog(), office.base_url, "anna", PASSWORD, "Sede")
        qtbot.mouseClick(first.desktop.dialog.connect_button, Qt.MouseButton.LeftButton)
        first.wait_console()
        assert first.quit() == 0
        token = credentials.load_token("Sede")
        assert token

        # An administrator revokes the token while the app is closed (and the server
        # restarts, so its few-second token cache does not hide the revocation).
        run(qtbot, office.stop())
        db = Database(office.config.database_url)
        with db.session() as session:
            assert revoke_token(session, token)
            session.commit()
        db.engine.dispose()
        run(qtbot, office.start())

        again = AppUnderTest(qapp, qtbot)
        dialog = again.wait_dialog()
        assert isinstance(dialog, LoginDialog)
        assert dialog.notice.isVisible()
        assert "revoked" in dialog.notice.text()
        assert dialog.url.text() == office.base_url and dialog.username.text() == "anna"
        assert credentials.load_token("Sede") is None
        assert Preferences().profile("Sede").kind is ProfileKind.REMOTE
        assert again.quit() == 0


def test_switching_from_the_local_server_to_an_office_server_by_the_menu(
    home, qapp, qtbot, qt_loop
):
    from sportello.app import StartLocal
    from sportello.desktop.local_server import LocalServerState

    with office_server(home.root / "office", free_port(), qtbot) as office:
        add_operator(office.config.database_url, "paolo", PASSWORD)
        app = AppUnderTest(qapp, qtbot, StartLocal(free_port()))
        app.wait_console()
        local = app.desktop.supervisor
        assert local is not None and local.state is LocalServerState.RUNNING

        app.desktop.menus.add_server_action.trigger()
        qtbot.waitUntil(lambda: app.desktop.window.findChild(LoginDialog) is not None)
        dialog = app.desktop.window.findChild(LoginDialog)
        assert not dialog.local_button.isVisible()
        _fill(dialog, office.base_url, "paolo", PASSWORD, "Ufficio")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: app.desktop.client is not None and app.desktop.client.profile.name == "Ufficio",
            timeout=60_000,
        )
        app.wait_console()
        assert local.state is LocalServerState.STOPPED and app.desktop.supervisor is None
        assert list(app.desktop.menus.profile_actions) == ["local", "Ufficio"]
        assert app.desktop.menus.profile_actions["Ufficio"].isChecked()

        # And back: the local server starts again, on the same database.
        app.desktop.menus.profile_actions["local"].trigger()
        qtbot.waitUntil(
            lambda: app.desktop.client is not None and app.desktop.client.profile.name == "local",
            timeout=60_000,
        )
        app.wait_console()
        assert app.desktop.supervisor.state is LocalServerState.RUNNING
        assert app.quit() == 0
