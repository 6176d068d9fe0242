"""A desktop without a Secret Service (no GNOME Keyring, no KWallet): what still works.

The `keyring` package then has only its failing backend (keyring.backends.fail), as here.
Local-server mode keeps the sign-in of its own loopback server in a 0600 file beside the
local database; a remote server's sign-in lasts for the session and the operator is told,
in Italian, what to install.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtCore import Qt

from sportello.app import StartLocal
from sportello.desktop import credentials
from sportello.ui.i18n import install_translators
from sportello.ui.preferences import Preferences, ProfileKind
from sportello.ui.settings_dialog import SettingsDialog
from tests.desktop_integration.app_driver import AppUnderTest, add_operator, office_server
from tests.desktop_integration.local_harness import files_containing
from tests.support.ports import free_port

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]

PASSWORD = "Corretta-Password-2024"


@pytest.fixture
def no_keyring(home: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The failing backend, in this process and in every child it starts."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.set_keyring(NoKeyring())
    yield  # the home fixture puts the previous backend back


@pytest.fixture
def italian(qapp: object) -> Iterator[None]:
    install_translators(qapp, "it")  # type: ignore[arg-type]
    try:
        yield
    finally:
        install_translators(qapp, "en")  # type: ignore[arg-type]


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files world-readable: the file must be 0600 anyway."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_local_mode_without_a_keyring_keeps_its_sign_in_in_a_private_file_beside_the_database(
    home, no_keyring, italian, open_umask, qapp, qtbot, qt_loop
):
    port = free_port()
    app = AppUnderTest(qapp, qtbot, StartLocal(port))
    app.wait_console()
    supervisor = app.desktop.supervisor
    assert supervisor is not None and app.desktop.client is not None
    data_dir = supervisor.config.data_dir
    secrets = data_dir / "local-secrets.json"
    assert credentials.local_secrets_file() == secrets
    assert (data_dir / "sportello.db").exists()  # beside the database
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    token = app.desktop.client.profile.token
    stored = secrets.read_text(encoding="utf-8")
    assert token in stored and supervisor.webhook_secret in stored
    # Nowhere else: not in the settings, the cache, or another file of the data dir.
    assert files_containing([home.config, home.data, home.cache], token) == [secrets]

    # Settings say plainly where the sign-in is, in the operator's language.
    settings = SettingsDialog(Preferences())
    hint = settings.servers_tab.secrets_hint.text()
    assert str(secrets) in hint
    assert "leggibile solo da te" in hint and "GNOME Keyring o KWallet" in hint
    settings.deleteLater()
    assert app.quit() == 0

    # The next start signs in with what the file keeps: same operator, same token.
    again = AppUnderTest(qapp, qtbot, StartLocal(port))
    again.wait_console()
    assert again.desktop.client is not None
    assert again.desktop.client.profile.token == token
    assert again.quit() == 0


def test_signing_in_to_a_server_without_a_keyring_lasts_the_session_and_says_what_to_install(
    home, no_keyring, italian, qapp, qtbot, qt_loop
):
    with office_server(home.root / "office", free_port(), qtbot) as office:
        add_operator(office.config.database_url, "sara", PASSWORD)
        app = AppUnderTest(qapp, qtbot)
        dialog = app.wait_dialog()
        _fill(dialog, office.base_url, "Ufficio")
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        window = app.wait_console()
        message = window.status.currentMessage()
        assert message == (
            "Accesso valido solo per questa sessione, l'accesso non è salvato: su questo "
            "computer non funziona nessun portachiavi di sistema: installa GNOME Keyring o "
            "KWallet (un Secret Service) per salvare l'accesso a un server."
        )
        token = app.desktop.client.profile.token
        # A remote server's token never goes to a file, not even the local-mode one.
        assert credentials.local_secrets_file() is None
        assert files_containing([home.config, home.data, home.cache], token) == []
        # The profile is remembered (without its token): the next start asks the password.
        assert Preferences().profile("Ufficio").kind is ProfileKind.REMOTE
        assert app.quit() == 0


def test_a_server_added_without_a_keyring_opens_at_once_without_asking_twice(
    home, no_keyring, qapp, qtbot, qt_loop
):
    from sportello.client.changes import ConnectionState
    from sportello.ui.login_dialog import LoginDialog

    with (
        office_server(home.root / "milano", free_port(), qtbot) as milano,
        office_server(home.root / "roma", free_port(), qtbot) as roma,
    ):
        for office in (milano, roma):
            add_operator(office.config.database_url, "sara", PASSWORD)
        app = AppUnderTest(qapp, qtbot)
        first = app.wait_dialog()
        _fill(first, milano.base_url, "Milano")
        qtbot.mouseClick(first.connect_button, Qt.MouseButton.LeftButton)
        window = app.wait_console()

        app.desktop._add_server(window)  # menu Server -> Add a server
        qtbot.waitUntil(lambda: window.findChild(LoginDialog) is not None, timeout=30_000)
        added = window.findChild(LoginDialog)
        _fill(added, roma.base_url, "Roma")
        qtbot.mouseClick(added.connect_button, Qt.MouseButton.LeftButton)

        def roma_on_screen() -> bool:
            client = app.desktop.client
            return (
                client is not None
                and client.profile.name == "Roma"
                and client.connection_state is ConnectionState.ONLINE
            )

        qtbot.waitUntil(lambda: roma_on_screen() or app.desktop.dialog is not None, timeout=60_000)
        assert app.desktop.dialog is None  # not asked for the password a second time
        assert roma_on_screen()
        assert app.quit() == 0


def _fill(dialog: object, url: str, name: str) -> None:
    dialog.url.setText(url)  # type: ignore[attr-defined]
    dialog.username.setText("sara")  # type: ignore[attr-defined]
    dialog.password.setText(PASSWORD)  # type: ignore[attr-defined]
    dialog.profile_name.setText(name)  # type: ignore[attr-defined]


def test_only_the_local_servers_secrets_fall_back_to_the_file_and_they_move_back(home):
    from tests.support.file_keyring import FileKeyring

    keyring.set_keyring(NoKeyring())
    credentials.save_token(credentials.LOCAL_PROFILE, "local-token-1")
    assert credentials.load_token(credentials.LOCAL_PROFILE) == "local-token-1"
    with pytest.raises(credentials.CredentialsUnavailable):
        credentials.save_token("Ufficio", "remote-token")  # never to a file
    assert "remote-token" not in credentials.local_secrets_file().read_text(encoding="utf-8")

    # The keyring works again: the next write goes there and the file's copy is removed.
    keyring.set_keyring(FileKeyring(home.keyring_file))
    credentials.save_token(credentials.LOCAL_PROFILE, "local-token-2")
    assert credentials.local_secrets_file() is None
    assert credentials.load_token(credentials.LOCAL_PROFILE) == "local-token-2"
    assert credentials.delete_token(credentials.LOCAL_PROFILE) is True
