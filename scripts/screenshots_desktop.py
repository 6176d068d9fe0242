"""Screenshots of the tray menu and of native notifications, in Italian, on a private
Xvfb desktop with trayer (tray host) and dunst (notification daemon):

    .venv/bin/python scripts/screenshots_desktop.py   ->  docs/screenshots/tray_menu.png,
                                                         docs/screenshots/notification.png

The outer run starts the desktop (tests/desktop/desktop_session.py) and runs itself again
inside it; the inner run shows the real TrayIcon menu and sends real Notify calls through
the app's FreedesktopNotifier, then grabs the screen.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # tests.desktop: the private desktop


def outer() -> int:
    from tests.desktop.desktop_session import DesktopSession, missing_binaries

    if missing_binaries():
        print(f"screenshots_desktop: missing {missing_binaries()}", file=sys.stderr)
        return 1
    session = DesktopSession(Path(tempfile.mkdtemp(prefix="sportello-shots-")))
    session.start()
    try:
        env = session.env(audio=False)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
        env["LANG"] = "it_IT.UTF-8"
        return subprocess.run(
            [sys.executable, __file__, "--inside"], env=env, check=False
        ).returncode
    finally:
        session.stop()


async def inside() -> int:
    from PySide6.QtCore import QCoreApplication, QPoint, QRect
    from PySide6.QtGui import QGuiApplication

    from sportello.domain.values import Priority
    from sportello.ui.alert_resources import icon_files
    from sportello.ui.labels import priority_label
    from sportello.ui.notifications.base import NotificationView
    from sportello.ui.notifications.freedesktop import FreedesktopNotifier
    from sportello.ui.tray import TrayIcon

    def tr(text: str, n: int = -1) -> str:
        return QCoreApplication.translate("DesktopAlerts", text, "", n)

    OUT.mkdir(parents=True, exist_ok=True)
    screen = QGuiApplication.primaryScreen()
    tray = TrayIcon()
    tray.set_server_status(QCoreApplication.translate("", "Local server: running"))
    tray.show()
    tray.set_summary(4, True)
    await asyncio.sleep(1.0)
    geometry = tray.tray.geometry()
    # Right under the tray icon, as a click on it would open it.
    anchor = QPoint(geometry.right() - tray.menu.sizeHint().width(), geometry.bottom() + 3)
    tray.menu.popup(anchor)
    await asyncio.sleep(0.8)
    menu = tray.menu.geometry()
    area = QRect(
        menu.left() - 20, 0, screen.geometry().width() - menu.left() + 20, menu.bottom() + 20
    ).intersected(screen.geometry())
    shot = screen.grabWindow(0, area.x(), area.y(), area.width(), area.height())
    shot.save(str(OUT / "tray_menu.png"))
    print(f"tray icon at {geometry.getRect()}, menu at {menu.getRect()}")
    tray.menu.hide()

    notifier = FreedesktopNotifier()
    if not await notifier.start():
        print("screenshots_desktop: no notification daemon", file=sys.stderr)
        return 1
    urgent_icon = next(f for f in icon_files(alert=True) if f.stem.endswith("-128"))
    icon = next(f for f in icon_files() if f.stem.endswith("-128"))
    title = (
        tr("New ticket #%1 (%2): %3")
        .replace("%1", "27")
        .replace("%2", priority_label(Priority.URGENT))
        .replace("%3", "Anna Bianchi")
    )
    notifier.show(
        NotificationView(
            "a",
            title,
            "Aiuto, allagamento in cantina, venite subito",
            True,
            urgent_icon,
            tr("Open"),
            tr("Mark as read"),
        )
    )
    await asyncio.sleep(0.3)
    burst = tr("%n new messages from %1", 3).replace("%1", "Mario Rossi")
    notifier.show(
        NotificationView(
            "b",
            burst,
            "Ci siete? Sono davanti al negozio",
            False,
            icon,
            tr("Open"),
            tr("Mark as read"),
        )
    )
    await asyncio.sleep(1.2)
    width = screen.geometry().width()
    shot = screen.grabWindow(0, width - 420, 0, 420, 260)
    shot.save(str(OUT / "notification.png"))
    notifier.stop()
    tray.hide()
    print(f"screenshots_desktop: wrote {OUT / 'tray_menu.png'} and {OUT / 'notification.png'}")
    return 0


def run_inside() -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    from sportello.ui.i18n import install_translators

    app = QApplication(sys.argv)
    app.setApplicationName("Sportello")
    install_translators(app, "it")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return int(loop.run_until_complete(inside()))


if __name__ == "__main__":
    raise SystemExit(run_inside() if "--inside" in sys.argv else outer())
