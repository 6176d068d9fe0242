"""Screenshot of the profile switcher (several servers at once) into docs/screenshots, in Italian.

Same sample and window as scripts/screenshots.py; three server profiles are connected
(one on screen, one in the background with unread messages, one reconnecting) and a
fourth is saved but not connected:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_profiles.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qasync
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication
from screenshots import OUT, ROOT, build_client, wait_for

from sportello.client.changes import ConnectionState
from sportello.ui.background_profiles import ConnectedProfiles
from sportello.ui.console_menus import ConsoleMenus
from sportello.ui.i18n import install_translators
from sportello.ui.main_window import MainWindow
from sportello.ui.preferences import ProfileRecord
from sportello.ui.profile_switcher import ProfileSwitcher

FRONT = "Idraulica Brambilla"
PROFILES = [
    ProfileRecord(FRONT, "https://sportello.idraulica-brambilla.it", "giulia", "op-giulia"),
    ProfileRecord("Ufficio Milano", "https://milano.idraulica-brambilla.it", "giulia", "7"),
    ProfileRecord("Cantiere Bergamo", "http://10.0.0.5:3200", "giulia", "4"),
    ProfileRecord("Magazzino", "http://192.168.1.10:3200", "giulia", "2"),
]


async def shots() -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translators(app, "it")
    front = await build_client()
    milano = await build_client()
    bergamo = await build_client()
    # The background profiles have read some of their conversations: different badges.
    for conv in list(milano.state.conversations)[:2]:
        for message_id in milano.state.unread_ids(conv.id):
            milano.state.apply_read(message_id, cascade=False)
    for conv in list(bergamo.state.conversations):
        for message_id in bergamo.state.unread_ids(conv.id):
            bergamo.state.apply_read(message_id, cascade=False)
    bergamo.state.set_connection(ConnectionState.RECONNECTING, "server non raggiungibile", 8.0)
    connected = ConnectedProfiles()
    for name, client in ((FRONT, front), ("Ufficio Milano", milano), ("Cantiere Bergamo", bergamo)):
        connected.add(name, client)
    connected.set_foreground(FRONT)

    window = MainWindow(front)
    window.setWindowTitle(f"Sportello: {FRONT}")
    ConsoleMenus(window, PROFILES, FRONT, local=False)
    switcher = ProfileSwitcher(window, connected, PROFILES, FRONT)
    window.resize(1440, 880)
    window.show()
    window.activateWindow()
    await asyncio.sleep(0.2)
    window.conversations.select_conversation("bianchi")
    await wait_for(lambda: window.thread_pane.model.rowCount() > 5)
    window.thread_pane.view.scrollToBottom()
    await asyncio.sleep(0.4)  # the switcher folds changes for 50 ms before repainting
    print("badges:", [switcher.button_text(p.name) for p in PROFILES])
    # The top of the window: menu bar, the switcher and the first conversations.
    top = window.grab(QRect(0, 0, 1100, 330))
    path = OUT / "profile_switcher.png"
    top.save(str(path))
    print(path.relative_to(ROOT))
    window.close()
    for client in (front, milano, bergamo):
        await client.stop()
    install_translators(app, "en")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shots())
    return 0


if __name__ == "__main__":
    sys.exit(main())
