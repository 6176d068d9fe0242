"""Screenshots of issue 8 (presence in the thread and the list, the 24-hour window, gateway
health) into docs/screenshots.

Same sample and window as scripts/screenshots.py; the server's pushes are fed to the
client's awareness exactly as they arrive on the wire (docs/protocol.md section 4):

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_awareness.py
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qasync
from PySide6.QtWidgets import QApplication
from screenshots import NOW, OUT, build_client, save, wait_for

from sportello.client.changes import ServiceWindowChanged
from sportello.client.desk_records import WindowInfo
from sportello.domain.values import iso_utc, utc_now
from sportello.ui.main_window import MainWindow


async def shots() -> None:
    client = await build_client()
    window = MainWindow(client)
    window.resize(1440, 880)
    window.show()
    window.activateWindow()
    await asyncio.sleep(0.2)
    window.conversations.select_conversation("bianchi")
    await wait_for(lambda: window.thread_pane.model.rowCount() > 5)
    window.thread_pane.view.scrollToBottom()
    awareness = client.awareness

    # A colleague has the conversation open and is writing a reply.
    awareness.apply(
        "presence",
        {
            "conversationId": "bianchi",
            "node": "n1",
            "at": iso_utc(NOW),
            "viewers": [{"id": "op-marco", "name": "Marco"}, {"id": "op-luca", "name": "Luca"}],
            "typing": [{"id": "op-marco", "name": "Marco"}],
        },
    )
    # Colleagues in other conversations: the list rows show them too.
    awareness.apply(
        "presence",
        {
            "conversationId": "rossi",
            "node": "n1",
            "at": iso_utc(NOW),
            "viewers": [{"id": "op-sara", "name": "Sara Villa"}],
            "typing": [],
        },
    )
    awareness.apply(
        "presence",
        {
            "conversationId": "condominio",
            "node": "n1",
            "at": iso_utc(NOW),
            "viewers": [{"id": "op-paolo", "name": "Paolo"}],
            "typing": [{"id": "op-paolo", "name": "Paolo"}],
        },
    )
    info = WindowInfo("meta", utc_now() - timedelta(hours=23, minutes=18))
    awareness.windows["bianchi"] = info
    client.state.publish(ServiceWindowChanged("bianchi", info))
    window.thread_pane.composer.set_text("Buongiorno, passiamo oggi pomeriggio")
    await asyncio.sleep(0.3)
    save(window, "collision_warning.png")
    save(window.thread_pane, "service_window_closing.png")
    save(window.conversations, "list_presence.png")

    # The window closed: the composer says why, and what is out of scope.
    awareness.apply(
        "presence", {"conversationId": "bianchi", "node": "n1", "viewers": [], "typing": []}
    )
    closed = WindowInfo("meta", utc_now() - timedelta(hours=25))
    awareness.windows["bianchi"] = closed
    client.state.publish(ServiceWindowChanged("bianchi", closed))
    await asyncio.sleep(0.3)
    save(window.thread_pane, "service_window_closed.png")

    # The WPPConnect session was logged out on the phone.
    awareness.apply(
        "gatewayState",
        {
            "gateway": "wppconnect",
            "account": "sportello",
            "key": "wppconnect:sportello",
            "state": "UNPAIRED",
            "down": True,
            "raw": "UNPAIRED",
            "detail": "",
            "action": "scan the QR code again",
            "at": iso_utc(NOW),
        },
    )
    await asyncio.sleep(0.3)
    save(window, "gateway_down.png")
    window.close()
    await client.stop()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shots())
    return 0


if __name__ == "__main__":
    sys.exit(main())
