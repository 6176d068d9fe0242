"""Local mode's gateway fields are checked with the gateway before they are saved, and the
local server gets them through its environment: the real dialog against the strict
WPPConnect simulator and a Graph API stand-in, the real keyring (a file backend)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sportello.desktop import credentials
from sportello.desktop.local_gateway import (
    GatewayKind,
    GatewaySecrets,
    GatewaySettings,
    load_secrets,
    server_env,
)
from sportello.desktop.local_operator import ensure_webhook_secret
from sportello.desktop.local_server import LocalServerConfig, LocalServerSupervisor
from sportello.ui.gateway_form import GatewaySetupDialog
from sportello.ui.i18n import install_translators
from sportello.ui.preferences import Preferences
from sportello.ui.settings_dialog import SettingsDialog
from tests.desktop_integration.app_driver import run
from tests.desktop_integration.local_harness import files_containing
from tests.fakes.wppconnect_sim import WppConnectSim
from tests.support.ports import free_port

pytestmark = pytest.mark.timeout(120)
SECRET = "k3y-of-this-office-7f1c"
NUMBER_ID = "109876543210987"
GOOD_TOKEN = "EAAG-good-token"


@pytest.fixture(autouse=True)
def italian(qapp: QApplication) -> Iterator[None]:
    install_translators(qapp, "it")
    yield
    install_translators(qapp, "en")


@pytest.fixture
def sim() -> Iterator[WppConnectSim]:
    with WppConnectSim.start_in_thread(secret_key=SECRET) as running:
        yield running


def _settings_file() -> Path:
    return Path(Preferences().settings.fileName())


def _submit(qtbot: QtBot, dialog: GatewaySetupDialog) -> str:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.form.busy, timeout=20_000)
    return dialog.form.message.text()


def test_a_wrong_secret_key_is_refused_in_italian_and_nothing_is_saved(
    home: Any, qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sim: WppConnectSim
) -> None:
    dialog = GatewaySetupDialog(Preferences())
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    assert form.chosen_kind is GatewayKind.WPPCONNECT  # offered first on a first run
    form.wpp_url.setText(sim.url + "/")
    form.wpp_secret.setText("THISISMYSECURETOKEN")  # WPPConnect's default, not this office's
    said = _submit(qtbot, dialog)
    assert said == (
        "La chiave segreta di WPPConnect non è corretta: copia SECRET_KEY dalla "
        "configurazione di WPPConnect Server."
    )
    assert dialog.isVisible() and form.wpp_secret.hasFocus()
    assert Preferences().local_gateway().kind is GatewayKind.NONE
    assert load_secrets().wppconnect_secret_key == ""

    # Typed again right: checked with the gateway, then kept (the key in the keyring only).
    form.wpp_secret.setText(SECRET)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = Preferences().local_gateway()
    assert saved == GatewaySettings(GatewayKind.WPPCONNECT, sim.url, "sportello")
    assert credentials.load_secret("local-gateway-wppconnect-secret-key") == SECRET
    assert SECRET not in _settings_file().read_text(encoding="utf-8")
    assert files_containing([home.config, home.data, home.cache], SECRET) == []


def test_an_address_where_nothing_or_something_else_answers_is_named(
    home: Any, qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sim: WppConnectSim
) -> None:
    dialog = GatewaySetupDialog(Preferences())
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    nothing = f"127.0.0.1:{free_port()}"
    form.wpp_url.setText(nothing)  # typed without http://
    form.wpp_secret.setText(SECRET)
    assert _submit(qtbot, dialog) == (
        f"WPPConnect Server non risponde all'indirizzo http://{nothing}: controlla "
        "l'indirizzo e che sia avviato."
    )
    form.wpp_url.setText(sim.url + "/api")  # something answers, but not with WPPConnect's API
    assert _submit(qtbot, dialog).endswith(
        "risponde, ma non è WPPConnect Server: controlla l'indirizzo e la porta."
    )
    form.wpp_url.setText("")
    assert _submit(qtbot, dialog) == "Inserisci l'indirizzo di WPPConnect Server."
    assert form.wpp_url.hasFocus()
    form.wpp_url.setText(sim.url)
    form.wpp_session.setText("ufficio centrale")
    assert _submit(qtbot, dialog) == (
        "Il nome della sessione può contenere solo lettere, cifre, - e _."
    )
    assert Preferences().local_gateway().kind is GatewayKind.NONE


async def _graph(request: web.Request) -> web.Response:
    """Meta's Graph API for one phone number id: 200 with the right token, 401 otherwise."""
    if request.headers.get("Authorization") != f"Bearer {GOOD_TOKEN}":
        return web.json_response(
            {
                "error": {
                    "message": "Invalid OAuth access token.",
                    "type": "OAuthException",
                    "code": 190,
                    "fbtrace_id": "AbC",
                }
            },
            status=401,
        )
    if request.match_info["number"] != NUMBER_ID:
        return web.json_response(
            {
                "error": {
                    "message": "Unsupported get request.",
                    "type": "GraphMethodException",
                    "code": 100,
                    "fbtrace_id": "AbD",
                }
            },
            status=400,
        )
    return web.json_response(
        {"id": NUMBER_ID, "display_phone_number": "+39 051 345 6789", "verified_name": "Ufficio"}
    )


