"""Screenshots of issue 13's sending truth, in Italian, into docs/screenshots:

- composer_cannot_send.png: the server says replies cannot go out (`deskState.canSend`:
  the office phone is not linked), so the composer says it before anyone types, with
  "Collega WhatsApp" for the administrator;
- list_failed_reply.png: two conversations whose newest reply failed, one where the
  customer wrote again after it: the red mark and "Non inviato" on both rows.

Same sample and window as scripts/screenshots.py; the server's facts are fed to the client
as they arrive on the wire (a status event, the `deskState` answer):

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_sending.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qasync
from PySide6.QtWidgets import QApplication
from screenshots import OUT, build_client, msg, save, wait_for

from sportello.client.changes import SendabilityChanged
from sportello.client.desk_records import Sendability
from sportello.domain.values import DeliveryStatus
from sportello.ui.i18n import install_translators
from sportello.ui.main_window import MainWindow


async def shots() -> None:
    client = await build_client()
    state = client.state
    state.set_own_role("admin")
    window = MainWindow(client)
    window.resize(1440, 880)
    window.show()
    window.activateWindow()
    await asyncio.sleep(0.2)

    # Anna Romano's confirmation did not go out (the number refused it) ...
    romano = msg(
        "romano",
        "Confermato giovedì alle 9: passa il tecnico Marco Ferri.",
        70,
        out=True,
        status=DeliveryStatus.SENT,
        phone="+39 328 660 1473",
    )
    state.apply_message(romano)
    state.apply_status(romano.id, DeliveryStatus.FAILED, "gateway_down", conversation_id="romano")
    # ... and Mario Rossi wrote again after a reply of ours that failed.
    rossi = msg(
        "rossi",
        "Arriviamo entro mezz'ora, nel frattempo spenga la caldaia.",
        4,
        out=True,
        status=DeliveryStatus.SENT,
        phone="+39 347 118 2290",
    )
    state.apply_message(rossi)
    state.apply_status(rossi.id, DeliveryStatus.FAILED, "line_not_linked", conversation_id="rossi")
    state.apply_message(
        msg(
            "rossi", "Pronto? Non mi avete risposto", 1, name="Mario Rossi", phone=rossi.phone or ""
        )
    )
    window.conversations.select_conversation("bianchi")
    await wait_for(lambda: window.thread_pane.model.rowCount() > 5)
    await asyncio.sleep(0.3)
    save(window.conversations, "list_failed_reply.png")

    # The office phone was unlinked: the server's deskState says no reply can go out.
    can_send = Sendability(
        False, "line_not_linked", "the WhatsApp session is not linked to a phone"
    )
    client.awareness.can_send = can_send
    state.publish(SendabilityChanged(can_send))
    window.thread_pane.view.scrollToBottom()
    await asyncio.sleep(0.3)
    save(window.thread_pane, "composer_cannot_send.png")
    window.close()
    await client.stop()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    install_translators(app, "it")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shots())
    return 0


if __name__ == "__main__":
    sys.exit(main())
