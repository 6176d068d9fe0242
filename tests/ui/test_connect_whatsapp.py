"""The Connect WhatsApp panel as an administrator (and an operator) sees it, state by state,
in Italian: real widgets over the real line record keeper, fed `gatewayLine` events."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sportello.client.changes import ConnectionState
from sportello.client.line_state import WhatsAppLine
from sportello.client.rest import RestApi
from sportello.ui.connect_whatsapp import ConnectWhatsAppDialog, ConnectWhatsAppPanel, qr_pixmap
from sportello.ui.i18n import install_translators
from sportello.ui.main_window import MainWindow
from tests.fakes.wppconnect_sim import qr_png
from tests.support.fake_line_server import FakeLineServer, line
from tests.ui.fake_client import FakeClient

QR = "data:image/png;base64," + base64.b64encode(qr_png("2@abc,def,ghi")).decode()


@pytest.fixture(autouse=True)
def italian(qapp: QApplication) -> Iterator[None]:
    install_translators(qapp, "it")
    yield
    install_translators(qapp, "en")


def _run(qtbot: QtBot, coroutine: Coroutine[Any, Any, Any]) -> Any:
    task = asyncio.ensure_future(coroutine)
    qtbot.waitUntil(task.done, timeout=10_000)
    return task.result()


def _panel(client: FakeClient, qtbot: QtBot, **kw: Any) -> ConnectWhatsAppPanel:
    panel = ConnectWhatsAppPanel(client.line, client.state, **kw)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def _admin(client: FakeClient) -> FakeClient:
    client.state.set_own_role("admin")
    return client


def test_an_admin_sees_the_qr_code_large_and_sharp_with_the_steps(
    client: FakeClient, qtbot: QtBot
) -> None:
    panel = _panel(_admin(client), qtbot)
    client.line.apply("gatewayLine", line("QRCODE", qr=QR))
    assert panel.headline.text() == "Inquadra questo codice con il telefono dell'ufficio"
    steps = panel.steps.text()
    assert (
        "Apri WhatsApp sul telefono dell'ufficio &gt; Dispositivi collegati &gt; "
        "Collega un dispositivo" in steps
    )
    assert "Inquadra questo codice" in steps
    shown = panel.picture.pixmap()
    assert not shown.isNull() and shown.width() / shown.devicePixelRatio() >= 240
    assert panel.new_code.isHidden() and not panel.advice.isHidden()
    assert "webhook.readMessage" in panel.advice.text()


def test_the_code_is_scaled_by_whole_pixels_so_every_module_stays_black_or_white() -> None:
    small = qr_png("2@abc", scale=2)  # 2 px a module: too small to scan across a desk
    url = "data:image/png;base64," + base64.b64encode(small).decode()
    modules = QImage.fromData(small).width() // 2
    pixmap = qr_pixmap(url, 300)
    assert pixmap is not None and pixmap.width() == modules * (300 // modules)
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    big = QImage.fromData(small).convertToFormat(QImage.Format.Format_Grayscale8)
    step = 300 // modules
    for y in range(image.height()):  # every module is step x step pixels of its own colour
        for x in range(image.width()):
            assert (
                image.pixelColor(x, y).value()
                == big.pixelColor(x // step * 2, y // step * 2).value()
            )
    assert qr_pixmap("data:image/png;base64,not-an-image", 300) is None


def test_a_linked_line_says_collegato_with_the_number(client: FakeClient, qtbot: QtBot) -> None:
    panel = _panel(_admin(client), qtbot)
    client.line.apply("gatewayLine", line("CONNECTED", phone="393331234567"))
    assert panel.headline.text() == "Collegato"
    assert panel.number.isVisible() and panel.number.text() == "+39 333 123 4567"
    assert panel.explanation.text().startswith("I messaggi dei clienti arrivano in Sportello")
    assert panel.picture.pixmap().isNull() and panel.picture.text() == "✓"
    assert panel.steps.isHidden() and panel.new_code.isHidden()


@pytest.mark.parametrize(
    ("wire", "headline", "explanation"),
    [
        (
            line("BAD_SECRET"),
            "La chiave segreta di WPPConnect non è corretta",
            "Correggila in Impostazioni > Server locale",
        ),
        (
            line("UNREACHABLE"),
            "Il server WPPConnect non è raggiungibile",
            "Il server di Sportello non riceve risposta da WPPConnect Server all'indirizzo "
            "http://localhost:21465: controlla che sia avviato.",
        ),
        (
            line("NOT_CONFIGURED"),
            "Nessun gateway WhatsApp configurato",
            "Inserisci indirizzo, sessione e chiave segreta di WPPConnect Server",
        ),
        (line("STARTING"), "Avvio della sessione WhatsApp…", "WPPConnect Server sta aprendo"),
        (line("PHONECODE", phoneCode="ABCD-EFGH"), "Inserisci questo codice sul telefono", ""),
        (line("NEWER_STATE"), "La linea WhatsApp è in uno stato che questa versione", ""),
    ],
)
def test_each_state_of_the_line_says_what_is_wrong_and_what_to_do(
    client: FakeClient, qtbot: QtBot, wire: dict[str, Any], headline: str, explanation: str
) -> None:
    panel = _panel(_admin(client), qtbot, local=True, gateway_url="http://localhost:21465")
    client.line.apply("gatewayLine", wire)
    assert panel.headline.text().startswith(headline)
    assert panel.explanation.text().startswith(explanation)
    assert "detail" not in panel.explanation.text()  # the server's English stays in the log
    assert panel.new_code.isHidden()
    assert panel.code.isVisible() == (wire["state"] == "PHONECODE")
    if wire["state"] == "PHONECODE":
        assert panel.code.text() == "ABCD-EFGH"
        assert "Collega con il numero di telefono" in panel.steps.text()


def test_an_operator_is_told_to_ask_an_administrator(client: FakeClient, qtbot: QtBot) -> None:
    client.state.set_own_role("operator")
    client.line.apply("gatewayLine", line("QRCODE", qr=QR))  # never sent to them anyway
    panel = _panel(client, qtbot)
    assert panel.headline.text() == "Solo un amministratore può collegare WhatsApp"
    assert panel.explanation.text().startswith("Chiedi a un amministratore")
    assert panel.picture.pixmap().isNull()


def test_new_code_asks_the_server_and_the_qr_follows(client: FakeClient, qtbot: QtBot) -> None:
    server = _run(qtbot, FakeLineServer().start())
    rest = RestApi(server.url, "admin-token")
    try:
        client.line = WhatsAppLine(client.state, rest)
        panel = _panel(_admin(client), qtbot)
        client.line.apply("gatewayLine", line("CLOSED"))
        assert panel.headline.text() == "La sessione WhatsApp è chiusa"
        assert panel.new_code.isVisible() and panel.new_code.text() == "Nuovo codice"
        panel.new_code.click()
        assert not panel.new_code.isEnabled()  # one request at a time
        qtbot.waitUntil(lambda: panel.headline.text() == "Avvio della sessione WhatsApp…")
        assert [r[:2] for r in server.requests] == [("POST", "/api/gateway/line/start")]
        client.line.apply("gatewayLine", line("QRCODE", qr=QR))
        assert not panel.picture.pixmap().isNull()

        # A refusal says why, in Italian, and the panel stays as it was.
        client.line.apply("gatewayLine", line("CLOSED"))
        server.start_refusal = (409, "line_not_managed")
        panel.new_code.click()
        qtbot.waitUntil(panel.error.isVisible)
        assert panel.error.text().startswith("Non è possibile chiedere un nuovo codice: ")
        assert panel.new_code.isEnabled()
    finally:
        _run(qtbot, rest.close())
        _run(qtbot, server.stop())


def test_the_panel_reads_the_line_itself_when_it_opens_and_nothing_is_known(
    client: FakeClient, qtbot: QtBot
) -> None:
    server = _run(qtbot, FakeLineServer().start())
    rest = RestApi(server.url, "t")
    try:
        server.line = line("QRCODE", qr=QR)
        client.line = WhatsAppLine(client.state, rest)
        _admin(client).state.connection_state = ConnectionState.ONLINE
        panel = _panel(client, qtbot)
        assert panel.headline.text() == "Lettura dello stato di WhatsApp…"
        qtbot.waitUntil(lambda: not panel.picture.pixmap().isNull())
        server.offered = False
        client.line.info = None
        other = _panel(client, qtbot)
        qtbot.waitUntil(
            lambda: other.headline.text() == "Questo server non può collegare WhatsApp da Sportello"
        )
    finally:
        _run(qtbot, rest.close())
        _run(qtbot, server.stop())


def test_a_phone_that_unlinks_brings_the_panel_back(client: FakeClient, qtbot: QtBot) -> None:
    window = MainWindow(_admin(client))
    qtbot.addWidget(window)
    window.show()
    prompt = window.line_prompt
    client.line.apply("gatewayLine", line("QRCODE", qr=QR))
    assert prompt.button.isVisible()
    assert prompt.button.text() == "WhatsApp non collegato: collegalo"
    assert prompt.dialog is None
    dialog = prompt.open()
    client.line.apply("gatewayLine", line("CONNECTED", phone="393331234567"))
    assert dialog.panel.headline.text() == "Collegato"
    assert not prompt.button.isVisible()
    dialog.reject()
    qtbot.waitUntil(lambda: prompt.dialog is None)

    client.line.apply("gatewayLine", line("CLOSED"))  # the phone removed the linked device
    qtbot.waitUntil(lambda: isinstance(prompt.dialog, ConnectWhatsAppDialog))
    assert prompt.dialog is not None and prompt.dialog.isVisible()
    panel = prompt.dialog.panel
    assert panel.explanation.text().startswith(
        "Il telefono dell'ufficio ha scollegato questo dispositivo"
    )
    assert panel.new_code.isVisible() and prompt.button.isVisible()
    window.close()


def test_an_operator_console_offers_connect_whatsapp_only_while_a_gateway_is_down(
    client: FakeClient, qtbot: QtBot
) -> None:
    client.state.set_own_role("operator")
    window = MainWindow(client)
    qtbot.addWidget(window)
    window.show()
    assert not window.line_prompt.button.isVisible()
    client.awareness.apply(
        "gatewayState",
        {"key": "wppconnect:sportello", "gateway": "wppconnect", "state": "UNPAIRED", "down": True},
    )
    assert window.line_prompt.button.isVisible()
    assert window.line_prompt.button.text() == "Collega WhatsApp"  # the warning says why
    dialog = window.line_prompt.open()
    assert dialog.panel.headline.text() == "Solo un amministratore può collegare WhatsApp"
    window.close()
