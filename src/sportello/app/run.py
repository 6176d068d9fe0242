"""`run_app`: the QApplication, the translations, the qasync loop, the tray and alerts,
the quit on a signal, and the desktop's steps run on that loop until the operator quits."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import qasync
from PySide6.QtWidgets import QApplication

from sportello.app.alerts import attach_desktop_alerts
from sportello.app.desktop import Desktop
from sportello.desktop.signal_wakeup import SignalWakeup
from sportello.ui.i18n import install_translators
from sportello.ui.preferences import Preferences

log = logging.getLogger(__name__)


def run_app(
    smoke_test: bool = False,
    profile: str | None = None,
    local: bool = False,
    minimized: bool = False,
) -> int:
    """Run the desktop app until the operator quits; returns the exit code."""
    if smoke_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _configure_logging()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Sportello")
    app.setOrganizationName("Sportello")
    # The app decides when to quit: after the client and the local server stopped cleanly,
    # not when Qt notices the last window closing (that would stop the loop under them).
    app.setQuitOnLastWindowClosed(False)
    preferences = Preferences()
    install_translators(app, preferences.language.value)
    desktop = Desktop(app, preferences, smoke_test=smoke_test, start_hidden=minimized)
    attach_desktop_alerts(desktop)  # tray, notifications and sound for every console
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wakeup = _quit_on_signals(desktop)
    try:
        with loop:
            status: int = loop.run_until_complete(desktop.run(desktop.first_step(profile, local)))
    finally:
        # The quit is done: a late signal must not turn this clean exit into a
        # KeyboardInterrupt (SIGINT) or a kill (SIGTERM) while Python tears down.
        wakeup.close(then=signal.SIG_IGN)
    return status


def _quit_on_signals(desktop: Desktop) -> SignalWakeup:
    """Ctrl+C and SIGTERM (session logout, `kill`) quit at once and cleanly, stopping the
    local server, also while a dialog waits for a click (see signal_wakeup). Exit code 0:
    a quit asked for from outside is an ordinary quit, as the server's SIGTERM drain is."""
    wakeup = SignalWakeup(parent=desktop)

    def quit_on(_signum: int) -> None:
        log.info("quitting on a signal")
        desktop.request_quit()

    wakeup.received.connect(quit_on)
    return wakeup


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