async def _start_graph() -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_get("/v20.0/{number}", _graph)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/v20.0"


def test_the_cloud_api_token_is_checked_with_the_graph_api(
    home: Any, qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop
) -> None:
    runner, graph = run(qtbot, _start_graph())
    try:
        prefs = Preferences()
        prefs.save_local_gateway(GatewaySettings(meta_graph_url=graph))  # tests' Graph API
        dialog = GatewaySetupDialog(prefs)
        qtbot.addWidget(dialog)
        dialog.show()
        form = dialog.form
        form.kind.setCurrentIndex(form.kind.findData(GatewayKind.CLOUD_API.value))
        assert form.meta_number.isVisible() and not form.wpp_url.isVisible()
        form.meta_number.setText(NUMBER_ID)
        form.meta_token.setText("EAAG-expired")
        form.meta_app_secret.setText("app-secret-1")
        assert _submit(qtbot, dialog) == "Inserisci il verify token del webhook di Meta."
        form.meta_verify.setText("verify-1")
        assert _submit(qtbot, dialog).startswith("Meta ha rifiutato l'access token")
        form.meta_token.setText(GOOD_TOKEN)
        form.meta_number.setText("123456789")
        assert _submit(qtbot, dialog).startswith("Meta non conosce questo Phone number ID")
        form.meta_number.setText(NUMBER_ID)
        with qtbot.waitSignal(dialog.accepted, timeout=20_000):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        kept = load_secrets()
        assert (kept.meta_access_token, kept.meta_app_secret, kept.meta_verify_token) == (
            GOOD_TOKEN,
            "app-secret-1",
            "verify-1",
        )
        assert Preferences().local_gateway().meta_phone_number_id == NUMBER_ID
        assert GOOD_TOKEN not in _settings_file().read_text(encoding="utf-8")
    finally:
        run(qtbot, runner.cleanup())


def test_settings_save_only_what_the_gateway_accepted(
    home: Any, qtbot: QtBot, qt_loop: asyncio.AbstractEventLoop, sim: WppConnectSim
) -> None:
    dialog = SettingsDialog(Preferences())
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.gateway_form
    form.kind.setCurrentIndex(form.kind.findData(GatewayKind.WPPCONNECT.value))
    form.wpp_url.setText(sim.url)
    form.wpp_secret.setText("wrong")
    dialog.quiet_hours.setChecked(not dialog.quiet_hours.isChecked())
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.busy and form.message.isVisible(), timeout=20_000)
    assert form.message.text().startswith("La chiave segreta di WPPConnect non è corretta")
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 2
    assert Preferences().local_gateway().kind is GatewayKind.NONE
    assert Preferences().notifications().quiet_hours is False  # nothing saved at all

    form.wpp_secret.setText(SECRET)
    with qtbot.waitSignals([dialog.gateway_changed, dialog.accepted], timeout=20_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert Preferences().local_gateway().kind is GatewayKind.WPPCONNECT
    assert Preferences().notifications().quiet_hours is True
    assert credentials.load_secret("local-gateway-wppconnect-secret-key") == SECRET

    # Opened again: the key is not shown back, and an untouched form saves without a check.
    again = SettingsDialog(Preferences())
    qtbot.addWidget(again)
    assert again.gateway_form.wpp_secret.text() == ""
    assert again.gateway_form.wpp_url.text() == sim.url and not again.gateway_form.dirty


async def test_the_local_server_gets_the_gateway_in_its_environment_never_on_argv(home):
    port = free_port()
    base_url = LocalServerConfig(data_dir=home.app_data, port=port).base_url
    settings = GatewaySettings(GatewayKind.WPPCONNECT, "http://127.0.0.1:21465", "ufficio")
    env = server_env(settings, GatewaySecrets(wppconnect_secret_key=SECRET), base_url)
    config = LocalServerConfig(data_dir=home.app_data, port=port, extra_env=env)
    supervisor = LocalServerSupervisor(config, ensure_webhook_secret())
    await supervisor.start()
    try:
        pid = supervisor.pid
        assert pid is not None
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert not any(SECRET.encode() in arg for arg in argv)
        given = dict(
            item.split(b"=", 1)
            for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            if b"=" in item
        )
        assert given[b"SPORTELLO_WPPCONNECT_SECRET_KEY"] == SECRET.encode()
        assert given[b"SPORTELLO_WPPCONNECT_URL"] == b"http://127.0.0.1:21465"
        assert given[b"SPORTELLO_WPPCONNECT_SESSION"] == b"ufficio"
        assert given[b"SPORTELLO_PUBLIC_URL"] == f"http://127.0.0.1:{port}".encode()
        assert files_containing([home.config, home.data], SECRET) == []  # not in its log either
    finally:
        await supervisor.stop()
