"""Screenshots of issue 13's Connect WhatsApp window (the QR code showing, then linked), the
gateway fields of local mode's first run (a wrong secret key refused) and the status bar's
way back to the window, in Italian, into docs/screenshots.

Same sample console as scripts/screenshots.py; the line reaches the client exactly as the
server pushes it (`gatewayLine`, docs/protocol.md). The QR image is the WPPConnect
simulator's (tests/fakes/wppconnect_sim): it looks like a code but scans as nothing.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_line.py
"""

from __future__ import annotations

import asyncio
import base64
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshots import OUT, build_client, save, settle, wait_for  # noqa: E402
from tests.fakes.wppconnect_sim import qr_png  # noqa: E402

from sportello.desktop.gateway_check import GatewayProblem  # noqa: E402
from sportello.ui.gateway_form import ERROR_STYLE, GatewaySetupDialog, problem_text  # noqa: E402
from sportello.ui.i18n import install_translators  # noqa: E402
from sportello.ui.main_window import MainWindow  # noqa: E402
from sportello.ui.preferences import Preferences  # noqa: E402

QR = (
    "data:image/png;base64,"
    + base64.b64encode(
        qr_png("2@Kq7bZr1xWmPq0sLd8,tY3vB6nA0cE9fH2jK5,mN8pQ1rS4uV7wX0zA3==,1")
    ).decode()
)


def _line(state: str, **fields: object) -> dict[str, object]:
    return {
        "gateway": "wppconnect",
        "session": "sportello",
        "state": state,
        "detail": "",
        "at": "2026-12-04T10:00:00.000Z",
        **fields,
    }


def gateway_setup_shot() -> None:
    """first_run_gateway.png: the gateway fields, WPPConnect's secret key refused."""
    folder = Path(tempfile.mkdtemp(prefix="sportello-shots-"))
    prefs = Preferences(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    dialog = GatewaySetupDialog(prefs)
    form = dialog.form
    form.wpp_url.setText("http://localhost:21465")
    form.wpp_secret.setText("THISISMYSECURETOKEN")
    form.show_message(
        problem_text(GatewayProblem("bad_secret", "wppconnect_secret_key"), form.settings()),
        ERROR_STYLE,
    )
    dialog.show()
    dialog.adjustSize()
    settle(200)
    save(dialog, "first_run_gateway.png")
    dialog.close()


async def line_shots() -> None:
    client = await build_client()
    client.state.set_own_role("admin")
    window = MainWindow(client)
    window.line_prompt.local = True
    window.line_prompt.gateway_url = "http://localhost:21465"
    window.resize(1440, 880)
    window.show()
    window.conversations.select_conversation("bianchi")
    await wait_for(lambda: window.thread_pane.model.rowCount() > 5)

    # The phone was unlinked: the gateway is down for everyone, the line wants a new QR.
    client.awareness.apply(
        "gatewayState",
        {
            "key": "wppconnect:sportello",
            "gateway": "wppconnect",
            "account": "sportello",
            "state": "UNPAIRED",
            "down": True,
            "at": "2026-12-04T10:00:00.000Z",
        },
    )
    client.line.apply("gatewayLine", _line("QRCODE", qr=QR))
    await asyncio.sleep(0.3)
    save(window, "connect_whatsapp_status_bar.png")
    dialog = window.line_prompt.open()
    dialog.adjustSize()
    await asyncio.sleep(0.3)
    save(dialog, "connect_whatsapp_qr.png")

    client.line.apply("gatewayLine", _line("CONNECTED", phone="390513456789"))
    await asyncio.sleep(0.3)
    save(dialog, "connect_whatsapp_linked.png")

    client.line.apply("gatewayLine", _line("CLOSED"))  # the office phone unlinked it
    await asyncio.sleep(0.3)
    save(dialog, "connect_whatsapp_unlinked.png")
    dialog.close()
    window.close()
    await client.stop()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    install_translators(app, "it")
    try:
        gateway_setup_shot()
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(line_shots())
    finally:
        install_translators(app, "en")
    return 0


if __name__ == "__main__":
    sys.exit(main())
