"""seed_profile.png and seed_sign_in.png: the app signed in to the stand-in seed back end.

The stand-in is tests/interop/node/seed_server.js, which behaves as the seed's code does
(../shared/SEED_BACKEND.md): texts come as WPPConnect's `chat`, newMessage goes to ADMIN
rooms, markAsRead is never acked. The sign-in goes through the real dialog (email,
password, then the 2FA code the seed asks for) and the window through the real client:
nothing here is faked but the customers, who write through the stand-in's provider.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_seed.py   (needs Node 18+)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.interop: the Node harness (npm ci, line protocol)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from tests.interop.interop_node import (  # noqa: E402
    NodeClient,
    SeedServer,
    ensure_node_package,
    find_node_tools,
    wppconnect_message,
)

from sportello.client.api import SportelloClient  # noqa: E402
from sportello.client.changes import ProtocolProfile  # noqa: E402
from sportello.desktop import credentials  # noqa: E402
from sportello.ui.login_dialog import LoginDialog, RemoteLogin  # noqa: E402
from sportello.ui.main_window import MainWindow  # noqa: E402
from sportello.ui.preferences import Preferences  # noqa: E402
from sportello.ui.tasks import TaskRunner  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
MARIO = "+393331234567"
Save = Callable[[QWidget, str], Path]

# Unread rows in the seed's database when the console signs in (its unreadMessages).
STORED = [
    {
        "id": "cm1a0001",
        "phoneNumber": "393331234567",
        "senderName": "Mario Rossi",
        "type": "chat",
        "message": "Buongiorno, avete ricevuto il mio messaggio?",
        "minutes_ago": 14,
    },
    {
        "id": "cm1a0002",
        "phoneNumber": "393479876543",
        "senderName": "Lucia Bianchi",
        "type": "chat",
        "message": "Perdita d'acqua sotto il lavello, potete venire oggi? 🙏",
        "minutes_ago": 9,
    },
    {
        "id": "cm1a0003",
        "phoneNumber": "393401122334",
        "senderName": "Ferramenta Colombo",
        "type": "chat",
        "message": "Vi mando la foto del contatore appena posso",
        "minutes_ago": 40,
    },
    {
        "id": "cm1a0004",
        "phoneNumber": "393283344556",
        "senderName": "Anna Romano",
        "type": "ptt",
        "message": "",
        "minutes_ago": 55,
    },
]


async def wait_for(predicate: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the seed screenshots never reached: {what}")
        await asyncio.sleep(0.02)


def _rows() -> list[dict[str, object]]:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    rows = []
    for stored in STORED:
        row = {k: v for k, v in stored.items() if k != "minutes_ago"}
        row["timestamp"] = (now - timedelta(minutes=float(str(stored["minutes_ago"])))).isoformat()
        rows.append(row)
    return rows


async def _sign_in(seed: SeedServer, save: Save, folder: Path) -> RemoteLogin:
    prefs = Preferences(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    dialog = LoginDialog(prefs, allow_local=False)
    dialog.show()
    _, email, password = SeedServer.TWO_FACTOR
    dialog.url.setText(seed.url)
    dialog.username.setText(email)
    dialog.password.setText(password)
    dialog.profile_name.setText("Richiesta Assistenza")
    dialog.start_login()
    await wait_for(
        lambda: dialog.two_factor_asked and dialog.connect_button.isEnabled(),
        "the seed asking for the 2FA code",
    )
    dialog.adjustSize()
    QCoreApplication.processEvents()
    save(dialog, "seed_sign_in.png")
    dialog.two_factor.setText(SeedServer.TWO_FACTOR_CODE)
    dialog.start_login()
    await wait_for(lambda: dialog.outcome is not None, "the sign-in")
    dialog.close()
    assert isinstance(dialog.outcome, RemoteLogin)
    return dialog.outcome


async def seed_shots(save: Save) -> None:
    """Sign in to a fresh stand-in seed, let customers write, grab the window."""
    node, npm = find_node_tools()
    ensure_node_package(npm)
    seed = SeedServer(node)
    folder = Path(tempfile.mkdtemp(prefix="sportello-seed-shots-"))
    saved_token = credentials.save_token
    # A picture, not an install: the token stays in memory, not in the user's keyring.
    credentials.save_token = lambda _name, _token: None  # type: ignore[assignment]
    colleague: NodeClient | None = None
    try:
        seed.set_unread(_rows())
        signed_in = await _sign_in(seed, save, folder)
        client = SportelloClient(signed_in.profile, folder / "cache.sqlite3")
        runner = TaskRunner()
        window = MainWindow(client, runner)
        window.resize(1440, 880)
        await client.start()
        window.show()
        window.activateWindow()
        await wait_for(lambda: client.protocol_profile is ProtocolProfile.SEED, "seed profile")
        await wait_for(lambda: len(client.state.conversations) == 4, "the seed's unread rows")
        # Mario writes again while the console is open: newMessage (and its messageUpdate).
        seed.incoming(
            wppconnect_message(
                "La caldaia è in blocco e non si accende, abbiamo due bambini piccoli in casa!"
            )
        )
        photo = "https://media.example.invalid/e04.jpg"
        seed.incoming(
            wppconnect_message(
                "", kind="image", caption="Il display dice E04", deprecatedMms3Url=photo
            )
        )
        await wait_for(
            lambda: (
                client.state.conversation(MARIO) is not None
                and client.state.conversation(MARIO).unread_count == 3
            ),  # type: ignore[union-attr]
            "Mario's live messages",
        )
        # A colleague of the seed types: the seed says only who, never where.
        colleague = NodeClient(node, seed.url, user_id=SeedServer.SUPER_ADMIN[0])
        colleague.wait_event("authenticated")
        colleague.emit(
            "typing", {"to": signed_in.profile.user_id, "userId": SeedServer.SUPER_ADMIN[0]}
        )
        await wait_for(lambda: window.status.operators_typing_label.isVisible(), "typing")
        window.activateWindow()
        window.conversations.select_conversation(MARIO)
        await wait_for(lambda: window.thread_pane.model.rowCount() == 3, "Mario's thread")
        await wait_for(
            lambda: client.state.conversation(MARIO).unread_count == 0,  # type: ignore[union-attr]
            "the seed's messageRead for Mario",
        )
        await asyncio.sleep(0.3)  # let the avatars and the read marker paint
        save(window, "seed_profile.png")
        window.close()
        await client.stop()
    finally:
        credentials.save_token = saved_token  # type: ignore[assignment]
        if colleague is not None:
            colleague.stop()
        seed.stop()


def save_png(widget: QWidget, name: str) -> Path:
    path = OUT / name
    widget.grab().save(str(path))
    print(path.relative_to(ROOT))
    return path


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(seed_shots(save_png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
