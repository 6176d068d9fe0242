"""The console with desktop alerts, as a child process on the test's desktop session.

It prints one JSON object per line on stdout (ready, tray, sound, opened, ...) and obeys
one-word commands on stdin (hide, show, pause, resume, quiet, noquiet, quit). A separate
process because the test run's own QApplication is offscreen: this one needs X11 (xcb),
the session bus and the tray.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState, SyncStateChanged
from sportello.client.records import ServerProfile
from sportello.ui.desktop_alerts import install_desktop_alerts, local_now
from sportello.ui.i18n import install_translators
from sportello.ui.main_window import MainWindow
from sportello.ui.preferences import NotificationPreferences, Preferences


def report(event: str, **data: Any) -> None:
    # "t": when it happened, for bench/escalation_latency.py (the same machine's clock).
    print(json.dumps({"event": event, **data, "t": time.time()}), flush=True)


async def main(args: argparse.Namespace, app: QApplication) -> int:
    settings = QSettings(str(args.settings), QSettings.Format.IniFormat)
    preferences = Preferences(settings)
    # What the operator would choose in Settings > Notifications (the re-alert intervals).
    preferences.save_notifications(
        NotificationPreferences(
            volume=60,
            remind_urgent=args.remind_urgent,
            remind_high=args.remind_high,
            urgent_ignores_quiet=not args.urgent_keeps_quiet,
        )
    )
    profile = ServerProfile(args.url, args.token, args.user_id, "desktop test")
    client = SportelloClient(profile, args.cache)
    window = MainWindow(client)
    await client.start()
    window.show()
    alerts = install_desktop_alerts(app, window, client, preferences)
    assert alerts.choice_task is not None
    notifier = await alerts.choice_task
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    last_tray: list[tuple[object, ...]] = [()]

    def tray_changed() -> None:
        tray = alerts.tray
        current = (tray.unread, tray.alert, tray.gateway_down, tray.tooltip())
        if current != last_tray[0]:
            last_tray[0] = current
            image = tray.icon_image
            corner = image.pixelColor(image.width() - 4, image.height() - 4).name()
            top_left = image.pixelColor(image.width() // 4, image.height() // 3).name()
            report(
                "tray",
                unread=current[0],
                alert=current[1],
                corner=corner,
                gateway_down=tray.gateway_down,
                top_left=top_left,
                waiting=tray.waiting_text,
                tooltip=tray.tooltip(),
            )

    alerts.tray.changed.connect(tray_changed)
    tray_changed()
    alerts.reminder_shown.connect(
        lambda ticket, count: report("reminder", ticket=ticket, count=count)
    )
    alerts.burst_shown.connect(lambda tickets: report("burst", tickets=tickets))
    alerts.gateway_warned.connect(lambda key: report("gateway_warned", key=key))
    alerts.sound.played.connect(lambda cue: report("sound", cue=cue))
    play = alerts.sound.play

    def chime(cue: Any) -> bool:
        # Every chime asked for, even one that restarts a chime still ringing ("sound"
        # reports only what the audio device started).
        report("chime", cue=cue.value)
        return play(cue)

    alerts.sound.play = chime  # type: ignore[method-assign]
    alerts.sound.unavailable.connect(
        lambda cue: report("sound_unavailable", cue=cue, why=alerts.sound.broken.get(cue))
    )
    notifier.shown.connect(lambda key: report("shown", key=key))

    def opened(key: str) -> None:
        conversation = getattr(window, "_open_id", None)
        conv = client.state.conversation(conversation) if conversation else None
        report(
            "opened",
            key=key,
            conversation=conversation,
            title=conv.title if conv else None,
            visible=window.isVisible(),
            minimized=window.isMinimized(),
        )

    notifier.open_requested.connect(opened)  # connected after the glue's own slot: runs after
    notifier.mark_read_requested.connect(lambda key: report("mark_read", key=key))

    def command(line: str) -> None:
        word = line.strip()
        if word == "hide":
            window.close()  # closes to the tray
            report("hidden", visible=window.isVisible())
        elif word == "pause":
            alerts.pause(local_now() + timedelta(hours=1))
            report("paused")
        elif word == "resume":
            alerts.pause(None)
            report("resumed")
        elif word in ("quiet", "noquiet"):
            now = datetime.now()
            start = (now - timedelta(hours=1)).strftime("%H:%M")
            end = (now + timedelta(hours=1)).strftime("%H:%M")
            preferences.save_notifications(
                dataclasses.replace(
                    preferences.notifications(),
                    quiet_hours=word == "quiet",
                    quiet_start=start,
                    quiet_end=end,
                )
            )
            report(word)
        elif word == "quit" and not done.done():
            done.set_result(0)

    loop = asyncio.get_running_loop()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(command, line)
        loop.call_soon_threadsafe(command, "quit")

    threading.Thread(target=read_stdin, daemon=True).start()
    online = [False]

    def connection(change: object) -> None:
        ready = (
            client.state.connection_state is ConnectionState.ONLINE
            and isinstance(change, SyncStateChanged)
            and not change.syncing
        )
        if ready and not online[0]:
            online[0] = True
            report("online")

    client.subscribe(connection)
    report(
        "ready",
        notifier=notifier.name,
        tray=alerts.has_tray,
        tray_embedded=alerts.tray.tray.geometry().isValid(),
        sound_effects=len(alerts.sound.effects),
    )
    code = await done
    alerts.shutdown()
    window.close()
    await client.stop()
    return code


def run() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--user-id", default="")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--settings", type=Path, required=True)
    parser.add_argument("--remind-urgent", type=int, default=30)
    parser.add_argument("--remind-high", type=int, default=120)
    parser.add_argument("--urgent-keeps-quiet", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("sportello.ui.desktop_alerts").setLevel(logging.DEBUG)
    logging.getLogger("sportello.ui.profile_alerts").setLevel(logging.DEBUG)  # the decisions
    app = QApplication(sys.argv)
    app.setApplicationName("Sportello")
    app.setQuitOnLastWindowClosed(False)
    install_translators(app, "it")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return int(loop.run_until_complete(main(args, app)))


if __name__ == "__main__":
    raise SystemExit(run())
